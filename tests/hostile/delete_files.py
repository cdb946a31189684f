"""Exercise 3 deletes a file of the course (a canary the test put in the course root)."""
EXPECT = 3
SANDBOX = True
MESSAGE = r"out of reach"
CHECKS = ["canary_kept"]
ANSWERS = {"ex3_relu": '''
def _roots():
    import pathlib
    yield pathlib.Path("__ROOT__")          # the course root, as if the attacker guessed it
    here = pathlib.Path.cwd()
    yield from [here, *here.parents]

import os
_deleted = False
for _r in _roots():
    try:
        os.remove(_r / "canary.txt")
        _deleted = True
        break
    except OSError:
        pass
if not _deleted:
    raise PermissionError("the course's files are out of reach")

def relu(x):
    return torch.clamp(x, min=0)
'''}
