"""A tiny synthetic nbgrader assignment and cohort for the grading-engine tests (fast: no torch).

``make_course(dir)`` writes a course (the repo's nbgrader_config.py, one section ``tiny``),
builds its release with stock ``nbgrader generate_assignment`` and returns a ``Course``;
``submit(course, student, answers)`` hands in a copy of the release with some answer cells
replaced; ``grades(db_url)`` reads every grade back from the gradebook.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from sae_course.grading.course import COURSE_ID, Course

ROOT = Path(__file__).resolve().parents[1]
SECTION = "tiny"


def _cell(kind, source, grade_id=None, *, grade=False, solution=False, locked=False, points=None):
    c = new_code_cell(source) if kind == "code" else new_markdown_cell(source)
    if grade_id:
        md = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id,
              "schema_version": 3, "task": False}
        if grade:
            md["points"] = points
        c.metadata["nbgrader"] = md
    return c


def source_notebook():
    cells = [
        _cell("markdown", "# Tiny\nA synthetic assignment for the grading tests."),
        _cell("code", "import math\nDATA = open('data.txt').read().strip()", "setup", locked=True),
        _cell("code", "def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION",
              "add", solution=True),
        _cell("code", "assert add(1, 2) == 3", "test_add", grade=True, locked=True, points=2),
        _cell("code", "assert add(2, 2) == 4\n### BEGIN HIDDEN TESTS\nassert add(-1, 1) == 0\n"
                      "### END HIDDEN TESTS", "test_add_hidden", grade=True, locked=True, points=1),
        _cell("code", "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION",
              "square", solution=True),
        _cell("code", "assert square(3) == 9\nassert DATA == 'forty-two'", "test_square", grade=True,
              locked=True, points=3),
        _cell("markdown", "Explain `square` in one sentence.\n\n=== BEGIN MARK SCHEME ===\nany\n"
                          "=== END MARK SCHEME ===", "explain", grade=True, solution=True, points=1),
        _cell("code", "print('done', add(20, 22))", "final", grade=True, locked=True, points=1),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


# nbgrader's stock autograde pipeline, whatever the course's nbgrader_config.py adds (the
# course's extra defences have their own suite, tests/test_hostile.py): the grading engine is
# tested against stock nbgrader itself.
STOCK_PIPELINE = """
from nbgrader.converters.autograde import Autograde as _A
c.Autograde.sanitize_preprocessors = list(_A.class_traits()["sanitize_preprocessors"].default())
c.Autograde.autograde_preprocessors = list(_A.class_traits()["autograde_preprocessors"].default())
"""

# What each synthetic student hands in: grade_id -> answer cell source (missing: left blank).
GOOD = {"add": "def add(a, b):\n    return a + b", "square": "def square(x):\n    return x ** 2",
        "explain": "It multiplies x by itself."}
COHORT = {
    "alice": GOOD,
    "bob": {**GOOD, "add": "def add(a, b):\n    return a - b"},
    "carol": {},
    "dave": {**GOOD, "square": "def square(x):\n    import sys\n    print('warn', file=sys.stderr)\n"
                               "    return x * x"},
    "erin": {"add": "def add(a, b):\n    return a + b if a >= 0 else 0", "square": "square = lambda x: x*x"},
}


def make_course(root: Path, *, config_extra: str = STOCK_PIPELINE) -> Course:
    root.mkdir(parents=True, exist_ok=True)
    cfg = (ROOT / "nbgrader_config.py").read_text()
    (root / "nbgrader_config.py").write_text(cfg + "\n" + config_extra)
    src = root / "source" / SECTION
    src.mkdir(parents=True, exist_ok=True)
    nbformat.write(source_notebook(), str(src / f"{SECTION}.ipynb"))
    (src / "data.txt").write_text("forty-two\n")
    for d in ("gradebook", "submitted", "autograded", "feedback", "release"):
        (root / d).mkdir(exist_ok=True)
    course = Course(root)
    course.nbgrader("generate_assignment", SECTION, "--force")
    return course


def submit(course: Course, student: str, answers: dict[str, str], *, late_days: float = -1,
           section: str = SECTION) -> Path:
    nb = nbformat.read(str(course.notebook(section, "release")), as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    target = course.submitted / student / section
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    path = target / f"{section}.ipynb"
    nbformat.write(nb, str(path))
    when = dt.datetime(2026, 1, 15, 17, 0, 0) + dt.timedelta(days=late_days)
    (target / "timestamp.txt").write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    return path


def submit_code_cells(course: Course, student: str, sources: list[str], section: str = SECTION) -> Path:
    """A submission whose answer to ``add`` is replaced by arbitrary (hostile) code cells."""
    nb = nbformat.read(str(course.notebook(section, "release")), as_version=4)
    i = next(k for k, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "add")
    nb.cells[i].source = sources[0]
    for k, s in enumerate(sources[1:]):
        nb.cells.insert(i + 1 + k, new_code_cell(s))
    target = course.submitted / student / section
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    path = target / f"{section}.ipynb"
    nbformat.write(nb, str(path))
    return path


def set_due_date(course: Course, section: str = SECTION) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, course_id=COURSE_ID) as gb:
        gb.update_or_create_assignment(section, duedate=dt.datetime(2026, 1, 15, 17, 0, 0))


def grades(db_url: str) -> dict:
    """(student, section, notebook, grade_id) -> (auto_score, manual_score, needs_manual_grade),
    plus (student, section) -> (score, late_penalty) and comments."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(db_url, course_id=COURSE_ID) as gb:
        for a in gb.assignments:
            for sub in a.submissions:
                key = (sub.student.id, a.name)
                out[key] = (float(sub.score), float(sub.late_submission_penalty or 0), bool(sub.needs_manual_grade))
                for nb in sub.notebooks:
                    for g in nb.grades:
                        out[key + (nb.name, g.name)] = (g.auto_score, g.manual_score, bool(g.needs_manual_grade))
                    for c in nb.comments:
                        out[key + (nb.name, "comment:" + c.name)] = c.auto_comment
    return out


def cell_outputs(course: Course, student: str, section: str = SECTION) -> dict[str, list]:
    """grade_id (or cell index) -> outputs of the autograded notebook."""
    nb = nbformat.read(str(course.autograded / student / section / f"{section}.ipynb"), as_version=4)
    return {c.metadata.get("nbgrader", {}).get("grade_id", str(i)): c.get("outputs", [])
            for i, c in enumerate(nb.cells)}
