"""Class 3 (c), against the frame watch itself: the answer cell reads the grader's nonce from the
probe cells' source in IPython's history (``In``), asks the watch for its records as a probe would
(``sys.audit`` with the nonce, computed names) hoping to be taken for one, then reads the test's
frame (``sys._getframe``).

The watch answers only code with the probes' own bytecode and records the call itself; the frame
read is recorded too: 0, review.
"""
EXPECT = 0
REVIEW = True
MESSAGE = r"reached into the grader's running tests.*frame watch called from"
ANSWERS = {"ex1_double": (
    "import json as _json\n"
    "_sys = getattr(torch, 's' + 'ys')\n"
    "_hist = [c for c in vars().get('In', []) if 'integrity ' + 'probe' in c]\n"
    "_nonce = None\n"
    "for _line in (_hist[0].splitlines() if _hist else []):\n"
    "    if 'seq, nonce' in _line:\n"
    "        _nonce = _json.loads(_line.split('=', 1)[1])[1]\n"
    "_box = []\n"
    "getattr(_sys, 'au' + 'dit')('sae-course.frame-watch', _nonce, 'report', _box)\n"
    "def double(x):\n"
    "    caller = getattr(_sys, '_get' + 'frame')(1)\n"
    "    for v in getattr(caller, 'f_lo' + 'cals').values():\n"
    "        if type(v) is torch.Tensor and v.shape == x.shape and not torch.equal(v, x):\n"
    "            return v.clone()\n"
    "    return x * 3\n")}
