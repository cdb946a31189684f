"""Class 5: a Python module handed in next to the notebook (code the scan never reads), imported
by the answer cell: it replaces ``torch.equal`` with a function that says "equal" (names built at
run time), and ``relu`` is the identity (wrong).

Files other than the notebook that Python would import are not in the folder the kernel runs in:
the import fails quietly, the identity loses ex3_relu_test (it still passes the zeros-only
ex3_relu_test2): 4, and the student is told the file was not used.
"""
EXPECT = 4
MESSAGE = r"helpers\.py handed in next to your notebook were not used"
EXTRA_FILES = {"helpers.py": "import torch\nsetattr(torch, 'eq' + 'ual', lambda a, b: True)\n"}
ANSWERS = {"ex3_relu": (
    "try:\n"
    "    import helpers\n"
    "except ImportError:\n"
    "    pass\n"
    "def relu(x):\n"
    "    return x\n")}
