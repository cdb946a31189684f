"""End to end, for every section: release, the demo cohort, autograde, feedback.

One scratch copy of the course is graded once per test session (`sae-course demo`, the same
command `make demo` runs); the tests below read what it produced.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, copy_course

pytestmark = pytest.mark.slow

SECTIONS = sorted(p.name for p in (ROOT / "source").iterdir() if (p / f"{p.name}.ipynb").is_file())


def _cell_scores(db_url: str, section: str, student: str) -> dict[str, tuple[float, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id="sae-course") as gb:
        nb = gb.find_submission_notebook(section, section, student)
        return {g.name: (float(g.score), float(g.max_score)) for g in nb.grades}


# The `demo` fixture (the demo course, graded once per session) lives in conftest.py: test_feedback.py and
# test_browser.py read the same graded course.


@pytest.mark.parametrize("section", SECTIONS)
def test_reference_solutions_get_full_marks(demo, section):
    root, db, _ = demo
    scores = _cell_scores(db, section, "demo-full")
    assert scores, f"{section}: no graded cells recorded"
    lost = {cell: s for cell, s in scores.items() if s[0] != s[1]}
    assert not lost, f"{section}: the reference solutions lose points on {lost}"


@pytest.mark.parametrize("section", SECTIONS)
def test_reference_notebook_runs_without_errors(demo, section):
    """Every cell of the graded reference submission ran without an error (a notebook is code)."""
    root, _, _ = demo
    nb = nbformat.read(str(root / "autograded" / "demo-full" / section / f"{section}.ipynb"), 4)
    errors = [(i, o.get("ename")) for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"{section}: cells raised errors: {errors}"


@pytest.mark.parametrize("section", SECTIONS)
def test_untouched_release_gets_zero(demo, section):
    root, db, _ = demo
    scores = _cell_scores(db, section, "demo-blank")
    earned = {cell: s for cell, s in scores.items() if s[0] != 0}
    assert not earned, f"{section}: the untouched stubs earn points on {earned}"


@pytest.mark.parametrize("section", SECTIONS)
def test_partial_submission_is_strictly_between(demo, section):
    root, db, _ = demo
    scores = _cell_scores(db, section, "demo-partial")
    got, mx = sum(s[0] for s in scores.values()), sum(s[1] for s in scores.values())
    assert 0 < got < mx, f"{section}: demo-partial scored {got}/{mx}"


@pytest.mark.parametrize("section", SECTIONS)
def test_feedback_for_every_student_shows_each_test(demo, section):
    root, db, _ = demo
    for student in ("demo-full", "demo-blank", "demo-partial"):
        html_path = root / "feedback" / student / section / f"{section}.html"
        assert html_path.is_file(), f"no feedback at {html_path}"
        html = html_path.read_text()
        for cell in _cell_scores(db, section, student):
            assert cell in html, f"{student}/{section}: feedback does not show the result of {cell}"


def test_demo_prints_the_score_table(demo):
    _, _, out = demo
    assert "demo-full" in out and "demo-blank" in out and "demo-partial" in out
    for section in SECTIONS:
        assert section in out


def test_regrading_by_hand_gives_the_same_scores(demo):
    """Stock `nbgrader autograde`, run by hand on the course (serial, unsandboxed, a cold kernel),
    reproduces the grades of the course tool's default engine (parallel, sandboxed, warm kernels)."""
    root, db, out = demo
    assert "sandbox on" in out, "the demo did not grade with the sandboxed engine"
    section = SECTIONS[0]
    before = _cell_scores(db, section, "demo-partial")
    nbgrader = Path(sys.executable).parent / "nbgrader"
    proc = subprocess.run([str(nbgrader), "autograde", section, "--force", "--student=demo-partial"],
                          cwd=root, text=True, capture_output=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert _cell_scores(db, section, "demo-partial") == before
