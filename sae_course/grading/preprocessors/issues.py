"""Per-student grading issues: what the defences found, told to the student and the instructor.

An *issue* is a small dict ``{"kind", "message", "cells", "review"}``:

- ``message`` is written for the student ("you edited a locked cell; it was restored"),
- ``review`` marks submissions a person should look at (tampering): their graded cells are
  flagged "needs manual grade" in the gradebook,
- ``cells`` names the cells concerned (grade ids, or a short description of unnamed cells).

Issues travel with the notebook through nbgrader's two autograde passes (sanitize, then
execute) in its metadata under ``sae_grading`` (any such key a student forged is dropped
first). The last step (``report.py``) turns them into a "Grader's notes" cell at the top of the
student's feedback and rows of ``reports/grading_issues.csv``.

The CSV is shared by every grading process of a run, so rows are appended under a file lock.
"""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import os
from pathlib import Path

META_KEY = "sae_grading"
CSV_NAME = "grading_issues.csv"
CSV_FIELDS = ["run", "student", "section", "notebook", "kind", "review", "cells", "message"]


def make_issue(kind: str, message: str, cells=(), review: bool = False) -> dict:
    return {"kind": kind, "message": message, "cells": [str(c) for c in cells], "review": bool(review)}


# Where issues are kept during a conversion ----------------------------------------------------

def state(nb) -> dict:
    """The grader's scratch space in the notebook metadata: issues, scan and check results.

    It lives in the notebook (not in nbconvert's ``resources``) because the notebook is what
    travels between nbgrader's passes and, with the parallel engine, between the gradebook
    writer and the workers. The student's kernel never sees notebook metadata, and the sanitize
    pass drops whatever the submitted file carried under this key.
    """
    # NotebookNode copies a dict or list on assignment: always hand back the stored object.
    if not isinstance(nb.metadata.get(META_KEY), dict):
        nb.metadata[META_KEY] = {}
    st = nb.metadata[META_KEY]
    if not isinstance(st.get("issues"), list):
        st["issues"] = []
    return st


def add_issue(nb, kind: str, message: str, cells=(), review: bool = False) -> dict:
    issue = make_issue(kind, message, cells, review)
    state(nb)["issues"].append(issue)
    return issue


# Naming cells for a student --------------------------------------------------------------------

def grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def cell_label(cell) -> str:
    """``ex01_forward`` for nbgrader cells, else the cell's first line."""
    gid = grade_id(cell)
    if gid:
        return gid
    first = next((ln.strip() for ln in str(cell.get("source", "")).splitlines() if ln.strip()), "")
    if len(first) > 40:
        first = first[:37] + "..."
    return f"cell starting '{first}'" if first else "an empty cell"


# The CSV ---------------------------------------------------------------------------------------

def course_root(config=None) -> Path:
    """The course root nbgrader was configured with (the current folder if none)."""
    try:
        from nbgrader.coursedir import CourseDirectory

        root = CourseDirectory(config=config).root if config is not None else None
    except Exception:  # noqa: BLE001  (no nbgrader config: fall back to the working folder)
        root = None
    return Path(root or os.getcwd())


def csv_path(root: Path) -> Path:
    return Path(root) / "reports" / CSV_NAME


def new_run_id() -> str:
    """The id of one grading run (``run_autograde`` makes one and hands it to the pre-flight, the
    engines and, as the config value ``GradingReport.run_id``, nbgrader's preprocessors)."""
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S-") + os.urandom(2).hex()


def _locked(path: Path, mode: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    f = open(path, mode, newline="")
    fcntl.flock(f.fileno(), fcntl.LOCK_EX)
    return f


def append_rows(root: Path, rows: list[dict]) -> bool:
    """Append issue rows to the run's CSV; False if it could not be written (read-only root)."""
    if not rows:
        return True
    path = csv_path(root)
    try:
        with _locked(path, "a+") as f:
            f.seek(0, os.SEEK_END)
            w = csv.DictWriter(f, fieldnames=CSV_FIELDS)
            if f.tell() == 0:
                w.writeheader()
            for row in rows:
                w.writerow({k: row.get(k, "") for k in CSV_FIELDS})
        return True
    except OSError:
        return False


def read_rows(root: Path) -> list[dict]:
    path = csv_path(root)
    if not path.is_file():
        return []
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def rewrite_rows(root: Path, rows: list[dict]) -> Path:
    """Replace the CSV with ``rows`` (the pre-flight does this once at the start of a run)."""
    path = csv_path(root)
    with _locked(path, "a+") as f:
        f.seek(0)
        f.truncate()
        w = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        w.writeheader()
        for row in rows:
            w.writerow({k: row.get(k, "") for k in CSV_FIELDS})
    return path


def to_row(issue: dict, student: str, section: str, notebook: str, run: str = "") -> dict:
    """A CSV row; without ``run`` (stock ``nbgrader autograde`` run by hand) the time stands for it."""
    return {
        "run": run or dt.datetime.now().strftime("%Y%m%d-%H%M%S"),
        "student": student,
        "section": section,
        "notebook": notebook,
        "kind": issue["kind"],
        "review": "yes" if issue.get("review") else "",
        "cells": " ".join(issue.get("cells", [])),
        "message": issue["message"],
    }
