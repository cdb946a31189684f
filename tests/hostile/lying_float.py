"""Class 2: ``total`` returns a float subclass whose ``__float__``, ``__eq__``, ``__sub__`` and
``__abs__`` all say "right" (methods attached with computed names).

A number of the student's own class is refused ("expected a tensor, a number or a list of
numbers"), and the hidden test's own comparisons read plain data: ex2 scores 0.
"""
EXPECT = 3
QUIET = True
MESSAGE = r"expected a tensor, a number or a list of numbers, got an object of type"
ANSWERS = {"ex2_total": (
    "class Sure(float):\n"
    "    pass\n"
    "for _n, _f in [('float', lambda s: 6.0), ('eq', lambda s, o: True), ('sub', lambda s, o: 0.0),\n"
    "               ('abs', lambda s: 0.0), ('array', lambda s, *a, **k: np.array(3.0))]:\n"
    "    setattr(Sure, '__' + _n + '__', _f)\n"
    "def total(x):\n"
    "    return Sure(float(x.sum()) + 1)\n")}
