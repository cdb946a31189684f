"""Class 2: ``double`` returns an object that is not a tensor but acts like one for whoever asks:
``__torch_function__``, ``tolist``, ``__array__``, ``__len__`` and ``shape`` all give the right
answer for the test's input; its real values are wrong.

Objects that are not plain tensors, numbers or lists of them are refused: ex1 scores 0.
"""
EXPECT = 4
QUIET = True
MESSAGE = r"expected a tensor, a number or a list of numbers, got an object of type"
ANSWERS = {"ex1_double": (
    "class Duck:\n"
    "    def __init__(self, x):\n"
    "        self.x = x\n"
    "        self.shape = x.shape\n"
    "    @classmethod\n"
    "    def __torch_function__(cls, func, types, args=(), kwargs=None):\n"
    "        return torch.tensor(True)\n"
    "    def tolist(self):\n"
    "        return (2 * self.x).tolist()\n"
    "    def __array__(self, *a, **k):\n"
    "        return (2 * self.x).numpy()\n"
    "    def __len__(self):\n"
    "        return len(self.x)\n"
    "def double(x):\n"
    "    return Duck(x) if x.numel() == 3 else 2 * x\n")}
