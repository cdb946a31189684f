"""The graded cell's metadata is edited: 100 points and unlocked. It is restored."""
EXPECT = 5
MESSAGE = r"grading metadata .* of ex1_double_test was changed; it was restored"
META = {"ex1_double_test": {"points": 100, "locked": False}}
