"""Class 3 (c): ``double`` runs a generator that reads its own frame (``gi_frame``, computed name)
while running, whose ``f_back`` is ``double``'s frame and whose next ``f_back`` is the test's;
returns the expected value from the test's locals.

The frame watch records ``gi_frame`` read by notebook code: 0, review.
"""
EXPECT = 0
REVIEW = True
MESSAGE = r"reached into the grader's running tests.*gi_frame"
ANSWERS = {"ex1_double": (
    "def double(x):\n"
    "    box = []\n"
    "    def walk():\n"
    "        yield getattr(getattr(box[0], 'gi_' + 'frame'), 'f_' + 'back')\n"
    "    box.append(walk())\n"
    "    me = next(box[0])\n"
    "    caller = getattr(me, 'f_' + 'back')\n"
    "    for v in getattr(caller, 'f_lo' + 'cals').values():\n"
    "        if type(v) is torch.Tensor and v.shape == x.shape and not torch.equal(v, x):\n"
    "            return v.clone()\n"
    "    return x * 3\n")}
