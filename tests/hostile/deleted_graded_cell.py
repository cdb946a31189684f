"""The graded test cell of exercise 2 is deleted (correct answers): it scores 0, the rest counts."""
EXPECT = 3
MESSAGE = r"graded cell\(s\) ex2_total_test were missing.*score 0"
DELETE = ["ex2_total_test"]
