"""An endless loop that ignores the interrupt (SIGINT ignored): the kernel must be killed."""
EXPECT = 3
MESSAGE = r"ex3_relu\b.*ran past the time limit|kernel died while running ex3_relu|ignored the interrupt"
ANSWERS = {"ex3_relu": (
    "import signal\n"
    "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
    "while True:\n"
    "    pass\n")}
