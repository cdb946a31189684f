"""Wrong answer, and torch.equal replaced in a way the static scan does not see (a loop alias).

The run-time integrity check sees torch.equal change after this cell.
"""
EXPECT = 0
REVIEW = True
MESSAGE = r"your code changed functions or hooks the tests rely on: torch\.equal"
ANSWERS = {"ex3_relu": (
    "for _m in [torch]:\n"
    "    _m.equal = lambda a, b: True\n"
    "def relu(x):\n"
    "    return x\n")}
