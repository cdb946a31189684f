"""Class 3 (b): ``total`` is off by one and shifts its input in place so that the input's sum
matches the wrong answer afterwards (a reference computed after the call would agree).

Expected values come first, from clones: ex2 scores 0.
"""
EXPECT = 3
QUIET = True
MESSAGE = r"total\(arange\(4\)\): the value is off"
ANSWERS = {"ex2_total": (
    "def total(x):\n"
    "    wrong = float(x.sum()) + 1\n"
    "    x.add_(1.0 / x.numel())\n"
    "    return wrong\n")}
