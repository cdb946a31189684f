"""Wrong answer, and numpy's comparison functions replaced."""
EXPECT = 0
REVIEW = True
MESSAGE = r"tamper with the grading.*numpy\.allclose"
ANSWERS = {"ex2_total": (
    "np.allclose = lambda *a, **k: True\n"
    "np.testing.assert_allclose = lambda *a, **k: None\n"
    "def total(x):\n"
    "    return 0.0\n")}
