"""Class 1: a right answer that also writes to stderr, with a result published before it.

``double`` publishes "1" as a result (the hook looked up through ``vars`` with a joined name), then
writes to stderr. nbgrader's rule is that a graded cell that wrote to stderr scores 0, whatever
came first: ex1 scores 0.
"""
EXPECT = 4
MESSAGE = r"not counted as points"
ANSWERS = {"ex1_double": (
    "import sys\n"
    "def double(x):\n"
    "    vars(sys)[''.join(['display', 'hook'])](1)\n"
    "    sys.stderr.write('note\\n')\n"
    "    return 2 * x\n")}
