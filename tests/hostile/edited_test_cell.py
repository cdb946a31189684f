"""A wrong answer, and its graded test edited into `pass`: the test is restored and fails."""
EXPECT = 4
MESSAGE = r"edited the locked cell\(s\) ex1_double_test; they were restored"
ANSWERS = {"ex1_double": "def double(x):\n    return x"}
EDIT = {"ex1_double_test": "pass"}
