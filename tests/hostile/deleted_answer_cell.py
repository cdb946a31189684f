"""The answer cell of exercise 1 is deleted: its test fails, the rest counts."""
EXPECT = 4
MESSAGE = r"answer cell\(s\) ex1_double were missing"
DELETE = ["ex1_double"]
