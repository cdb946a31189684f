"""Class 3 (b): ``double`` zeroes its input in place and returns zeros: a reference computed
*after* the call, from the same tensor, would be zeros too and agree.

The hidden test computes its expected value first, from a clone, and checks the input is unchanged:
ex1 scores 0.
"""
EXPECT = 4
QUIET = True
MESSAGE = r"double\(x\): \d of 3 values are wrong"
ANSWERS = {"ex1_double": (
    "def double(x):\n"
    "    x.mul_(0)\n"
    "    return x * 2\n")}
