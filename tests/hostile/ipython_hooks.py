"""Wrong answers, and an IPython input transformer that blanks every later cell that asserts.

Without defences every graded cell would run empty and score full marks.
"""
EXPECT = 0
REVIEW = True
MESSAGE = r"get_ipython|input_transformers"
ANSWERS = {"ex1_double": (
    "get_ipython().input_transformers_cleanup.append(\n"
    "    lambda lines: [] if any('assert' in l for l in lines) else lines)\n"
    "def double(x):\n"
    "    return x\n")}
