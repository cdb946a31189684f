"""Class 3 (c): ``total`` asks a library for the frames (``inspect.stack``, the module reached as
``torch.inspect`` with a computed name) and returns the expected value it finds among the test's
locals (a float).

The frame watch records a frame taken by a library function that notebook code called directly: 0,
review. (Library code that takes frames for itself, called from a student's function, such as
``collections.namedtuple`` or ``logging``, is not recorded: tests/test_checks.py.)
"""
EXPECT = 0
REVIEW = True
MESSAGE = r"reached into the grader's running tests.*inspect\.stack"
ANSWERS = {"ex2_total": (
    "_insp = getattr(torch, 'ins' + 'pect')\n"
    "def total(x):\n"
    "    for info in _insp.stack(0)[1:3]:\n"
    "        for k, v in getattr(info.frame, 'f_lo' + 'cals').items():\n"
    "            if type(v) is float and k == '_w' + str(x.numel()):\n"
    "                return v\n"
    "    return float(x.sum()) + 1\n")}
