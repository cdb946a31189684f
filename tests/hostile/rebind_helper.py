"""Wrong answer, and the notebook's `assert_close` (imported by the locked setup cell) rebound."""
EXPECT = 0
REVIEW = True
MESSAGE = r"rebinds the name assert_close"
ANSWERS = {"ex1_double": (
    "assert_close = lambda *args, **kwargs: None\n"
    "def double(x):\n"
    "    return x\n")}
