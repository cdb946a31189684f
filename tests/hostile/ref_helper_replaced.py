"""Class 3 (a): while the test calls it, ``double`` (wrong) replaces the names the test's checks
live under in the notebook's globals (``assert_close``, ``assert_true``, ``plain``, ``_t``, reached
with computed names through ``vars()``) with functions that accept anything.

The test bound its checks before calling student code, so the swap changes nothing there (ex1
fails), and the swapped names are still swapped when the next probe looks: 0, review.
"""
EXPECT = 0
REVIEW = True
MESSAGE = r"the name assert_close in your notebook.*changed while running ex1_double"
ANSWERS = {"ex1_double": (
    "_ns = vars()\n"
    "def double(x):\n"
    "    for name in ('assert_' + 'close', 'assert_' + 'true', 'pl' + 'ain', '_' + 't'):\n"
    "        if name in _ns:\n"
    "            _ns[name] = lambda *a, **k: None\n"
    "    return x * 3\n")}
