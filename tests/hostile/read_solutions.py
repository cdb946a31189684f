"""Exercise 3 reads the master notebook (the solutions) from source/: it must be out of reach."""
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
    try:
        _found = (_r / "source" / "hw" / "hw.ipynb").read_text()
        break
    except OSError:
        pass
if _found is None:
    raise FileNotFoundError("the master notebook is out of reach")

def relu(x):
    return torch.clamp(x, min=0)
'''}
