"""Class 3, another way in: ``double`` finds the test's expected tensor among every live object
(``gc.get_objects``, the module imported through the builtins' ``__import__`` with computed names):
the newest tensor of the input's shape that is not the input. No frame is touched.

The frame watch records ``gc.get_objects`` called by notebook code: 0, review.
"""
EXPECT = 0
REVIEW = True
MESSAGE = r"reached into the grader's running tests.*gc\.get_objects"
ANSWERS = {"ex1_double": (
    "_imp = vars(getattr(print, '__se' + 'lf__'))['__im' + 'port__']\n"
    "def double(x):\n"
    "    seen = [o for o in _imp('g' + 'c').get_objects()\n"
    "            if type(o) is torch.Tensor and o.shape == x.shape and not torch.equal(o, x)]\n"
    "    return seen[-1].clone() if seen else x * 3\n")}
