"""Class 4: while the test calls it, ``total`` replaces the builtin ``abs`` (reached through the
``builtins`` module's dict, found from ``print.__self__``) with one that says "no error" once
and then puts the original back.

The checks read a private copy of the builtins taken at import: ex2 scores 0.
"""
EXPECT = 3
QUIET = True
MESSAGE = r"total\(arange\(4\)\): the value is off"
ANSWERS = {"ex2_total": (
    "def total(x):\n"
    "    if x.numel() != 4:\n"
    "        return float(x.sum())\n"
    "    space = vars(getattr(print, '__se' + 'lf__'))\n"
    "    orig = space['a' + 'bs']\n"
    "    def once(v):\n"
    "        space['a' + 'bs'] = orig\n"
    "        return 0.0\n"
    "    space['a' + 'bs'] = once\n"
    "    return float(x.sum()) + 1\n")}
