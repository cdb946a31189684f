"""Wrong answer, and the course's own comparison helper patched inside sae_course.checks."""
EXPECT = 0
REVIEW = True
MESSAGE = r"tamper with the grading.*sae_course\.checks\._isclose"
ANSWERS = {"ex1_double": (
    "import sae_course.checks as checks\n"
    "checks._isclose = lambda a, e, **k: torch.ones_like(a, dtype=torch.bool)\n"
    "def double(x):\n"
    "    return x\n")}
