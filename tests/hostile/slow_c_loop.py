"""Class 7: ``double`` runs a loop in C that no interrupt stops (``any(itertools.repeat(False))``),
on the graded test's input only (the visible test passes): the kernel is killed.

Bounded by the notebook's total time cap; the cell that hung is not run again: 4.
"""
EXPECT = 4
CHECKS = ["bounded_time"]
MESSAGE = r"ignored the interrupt|could not be interrupted|ran past|not run"
ANSWERS = {"ex1_double": (
    "import itertools\n"
    "def double(x):\n"
    "    if x.numel() == 3:\n"
    "        any(getattr(itertools, 'rep' + 'eat')(False))\n"
    "    return 2 * x\n")}
