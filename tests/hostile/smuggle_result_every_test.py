"""Class 1: every answer is wrong and publishes full marks for its test as a result.

Each function looks the display hook up through a helper with a name built at run time and
publishes the maximum points of the test that calls it, then returns a wrong value. Every test
raises after the result: 0 in all.
"""
EXPECT = 0
MESSAGE = r"not counted as points"
ANSWERS = {
    "ex1_double": (
        "import sys\n"
        "def _say(v):\n"
        "    h = getattr(sys, '_'.join(['display', 'hook']).replace('_', ''))\n"
        "    h(v)\n"
        "def double(x):\n"
        "    _say(1)\n"
        "    return 3 * x\n"),
    "ex2_total": "def total(x):\n    _say(2)\n    return float(x.sum()) - 1\n",
    "ex3_relu": "def relu(x):\n    _say(1)\n    return x + 1\n",
}
