"""sys.exit() before the answer of exercise 1 is defined."""
EXPECT = 4
MESSAGE = r"ex1_double called sys\.exit\(\)"
ANSWERS = {"ex1_double": (
    "import sys\n"
    "sys.exit(1)\n"
    "def double(x):\n"
    "    return 2 * x\n")}
