"""Wrong answer, and a builtin the checks use replaced through the builtins module."""
EXPECT = 0
REVIEW = True
MESSAGE = r"imports the builtins module"
ANSWERS = {"ex2_total": (
    "import builtins\n"
    "builtins.float = lambda x=0: 6.0\n"
    "def total(x):\n"
    "    return 0\n")}
