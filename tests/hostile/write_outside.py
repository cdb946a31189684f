"""Exercise 3 writes outside its own folder: into the course root and another student's folder."""
EXPECT = 3
SANDBOX = True
MESSAGE = r"nothing outside the working folder is writable"
CHECKS = ["no_pwned_files"]
ANSWERS = {"ex3_relu": '''
def _roots():
    import pathlib
    yield pathlib.Path("__ROOT__")          # the course root, as if the attacker guessed it
    here = pathlib.Path.cwd()
    yield from [here, *here.parents]

_wrote = []
for _r in _roots():
    if not (_r / "submitted").is_dir():
        continue
    for _p in (_r / "PWNED-write_outside.txt", _r / "submitted" / "good-1" / "hw" / "PWNED.txt"):
        try:
            _p.write_text("pwned")
            _wrote.append(str(_p))
        except OSError:
            pass
if not _wrote:
    raise PermissionError("nothing outside the working folder is writable")

def relu(x):
    return torch.clamp(x, min=0)
'''}
