"""The percent-script builder, and source notebooks kept in step with authoring/*.py."""

from pathlib import Path

import nbformat
import pytest

from sae_course.authoring import notebook_to_script, script_to_notebook

SCRIPT = """\
# %% [markdown]
# # Title
# Some text.

# %% setup id=setup
import math

# %% solution id=ex01_double
def double(x):
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION

# %% visible id=ex01_double_visible
assert double(1) == 2

# %% graded id=ex01_double_test points=2
### BEGIN HIDDEN TESTS
assert double(21) == 42
### END HIDDEN TESTS
"""


def test_builder_writes_nbgrader_metadata():
    nb = script_to_notebook(SCRIPT, "demo")
    nbformat.validate(nb)
    kinds = [(c.cell_type, c.metadata.get("nbgrader", {})) for c in nb.cells]
    assert kinds[0][0] == "markdown" and not kinds[0][1]
    setup, sol, vis, graded = (k[1] for k in kinds[1:])
    assert setup["locked"] and not setup["grade"] and not setup["solution"]
    assert sol["solution"] and not sol["locked"] and sol["grade_id"] == "ex01_double"
    assert vis["locked"] and not vis["grade"]
    assert graded["grade"] and graded["locked"] and graded["points"] == 2


def test_round_trip_script_notebook_script():
    nb = script_to_notebook(SCRIPT, "demo")
    again = script_to_notebook(notebook_to_script(nb), "demo")
    assert [c.source for c in again.cells] == [c.source for c in nb.cells]
    assert [c.metadata for c in again.cells] == [c.metadata for c in nb.cells]


@pytest.mark.parametrize("bad, message", [
    ("# %% graded id=x\nassert 1\n", "points"),
    ("# %% solution\nx = 1\n", "id="),
    ("# %% nonsense\n", "unknown cell marker"),
    ("x = 1\n# %% code\n", "before the first"),
])
def test_builder_rejects_bad_scripts(bad, message):
    with pytest.raises(ValueError, match=message):
        script_to_notebook(bad, "bad")


def _sections(root: Path):
    return sorted(p.stem for p in (root / "authoring").glob("*.py"))


def test_source_notebooks_match_their_scripts(repo_root):
    """`make notebooks` was run after the last edit of authoring/*.py (or `sae-course unbuild` after a notebook edit)."""
    for section in _sections(repo_root):
        built = script_to_notebook((repo_root / "authoring" / f"{section}.py").read_text(), section)
        path = repo_root / "source" / section / f"{section}.ipynb"
        assert path.is_file(), f"{path} is missing: run `make notebooks`"
        committed = nbformat.read(str(path), as_version=4)
        assert [c.source for c in committed.cells] == [c.source for c in built.cells], (
            f"source/{section} is out of step with authoring/{section}.py: run `make notebooks`")
        assert [c.metadata.get("nbgrader") for c in committed.cells] == [c.metadata.get("nbgrader") for c in built.cells]


def test_every_source_notebook_follows_the_exercise_pattern(repo_root):
    """Each answer cell has a visible test and at least one graded cell; ids are unique; no stored outputs."""
    for section in _sections(repo_root):
        nb = nbformat.read(str(repo_root / "source" / section / f"{section}.ipynb"), as_version=4)
        ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
        assert len(ids) == len(set(ids)), f"{section}: duplicated cell ids"
        answers = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                   if c.metadata.get("nbgrader", {}).get("solution")]
        assert answers, f"{section}: no answer cells"
        for a in answers:
            assert any(i.startswith(a + "_test") for i in ids), f"{section}: {a} has no graded cell {a}_test"
            assert f"{a}_visible" in ids, f"{section}: {a} has no visible test cell {a}_visible"
        for c in nb.cells:
            if c.cell_type == "code":
                assert not c.outputs, f"{section}: committed notebook has stored outputs"
            if c.metadata.get("nbgrader", {}).get("grade"):
                assert "BEGIN HIDDEN TESTS" in c.source, f"{section}: graded cell {c.metadata['nbgrader']['grade_id']} has no hidden tests"
