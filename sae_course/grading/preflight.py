"""Pre-flight: look at every submission before grading, so one broken notebook costs only its owner.

``check_all`` runs at the start of ``run_autograde``, outside any sandbox, and returns the
(student, section) pairs that can be graded. For each submission folder
``submitted/<student>/<section>/`` it checks, per notebook of the section:

- **missing or renamed**: no ``<section>.ipynb``. With exactly one other ``.ipynb`` in the folder
  (``hw (1).ipynb``, ``Copy of hw.ipynb``), that one is copied to the right name and graded, and
  the student is told; with none (or several), the section is recorded as not submitted, with a
  message listing what was there;
- **too large**: bigger than ``SAE_COURSE_MAX_NOTEBOOK_MB`` (default 100): scores 0;
- **unreadable**: not JSON, or JSON that is not a Jupyter notebook: scores 0 with the message
  "your notebook could not be read: ...".

A submission that scores 0 here gets its 0 written to the gradebook at once (every graded cell,
no "needs manual grade"), a short feedback page with the message, and no autograded notebook;
the rest of the run carries on. (Should an engine still hand it to nbgrader, nbgrader fails on
it alone and the 0 stays.)

Every message goes to ``reports/grading_issues.csv``, the per-run report that the grading
preprocessors (``sae_course/grading/preprocessors``) append to while they grade: rows of the
(student, section) pairs graded again in this run are replaced, others are kept. ``summarize``
prints this run's rows at the end.
"""

from __future__ import annotations

import html
import json
import os
import shutil
from pathlib import Path

from .course import COURSE_ID, Course
from .preprocessors import issues

MAX_MB_ENV = "SAE_COURSE_MAX_NOTEBOOK_MB"
DEFAULT_MAX_MB = 100.0


def _max_bytes() -> int:
    try:
        return int(float(os.environ.get(MAX_MB_ENV, DEFAULT_MAX_MB)) * 1024 * 1024)
    except ValueError:
        return int(DEFAULT_MAX_MB * 1024 * 1024)


def expected_notebooks(course: Course, section: str) -> list[str]:
    """The notebook file names of a section (from source/, else release/)."""
    for folder in (course.source / section, course.release / section):
        if folder.is_dir():
            names = sorted(p.name for p in folder.glob("*.ipynb") if not p.name.startswith("."))
            if names:
                return names
    return [f"{section}.ipynb"]


def read_problem(path: Path) -> str | None:
    """Why nbgrader could not read this notebook (None if it can)."""
    import nbformat

    size = path.stat().st_size
    if size > _max_bytes():
        return (f"your notebook is {size / 2**20:.0f} MB, over the {_max_bytes() / 2**20:.0f} MB limit "
                "(clear the outputs and submit again)")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return f"your notebook could not be read: it is not UTF-8 text ({e.reason} at byte {e.start})"
    try:
        data = json.loads(text)
    except ValueError as e:
        where = f" (line {e.lineno}, column {e.colno}: {e.msg})" if hasattr(e, "lineno") else ""
        return f"your notebook could not be read: it is not valid JSON{where}; was the file cut short or edited by hand?"
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        return "your notebook could not be read: the file is JSON but not a Jupyter notebook (it has no cells)"
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as e:  # noqa: BLE001  (any reason nbformat gives is the message)
        return f"your notebook could not be read: it is not a valid Jupyter notebook ({str(e).splitlines()[0][:200]})"
    if not isinstance(nb.get("cells"), list) or any(not isinstance(c, dict) or "cell_type" not in c or "source" not in c
                                                     for c in nb.cells):
        return "your notebook could not be read: some of its cells are malformed"
    return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def check_submission(course: Course, student: str, section: str) -> tuple[bool, list[dict], bool]:
    """(gradable, issues, zero_it) for one submission folder."""
    folder = course.submitted / student / section
    found: list[dict] = []
    present = sorted(p for p in folder.glob("*.ipynb") if p.is_file() and not p.name.startswith("."))
    names = expected_notebooks(course, section)
    extras = [p for p in present if p.name not in names]
    missing = [n for n in names if not (folder / n).is_file()]

    for name in missing:
        if len(extras) == 1 and len(missing) == 1:
            src = extras[0]
            shutil.copy2(src, folder / name)
            found.append(issues.make_issue(
                "renamed_notebook", f"your notebook was named '{src.name}' instead of '{name}'; it was graded "
                                    f"as '{name}' (please keep the original name next time)"))
        else:
            listing = ", ".join(p.name for p in present) or "no notebook at all"
            what = ("several notebooks and none" if len(extras) > 1 else "no notebook")
            found.append(issues.make_issue(
                "not_submitted", f"your submission for {section} has {what} named '{name}' (found: {listing}); "
                                 "nothing was graded for it"))
            return False, found, False
    # A notebook copied to the right name by an earlier run: say so again.
    for name in names:
        for p in extras:
            if _same_file(p, folder / name) and not any(i["kind"] == "renamed_notebook" for i in found):
                found.append(issues.make_issue(
                    "renamed_notebook", f"your notebook was named '{p.name}' instead of '{name}'; it was graded "
                                        f"as '{name}' (please keep the original name next time)"))
    for name in names:
        problem = read_problem(folder / name)
        if problem:
            kind = "too_large" if "limit" in problem and "MB" in problem else "unreadable"
            found.append(issues.make_issue(kind, problem + f" ({name}: this section scores 0)"))
            return False, found, True
    return True, found, False


