"""The kernel process exits in the middle of exercise 3 (os._exit: no cleanup, like a crash).

(``os.kill(os.getpid(), SIGKILL)`` is not a crash in a sandbox with its own PID namespace: the
kernel is PID 1 there, which ignores it.)
"""
EXPECT = 3
MESSAGE = r"kernel died while running ex3_relu"
ANSWERS = {"ex3_relu": (
    "import os\n"
    "os._exit(3)\n"
    "def relu(x):\n"
    "    return torch.clamp(x, min=0)\n")}
