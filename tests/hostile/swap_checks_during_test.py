"""Class 4 (checks swapped only while the test runs): ``total`` is wrong on the test's input and,
while the test calls it, replaces ``sae_course.checks._fail`` with a function that swallows the
failure and puts the original back as it does (names built at run time): before the checks were
sealed, the test passed and nothing was left changed for the grader's probes to see.

The checks read a sealed copy of their module's globals taken at import: the swapped function is
never called, the test fails, and the swap, left in place, is seen by the probes: 0, review.
"""
EXPECT = 0
REVIEW = True
MESSAGE = r"sae_course\.checks\._fail changed while running ex2_total_test"
ANSWERS = {"ex2_total": (
    "_put = getattr(object, '__set' + 'attr__')\n"
    "import sae_course.checks as _c\n"
    "def total(x):\n"
    "    if x.numel() != 4:\n"
    "        return float(x.sum())\n"
    "    name = '_' + 'fa' + 'il'\n"
    "    orig = getattr(_c, name)\n"
    "    def quiet(msg):\n"
    "        _put(_c, name, orig)\n"
    "    _put(_c, name, quiet)\n"
    "    return float(x.sum()) + 1\n")}
