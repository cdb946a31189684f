"""A (bounded) fork bomb in exercise 3: 200 processes at once (each a `sleep 10`).

The process limit must stop it (the fork fails): exercise 3 scores 0, the rest counts.
"""
EXPECT = 3
SANDBOX = True
MESSAGE = r"BlockingIOError|Resource temporarily unavailable|kernel died|ran past the time limit"
ANSWERS = {"ex3_relu": '''
import subprocess
_children = [subprocess.Popen(["sleep", "10"]) for _i in range(200)]

def relu(x):
    return torch.clamp(x, min=0)
'''}
