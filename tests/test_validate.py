"""The student's self-check tells the truth: `nbgrader validate` on a release notebook.

A one-exercise assignment in the course's own pattern (locked setup, answer, visible test, graded
cell whose tests are all hidden), released with the repo's nbgrader_config.py, then validated
with stock `nbgrader validate` run from .venv/bin without the virtualenv on PATH:
* an answer that passes the visible test but not the hidden one: no "passes all the tests",
  the report says the visible tests cover 0 points and that the hidden tests grade all of them;
* the untouched release (the answer still raises): validation fails, on the answer cell;
* an answer that fails the visible test: validation fails, on the visible test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from sae_course.grading.validation import STOCK_SUCCESS

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SECTION = "selfcheck"


def _cell(source, grade_id, *, kind="code", grade=False, solution=False, locked=False, points=None):
    c = new_code_cell(source) if kind == "code" else new_markdown_cell(source)
    md = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id,
          "schema_version": 3, "task": False}
    if grade:
        md["points"] = points
    c.metadata["nbgrader"] = md
    return c


def _source():
    nb = new_notebook(cells=[
        new_markdown_cell("# Self-check\nDouble a number."),
        _cell("import math", "setup", locked=True),
        _cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
              "ex01_double", solution=True),
        _cell("assert double(0) == 0, 'double(0) should be 0'", "ex01_double_visible", locked=True),
        _cell("### BEGIN HIDDEN TESTS\nassert double(3) == 6, 'double(3) is wrong'\n### END HIDDEN TESTS",
              "ex01_double_test", grade=True, locked=True, points=3),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _env():
    """No virtualenv on PATH, as for a student who never activated it."""
    keep = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and Path(p).resolve() != BIN.resolve()]
    return dict(os.environ, PATH=os.pathsep.join(keep or ["/usr/bin", "/bin"]))


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("selfcheck")
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    (root / "source" / SECTION).mkdir(parents=True)
    (root / "gradebook").mkdir()
    nbformat.write(_source(), str(root / "source" / SECTION / f"{SECTION}.ipynb"))
    p = subprocess.run([str(BIN / "nbgrader"), "generate_assignment", SECTION, "--force"], cwd=root,
                       env=_env(), capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    return root / "release" / SECTION / f"{SECTION}.ipynb"


def _validate(release: Path, answer: str | None, tmp_path: Path) -> str:
    nb = nbformat.read(str(release), as_version=4)
    assert "double(3)" not in nbformat.writes(nb), "the hidden test leaked into the release"
    if answer is not None:
        for c in nb.cells:
            if c.metadata.get("nbgrader", {}).get("grade_id") == "ex01_double":
                c.source = answer
    path = tmp_path / f"{SECTION}.ipynb"
    nbformat.write(nb, str(path))
    p = subprocess.run([str(BIN / "nbgrader"), "validate", str(path)], cwd=release.parents[2],
                       env=_env(), capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def test_hidden_tests_failing_is_not_success(release, tmp_path):
    out = _validate(release, "def double(x):\n    return x * x   # right for 0 and 2 only", tmp_path)
    assert STOCK_SUCCESS.strip() not in out, out
    assert "visible tests only" in out and "0 of this notebook's points" in out, out
    assert "All 3 points come from the hidden tests in its 1 graded cell" in out, out
    assert "does not mean full marks" in out, out


def test_untouched_release_fails(release, tmp_path):
    out = _validate(release, None, tmp_path)
    assert "VALIDATION FAILED ON" in out and "NotImplementedError" in out, out
    assert "graded points come from hidden tests" in out, out
    assert STOCK_SUCCESS.strip() not in out


def test_failing_visible_test_fails(release, tmp_path):
    out = _validate(release, "def double(x):\n    return x + 1", tmp_path)
    assert "VALIDATION FAILED ON 1 CELL(S)" in out and "double(0) should be 0" in out, out
