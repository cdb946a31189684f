"""Wrong answer, and torch's comparison functions replaced so that the checks always agree."""
EXPECT = 0
REVIEW = True
MESSAGE = r"tamper with the grading.*assigns to torch\.equal"
ANSWERS = {"ex3_relu": (
    "torch.equal = lambda a, b: True\n"
    "torch.allclose = lambda *a, **k: True\n"
    "def relu(x):\n"
    "    return x\n")}
