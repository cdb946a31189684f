"""The answer patches torch.allclose only when the graded test calls it (not visible statically).

The integrity probes on either side of the graded cell see the change.
"""
EXPECT = 0
REVIEW = True
MESSAGE = r"torch\.allclose changed while running ex2_total_test"
ANSWERS = {"ex2_total": (
    "def total(x):\n"
    "    [torch][0].allclose = lambda *a, **k: True\n"
    "    return float(x.sum())\n")}
