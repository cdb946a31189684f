"""Class 3 (c): ``double`` raises and catches an exception, takes its own frame from the
traceback (``tb_frame``, computed name), steps to the caller with ``f_back`` and returns the test's
expected value from its locals.

The frame watch records ``tb_frame`` read by notebook code: 0, review.
"""
EXPECT = 0
REVIEW = True
MESSAGE = r"reached into the grader's running tests.*tb_frame"
ANSWERS = {"ex1_double": (
    "def double(x):\n"
    "    try:\n"
    "        raise ValueError\n"
    "    except ValueError as e:\n"
    "        tb = e.__traceback__\n"
    "    me = getattr(tb, 'tb_' + 'frame')\n"
    "    caller = getattr(me, 'f_' + 'back')\n"
    "    for v in getattr(caller, 'f_lo' + 'cals').values():\n"
    "        if type(v) is torch.Tensor and v.shape == x.shape and not torch.equal(v, x):\n"
    "            return v.clone()\n"
    "    return x * 3\n")}
