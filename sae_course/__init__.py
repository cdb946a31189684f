"""Shared code for the superposition & SAE course.

What lives here is what notebooks and the grader share (profiles, seeding, checks, plots,
the model zoo and its loader, the grading tools). What a student must write never does.
"""

import os as _os
import sys as _sys

__version__ = "0.1.0"


def _put_interpreter_bin_on_path() -> None:
    """nbgrader runs ``alembic`` (to create a gradebook) and ``jupyter`` by name, so a virtualenv
    that is not activated (``.venv/bin/nbgrader ...``, ``.venv/bin/python bench/...``) fails
    inside nbgrader. Every nbgrader command loads ``nbgrader_config.py``, which imports this
    package, and so do the course's own tools: this puts the running interpreter's ``bin/``
    first on PATH once, for them and for what they start."""
    bindir = _os.path.dirname(_os.path.abspath(_sys.executable))
    path = _os.environ.get("PATH", "")
    if bindir and bindir not in path.split(_os.pathsep):
        _os.environ["PATH"] = bindir + (_os.pathsep + path if path else "")


_put_interpreter_bin_on_path()
