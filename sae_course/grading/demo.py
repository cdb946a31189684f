"""The demo cohort: three students whose scores are known in advance.

- ``demo-full``: every answer cell holds the reference solution → full marks.
- ``demo-blank``: the untouched release → zero.
- ``demo-partial``: some answers right, some with a plausible mistake taken from
  ``authoring/mistakes/``, the rest left as stubs → strictly between.

``demo-partial`` also hands in one day late, so the report has a late submission to show.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import nbformat

from .course import Course, CourseError, solution_text

STUDENTS = ("demo-full", "demo-blank", "demo-partial")
DUE = dt.datetime(2026, 1, 15, 17, 0, 0)


def answer_cells(nb) -> dict[str, int]:
    return {c.metadata["nbgrader"]["grade_id"]: i for i, c in enumerate(nb.cells)
            if c.metadata.get("nbgrader", {}).get("solution")}


def mutants_for(course: Course, section: str) -> dict[str, list[Path]]:
    folder = course.mistakes / section
    if not folder.is_dir():
        return {}
    return {d.name: sorted(d.glob("*.py")) for d in sorted(folder.iterdir()) if d.is_dir()}


def make_submission(course: Course, section: str, student: str) -> Path:
    """Write ``submitted/<student>/<section>/<section>.ipynb`` (and its timestamp)."""
    release_nb = course.notebook(section, "release")
    if not release_nb.is_file():
        raise CourseError(f"{release_nb} is missing: build the release first (sae-course release)")
    nb = nbformat.read(str(release_nb), as_version=4)
    source = nbformat.read(str(course.notebook(section)), as_version=4)
    src_answers = {gid: source.cells[i].source for gid, i in answer_cells(source).items()}
    ids = list(answer_cells(nb))
    mutants = mutants_for(course, section)
    for k, gid in enumerate(ids):
        cell = nb.cells[answer_cells(nb)[gid]]
        if student == "demo-full":
            cell.source = solution_text(src_answers[gid])
        elif student == "demo-partial":
            # Every third answer right, every third with a plausible mistake, the rest blank;
            # the first answer is always right and the second is always a mistake (if any).
            kind = k % 3
            if kind == 0:
                cell.source = solution_text(src_answers[gid])
            elif kind == 1 and mutants.get(gid):
                cell.source = mutants[gid][0].read_text()
    target = course.submitted / student / section
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    path = target / f"{section}.ipynb"
    nbformat.write(nb, str(path))
    when = DUE + (dt.timedelta(days=1) if student == "demo-partial" else -dt.timedelta(days=2))
    (target / "timestamp.txt").write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    return path


def set_due_dates(course: Course, sections: list[str]) -> None:
    from nbgrader.api import Gradebook

    from .course import COURSE_ID

    with Gradebook(course.db_url, course_id=COURSE_ID) as gb:
        for s in sections:
            gb.update_or_create_assignment(s, duedate=DUE)


def submit_demo_cohort(course: Course, sections: list[str], log=print) -> None:
    set_due_dates(course, sections)
    for section in sections:
        for student in STUDENTS:
            make_submission(course, section, student)
    log(f"[demo] submitted {len(STUDENTS)} students × {len(sections)} section(s): {', '.join(STUDENTS)}")
