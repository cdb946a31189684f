"""Class 3 (a): ``double`` looks for the hidden test's reference in the notebook's globals, with
names built at run time (``_r`` + ``ef``, anything named like a reference or an expected value), and
returns what it finds. Against a test that defines ``def _ref_double(x)`` at the top of its cell this
returns the right answer for any input.

The hidden test keeps its reference inside a function that no global name holds while it runs
(``globals().pop("_t")()``): there is nothing to find, the fallback answer is wrong, ex1 scores 0.
"""
EXPECT = 4
QUIET = True
MESSAGE = r"double\(x\): \d of 3 values are wrong"
ANSWERS = {"ex1_double": (
    "_ns = vars()\n"
    "def double(x):\n"
    "    for name in list(_ns):\n"
    "        low = name.lower()\n"
    "        if name.startswith('_') and any(w in low for w in ('_r' + 'ef', 'want', 'expect')):\n"
    "            found = _ns[name]\n"
    "            return found(x) if callable(found) else found\n"
    "    return x * 3\n")}
