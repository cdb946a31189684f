"""Class 6 (honest work lost to metadata): correct answers, ``grade: false`` on a graded test cell.

Stock nbgrader restores the cell's source but not the flag; its checksum then never matches and
the whole submission fails (no grade, no feedback). The flags are restored from the gradebook:
full marks, the student told, the notebook flagged for review.
"""
EXPECT = 5
REVIEW = True
MESSAGE = r"grade / solution / lock flags\) of ex2_total_test was changed; it was restored"
META = {"ex2_total_test": {"grade": False}}
