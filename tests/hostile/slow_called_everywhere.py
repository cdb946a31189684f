"""Class 7 (one student slowing everyone): ``relu`` ignores the interrupt and never returns, and
both of ex3's graded cells call it: each costs a full cell timeout, a killed kernel and a new run
of the notebook.

The notebook's total grading time is capped across restarts (``GuardedExecute.max_total_seconds``;
the engine's notebook limit too), and a cell that hung is never run again: 3, within the cap.
"""
EXPECT = 3
CHECKS = ["bounded_time"]
MESSAGE = r"ignored the interrupt|could not be interrupted|ran past|not run"
ANSWERS = {"ex3_relu": (
    "import signal, time\n"
    "def relu(x):\n"
    "    getattr(signal, 'sig' + 'nal')(signal.SIGINT, signal.SIG_IGN)\n"
    "    while True:\n"
    "        time.sleep(0.05)\n")}
