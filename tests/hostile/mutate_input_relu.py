"""Class 3 (b), the honest version: ``relu`` clamps its input in place and returns it. The values
are right, but the caller's tensor is changed (the same mistake as normalising a decoder by editing
the parameter in place).

The hidden test checks its input is unchanged: ex3_relu_test scores 0 with a message saying so;
ex3_relu_test2 (zeros, which clamping leaves as they are) keeps its point.
"""
EXPECT = 4
QUIET = True
MESSAGE = r"relu\(x\) changed its input x in place"
ANSWERS = {"ex3_relu": (
    "def relu(x):\n"
    "    return x.clamp_(min=0)\n")}
