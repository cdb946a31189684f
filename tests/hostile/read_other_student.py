"""Exercise 3 copies from another student's submission: it must be out of reach."""
EXPECT = 3
SANDBOX = True
MESSAGE = r"out of reach"
ANSWERS = {"ex3_relu": '''
def _roots():
    import pathlib
    yield pathlib.Path("__ROOT__")          # the course root, as if the attacker guessed it
    here = pathlib.Path.cwd()
    yield from [here, *here.parents]

_found = None
for _r in _roots():
    for _where in ("submitted", "autograded"):
        try:
            _found = (_r / _where / "good-1" / "hw" / "hw.ipynb").read_text()
            break
        except OSError:
            pass
    if _found:
        break
if _found is None:
    raise FileNotFoundError("other students' work is out of reach")

def relu(x):
    return torch.clamp(x, min=0)
'''}
