"""Class 2 (objects that lie): ``relu`` returns a tensor subclass whose ``__torch_function__``
answers every comparison with True (class and method names built at run time).

The checks and the hidden tests turn what they read into plain tensors first (subclass dispatch
off), so the wrong values are compared as they are: ex3 scores 0.
"""
EXPECT = 3
QUIET = True
MESSAGE = r"relu: \d of 2 values are wrong"
ANSWERS = {"ex3_relu": (
    "def _tf(cls, func, types, args=(), kwargs=None):\n"
    "    name = getattr(func, '__name__', '')\n"
    "    if name in ('isclose', 'allclose', 'equal', 'eq', 'all', '__eq__'):\n"
    "        return torch.tensor(True)\n"
    "    return torch.Tensor.__torch_function__(func, types, args, kwargs or {})\n"
    "Liar = type('Li' + 'ar', (torch.Tensor,), {'__torch_' + 'function__': classmethod(_tf)})\n"
    "def relu(x):\n"
    "    return (x.abs() + 1).as_subclass(Liar)\n")}
