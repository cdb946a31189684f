"""Class 3 (c): ``double`` takes its caller's frame (``sys._getframe`` reached through ``torch.sys``
with computed names) and returns the running test's expected value from its locals: a tensor of
the input's shape that is not the input. In-kernel tests cannot hide a local from this.

The grader's frame watch (an audit hook installed by the first probe, before any student code, that
nothing in the kernel can remove) records notebook code asking for a frame: 0, review.
"""
EXPECT = 0
REVIEW = True
MESSAGE = r"reached into the grader's running tests.*sys\._getframe"
ANSWERS = {"ex1_double": (
    "_sys = getattr(torch, 's' + 'ys')\n"
    "def double(x):\n"
    "    caller = getattr(_sys, '_get' + 'frame')(1)\n"
    "    for v in getattr(caller, 'f_lo' + 'cals').values():\n"
    "        if type(v) is torch.Tensor and v.shape == x.shape and not torch.equal(v, x):\n"
    "            return v.clone()\n"
    "    return x * 3\n")}
