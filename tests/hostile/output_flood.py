"""100 MB of output from exercise 1 (correct answers): graded normally, the output truncated."""
EXPECT = 5
MESSAGE = r"ex1_double printed too much output"
CHECKS = ["small_feedback"]
ANSWERS = {"ex1_double": '''
_line = "x" * 999_999
for _i in range(100):                       # 100 lines of 1 MB
    print(_line)

def double(x):
    return 2 * x
'''}
