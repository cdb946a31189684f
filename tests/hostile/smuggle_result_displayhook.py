"""Class 1 (partial credit smuggled through outputs): the wrong answer publishes a result first.

``total`` calls ``sys.displayhook(2.0)`` (reached with getattr and a computed name, so the scan
does not see it) before returning a wrong value: the graded cell gets an ``execute_result`` "2.0"
ahead of its AssertionError, which stock nbgrader reads as 2 points. The verdict step counts the
error: ex2 scores 0.
"""
EXPECT = 3
MESSAGE = r"not counted as points"
ANSWERS = {"ex2_total": (
    "import sys\n"
    "def total(x):\n"
    "    getattr(sys, 'display' + 'hook')(2.0)\n"
    "    return float(x.sum()) + 1\n")}
