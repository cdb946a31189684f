"""Class 6: correct answers, an answer cell turned into a graded cell worth 10 points and a
setup cell's ``locked`` flag dropped. Restored from the gradebook: 5 out of 5, flagged."""
EXPECT = 5
REVIEW = True
MESSAGE = r"was changed; it was restored"
META = {"ex2_total": {"grade": True, "points": 10}, "setup": {"locked": False}}
