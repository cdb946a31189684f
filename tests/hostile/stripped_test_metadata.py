"""The nbgrader metadata of a graded cell is removed and the cell blanked, with a wrong answer.

Without its metadata the cell is an ordinary student cell; the graded cell counts as deleted
and scores 0. (``relu = identity`` still passes ex3_relu_test2, which checks zeros only.)
"""
EXPECT = 4
MESSAGE = r"graded cell\(s\) ex3_relu_test were missing"
ANSWERS = {"ex3_relu": "def relu(x):\n    return x"}
STRIP_META = ["ex3_relu_test"]
EDIT = {"ex3_relu_test": "pass"}
