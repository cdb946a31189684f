"""Class 7: ``total`` catches every KeyboardInterrupt in a loop (the grader's interrupt at the
time limit is swallowed), so ex2's graded cell never ends.

The kernel is killed, the rest graded on a fresh one, within the notebook's total time cap: 3.
"""
EXPECT = 3
CHECKS = ["bounded_time"]
MESSAGE = r"ignored the interrupt|could not be interrupted|ran past|not run"
ANSWERS = {"ex2_total": (
    "import time\n"
    "def total(x):\n"
    "    while True:\n"
    "        try:\n"
    "            time.sleep(0.05)\n"
    "        except BaseException:\n"
    "            pass\n")}
