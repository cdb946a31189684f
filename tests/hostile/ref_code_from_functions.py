"""Class 3 (a): ``double`` reads the code of every function in the notebook's globals (``__code__``
through ``getattr`` with a computed name) looking for a nested reference helper among its
constants, to rebuild and call it. Against ``def _t(): def _ref(x): ...`` held in a global while it
runs (``_t(); del _t``), this finds the reference.

The grader's frame watch (an audit hook installed before any student code) records that notebook
code read a function's code: 0, review.
"""
EXPECT = 0
REVIEW = True
MESSAGE = r"reached into the grader's running tests.*__code__"
ANSWERS = {"ex1_double": (
    "_ns = vars()\n"
    "def double(x):\n"
    "    for f in list(_ns.values()):\n"
    "        if callable(f) and getattr(f, '__module__', None) == '__main__':\n"
    "            code = getattr(f, '__co' + 'de__', None)\n"
    "            for c in getattr(code, 'co_consts', ()):\n"
    "                if getattr(c, 'co_name', '').startswith('_r' + 'ef'):\n"
    "                    return type(f)(c, _ns)(x)\n"
    "    return x * 3\n")}
