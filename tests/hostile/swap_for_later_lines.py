"""Class 4: ``total`` is wrong on one of the test's inputs (``ones(3)``, the second line). While the
first line calls it, it replaces ``numpy.allclose`` and ``torch.allclose`` with functions that
answer True; its call from the second line puts the originals back, after that line has already
looked its function up. Without binding, the second line called the fake and nothing was left
changed for the grader's probes to see.

The hidden test binds the functions it uses at its top, before any student code runs: the swap
changes nothing, ex2 scores 0.
"""
EXPECT = 3
QUIET = True
MESSAGE = r"ex2_total_test"
ANSWERS = {"ex2_total": (
    "_put = getattr(object, '__set' + 'attr__')\n"
    "import numpy as _np, torch as _t\n"
    "_name = 'all' + 'close'\n"
    "_orig = {m: getattr(m, _name) for m in (_np, _t)}\n"
    "def total(x):\n"
    "    if x.numel() == 4:\n"
    "        for m in _orig:\n"
    "            _put(m, _name, lambda *a, **k: True)\n"
    "    if x.numel() == 3:\n"
    "        for m, f in _orig.items():\n"
    "            _put(m, _name, f)\n"
    "        return float(x.sum()) + 1\n"
    "    return float(x.sum())\n")}