def zero_submission(course: Course, student: str, section: str, message: str, log=print,
                    review: bool = False) -> None:
    """Record a 0 for every graded cell of this submission, and a feedback page with ``message``.

    ``review``: mark every grade "needs manual grade" (a submission the grader itself failed on)."""
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.utils import parse_utc

    folder = course.submitted / student / section
    ts = None
    stamp = folder / "timestamp.txt"
    if stamp.is_file():
        try:
            ts = parse_utc(stamp.read_text().strip())
        except Exception:  # noqa: BLE001  (a bad timestamp is nbgrader's to report)
            ts = None
    try:
        with Gradebook(course.db_url, course_id=COURSE_ID) as gb:
            try:
                gb.find_assignment(section)
            except MissingEntry:
                log(f"[preflight] {section} is not in the gradebook yet (run `sae-course release`); "
                    f"no grade recorded for {student}")
                return
            gb.update_or_create_student(student)
            sub = gb.update_or_create_submission(section, student, **({"timestamp": ts} if ts else {}))
            for snb in sub.notebooks:
                for grade in snb.grades:
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = review or grade.manual_score is not None
                for comment in snb.comments:
                    comment.auto_comment = message
            gb.db.commit()
    except Exception as e:  # noqa: BLE001  (the run goes on; the message is still reported)
        log(f"[preflight] could not record the 0 for {student}/{section} in the gradebook: {e}")
    # A stale autograded notebook would bring old outputs back into the feedback.
    stale = course.autograded / student / section
    if stale.is_dir():
        shutil.rmtree(stale, ignore_errors=True)
    out = course.feedback / student / section
    out.mkdir(parents=True, exist_ok=True)
    for name in expected_notebooks(course, section):
        page = out / (Path(name).stem + ".html")
        page.write_text(
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
            f"{html.escape(section)}: feedback</title></head><body>"
            f"<h1>{html.escape(section)}</h1><p><strong>Score: 0</strong></p>"
            f"<p>{html.escape(message)}</p></body></html>\n")


def grading_failed(course: Course, student: str, section: str, error: str, log=print, run: str = "") -> None:
    """A submission that an engine could not grade still gets a grade, feedback and a review flag.

    Nothing a student can put in a notebook should fail its grading as a whole (the defences
    restore or disregard what they changed); if it happens anyway, the student reads that their
    notebook will be graded by hand, the instructor finds a row marked for review in
    ``reports/grading_issues.csv``, and the gradebook holds a 0 marked "needs manual grade".
    """
    first = next((ln for ln in error.strip().splitlines() if ln.strip()), "unknown error")
    message = ("the autograder could not grade this notebook (" + first[:300] + "); it scores 0 until an "
               "instructor has graded it by hand")
    issue = issues.make_issue("grading_failed", message, review=True)
    if not issues.append_rows(course.root, [issues.to_row(issue, student, section, "", run)]):
        log(f"[grade] could not write reports/{issues.CSV_NAME}")
    zero_submission(course, student, section, message, log, review=True)


def check_all(course: Course, sections: list[str], students: list[str] | None = None, log=print, *,
              run: str = "") -> list[tuple[str, str]]:
    """Check every submission in scope; return the (student, section) pairs to grade.

    Unreadable, oversized and missing notebooks are dealt with here (0 / not submitted, with a
    message); renamed ones are copied to the right name and graded. ``run``: this grading run's
    id (``issues.new_run_id``), in the run column of the rows written here.
    """
    students = list(students or course.students())
    scope = {(st, sec) for st in students for sec in sections}

    rows = [r for r in issues.read_rows(course.root) if (r.get("student"), r.get("section")) not in scope]
    new_rows: list[dict] = []
    gradable: list[tuple[str, str]] = []
    for student in students:
        for section in sections:
            if not (course.submitted / student / section).is_dir():
                continue  # not handed in: nothing to say
            try:
                ok, found, zero = check_submission(course, student, section)
            except Exception as e:  # noqa: BLE001  (never stop the run on one folder)
                log(f"[preflight] {student}/{section}: could not check the submission ({e}); grading it anyway")
                ok, found, zero = True, [], False
            for it in found:
                new_rows.append(issues.to_row(it, student, section, "", run))
                log(f"[preflight] {student}/{section}: {it['message']}")
            if zero:
                zero_submission(course, student, section, found[-1]["message"], log)
            if ok:
                gradable.append((student, section))
    try:
        issues.rewrite_rows(course.root, rows + new_rows)
    except OSError as e:
        log(f"[preflight] could not write reports/{issues.CSV_NAME}: {e}")
    bad = len({(r['student'], r['section']) for r in new_rows})
    log(f"[preflight] {len(gradable)} submission(s) to grade; {bad} with a problem reported before grading")
    return gradable


def summarize(course: Course, run: str = "", log=print) -> list[dict]:
    """Print the grading issues of run ``run`` (pre-flight and grading; all rows without one); returns the rows."""
    rows = [r for r in issues.read_rows(course.root) if not run or r.get("run") == run]
    if not rows:
        log("[grading issues] none")
        return rows
    log(f"[grading issues] {len(rows)} issue(s) (reports/{issues.CSV_NAME}):")
    for r in rows:
        flag = "  [needs review]" if r.get("review") else ""
        log(f"  {r['student']}/{r['section']}: {r['kind']}: {r['message']}{flag}")
    return rows
