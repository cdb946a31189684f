"""Memory allocated gradually (64 MB at a time, up to 30 GB) in exercise 3.

The memory limit must stop it (MemoryError, or the kernel is killed): exercise 3 scores 0, the
rest counts. Unsandboxed it stops by itself while the machine keeps 40 % of its memory (and
then "succeeds", which the test reports as a failure: only the limit may stop it).
"""
EXPECT = 3
SANDBOX = True
MESSAGE = r"MemoryError|kernel died"
ANSWERS = {"ex3_relu": '''
def _meminfo(key):
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0

_total = _meminfo("MemTotal") or 8 * 1024
_blocks = []
for _i in range(30 * 1024 // 64):           # up to 30 GB, 64 MB at a time
    if _meminfo("MemAvailable") < max(4 * 1024, 0.4 * _total):
        break                               # safety net when nothing limits us
    _blocks.append(b"x" * (64 << 20))       # touched pages, not just reserved
del _blocks

def relu(x):
    return torch.clamp(x, min=0)
'''}
