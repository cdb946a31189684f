"""A copy of the graded cell, edited into `pass`, placed after the real one; wrong answer."""
EXPECT = 4
MESSAGE = r"more than one copy of the nbgrader cell\(s\) ex1_double_test"
ANSWERS = {"ex1_double": "def double(x):\n    return x"}
DUPLICATE = {"ex1_double_test": "pass"}
