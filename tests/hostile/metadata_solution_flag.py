"""Class 6: correct answers, a graded test cell marked as a solution cell and an answer cell
marked as locked. Both restored from the gradebook: full marks, told, flagged for review."""
EXPECT = 5
REVIEW = True
MESSAGE = r"was changed; it was restored"
META = {"ex3_relu_test": {"solution": True}, "ex1_double": {"locked": True}}
