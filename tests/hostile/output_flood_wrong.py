"""20 MB of output first, then wrong answers: the tests must still fail.

(An engine that drops *every* output past an output budget would also drop the graded cells'
error outputs, which nbgrader reads as passes.)
"""
EXPECT = 0
MESSAGE = r"ex1_double printed too much output"
CHECKS = ["small_feedback"]
ANSWERS = {
    "ex1_double": '''
_line = "y" * 999_999
for _i in range(20):
    print(_line)

def double(x):
    return x
''',
    "ex2_total": "def total(x):\n    return 0.0\n",
    "ex3_relu": "def relu(x):\n    return x + 1\n",
}
