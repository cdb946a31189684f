"""Cohort data from the nbgrader gradebook: CSV exports and roster import.

Everything here goes through nbgrader's own API (:class:`nbgrader.api.Gradebook`), so it works
on the SQLite gradebook of a laptop and on the PostgreSQL gradebook of a cohort alike.

Terms used throughout (and in the dashboard of :mod:`sae_course.grading.report`):

* a *section* is an nbgrader assignment (``00_toy_models``, ``01_sae_intro``, ...);
* an *exercise* groups the graded cells of one answer: ``ex01_toy_forward_test`` and
  ``ex01_toy_forward_test2`` both belong to exercise ``ex01_toy_forward``;
* an exercise is *passed* when every one of its graded cells got full marks;
* a student *has no submission* for a section when the gradebook holds no graded submission:
  such a section is *missing* (never a 0) in scores, but counts against completion.

Scores follow ``nbgrader export``: ``score = max(0, raw_score - late_submission_penalty)``.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Cohort",
    "ExerciseResult",
    "RosterError",
    "SectionInfo",
    "SectionResult",
    "StudentInfo",
    "exercise_of",
    "export_csvs",
    "import_roster",
    "load_cohort",
]

SECTION_CSV = "grades_by_section.csv"
EXERCISE_CSV = "grades_by_exercise.csv"

ROSTER_REQUIRED = ("id",)
ROSTER_COLUMNS = ("id", "first_name", "last_name", "email", "lms_user_id")

_TEST_SUFFIX = re.compile(r"_test\d*$")
_EPS = 1e-9


def exercise_of(grade_id: str) -> str:
    """The exercise a graded cell belongs to: its id without the ``_test``/``_test2`` suffix."""
    return _TEST_SUFFIX.sub("", grade_id)


# --------------------------------------------------------------------------------------------
# Data model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudentInfo:
    id: str
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    lms_user_id: str | None = None

    @property
    def name(self) -> str:
        """``First Last`` when the gradebook knows it, else the id."""
        full = " ".join(p for p in (self.first_name, self.last_name) if p)
        return full or self.id


@dataclass
class SectionInfo:
    name: str
    duedate: dt.datetime | None  # naive UTC, as nbgrader stores it
    max_score: float
    notebooks: list[str] = field(default_factory=list)
    #: exercise -> max score, in notebook then name order
    exercises: dict[str, float] = field(default_factory=dict)
    #: exercise -> graded cell ids
    exercise_cells: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class ExerciseResult:
    exercise: str
    score: float
    max_score: float

    @property
    def passed(self) -> bool:
        return self.max_score > 0 and self.score >= self.max_score - _EPS


@dataclass
class SectionResult:
    """One graded submission of one section by one student."""

    student_id: str
    section: str
    raw_score: float
    penalty: float
    max_score: float
    timestamp: dt.datetime | None
    duedate: dt.datetime | None  # including the student's extension, if any
    seconds_late: float
    exercises: dict[str, ExerciseResult] = field(default_factory=dict)
    needs_manual: bool = False

    @property
    def score(self) -> float:
        return max(0.0, self.raw_score - self.penalty)

    @property
    def percent(self) -> float | None:
        return 100.0 * self.score / self.max_score if self.max_score > 0 else None

    @property
    def late(self) -> bool:
        return self.seconds_late > 0


@dataclass
class Cohort:
    course_id: str
    students: list[StudentInfo]
    sections: list[SectionInfo]
    #: (student id, section name) -> result; a missing key means no submission
    results: dict[tuple[str, str], SectionResult]
    #: why the gradebook has nothing to show yet (None when it has)
    message: str | None = None

    def result(self, student_id: str, section: str) -> SectionResult | None:
        return self.results.get((student_id, section))

    def submissions(self, section: str) -> list[SectionResult]:
        return [r for (_, sec), r in sorted(self.results.items()) if sec == section]

    def completion(self, section: str) -> tuple[int, int]:
        """(students with a graded submission, students in the cohort)."""
        done = sum(1 for s in self.students if (s.id, section) in self.results)
        return done, len(self.students)

    def exercise_stats(self) -> list[dict]:
        """Per exercise across the cohort, the most missed first.

        ``attempted`` counts the students with a submission of the section; ``missed`` those of
        them who did not get full marks; ``pass_rate`` is passed / attempted (None when nobody
        submitted the section yet, and those exercises come last).
        """
        rows = []
        for sec in self.sections:
            subs = self.submissions(sec.name)
            for ex, ex_max in sec.exercises.items():
                results = [r.exercises.get(ex) for r in subs]
                passed = sum(1 for e in results if e is not None and e.passed)
                scores = [e.score for e in results if e is not None]
                attempted = len(subs)
                rows.append({
                    "section": sec.name,
                    "exercise": ex,
                    "max_score": ex_max,
                    "attempted": attempted,
                    "passed": passed,
                    "missed": attempted - passed,
                    "pass_rate": passed / attempted if attempted else None,
                    "mean_score": sum(scores) / len(scores) if scores else None,
                })
        rows.sort(key=lambda r: (r["pass_rate"] is None,
                                 r["pass_rate"] if r["pass_rate"] is not None else 0.0,
                                 -r["missed"], r["section"], r["exercise"]))
        return rows


# --------------------------------------------------------------------------------------------
# Reading the gradebook
# --------------------------------------------------------------------------------------------


def _sqlite_path(db_url: str) -> Path | None:
    """The file behind a ``sqlite:///`` URL (None for other databases and in-memory SQLite)."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    if url.database.startswith("file:"):
        return None
    return Path(url.database)


def safe_db_url(db_url: str) -> str:
    """The URL with any password masked, fit to print in a report or a log."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(db_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as it is
        return db_url


def _gradebook(db_url: str, course_id: str):
    # nbgrader runs the `alembic` program when it creates a gradebook; when this runs from a
    # virtualenv that is not activated (`.venv/bin/sae-course ...`), find it next to Python.
    if shutil.which("alembic") is None:
        bindir = Path(sys.executable).parent
        if (bindir / "alembic").exists():
            os.environ["PATH"] = os.pathsep.join([str(bindir), os.environ.get("PATH", "")])
    from nbgrader.api import Gradebook

    return Gradebook(db_url, course_id=course_id)


def load_cohort(db_url: str, course_id: str = "sae-course") -> Cohort:
    """Everything the dashboard and the exports need, read once from the gradebook.

    A SQLite gradebook that does not exist yet is not created: the cohort comes back empty,
    with :attr:`Cohort.message` saying so.
    """
    path = _sqlite_path(db_url)
    if path is not None and not path.exists():
        return Cohort(course_id, [], [], {},
                      message=f"No gradebook yet at {path}: release and autograde a section first "
                              "(`sae-course release`, `sae-course autograde`).")

    with _gradebook(db_url, course_id) as gb:
        students = sorted(
            (StudentInfo(s.id, s.first_name, s.last_name, s.email, s.lms_user_id)
             for s in gb.students),
            key=lambda s: s.id,
        )
        sections: list[SectionInfo] = []
        results: dict[tuple[str, str], SectionResult] = {}
        assignments = [a for a in gb.assignments if a.course_id in (course_id, None)]
        for a in sorted(assignments, key=lambda a: a.name):
            info = SectionInfo(a.name, a.duedate, float(a.max_score or 0.0))
            for nb in a.notebooks:
                info.notebooks.append(nb.name)
                cells = sorted(list(nb.grade_cells) + list(nb.task_cells), key=lambda c: c.name)
                for cell in cells:
                    ex = exercise_of(cell.name)
                    info.exercises[ex] = info.exercises.get(ex, 0.0) + float(cell.max_score or 0.0)
                    info.exercise_cells.setdefault(ex, []).append(cell.name)
            sections.append(info)

            for sub in a.submissions:
                exercises: dict[str, ExerciseResult] = {
                    ex: ExerciseResult(ex, 0.0, mx) for ex, mx in info.exercises.items()
                }
                extra: set[str] = set()  # exercises only known from grades (not expected)
                for snb in sub.notebooks:
                    for grade in snb.grades:
                        ex = exercise_of(grade.cell.name)
                        if ex not in exercises:
                            exercises[ex] = ExerciseResult(ex, 0.0, 0.0)
                            extra.add(ex)
                        if ex in extra:
                            exercises[ex].max_score += float(grade.max_score or 0.0)
                        exercises[ex].score += float(grade.score or 0.0)
                results[(sub.student_id, a.name)] = SectionResult(
                    student_id=sub.student_id,
                    section=a.name,
                    raw_score=float(sub.score or 0.0),
                    penalty=float(sub.late_submission_penalty or 0.0),
                    max_score=float(sub.max_score or 0.0),
                    timestamp=sub.timestamp,
                    duedate=sub.duedate,
                    seconds_late=float(sub.total_seconds_late or 0.0),
                    exercises=exercises,
                    needs_manual=bool(sub.needs_manual_grade),
                )

    message = None
    if not sections:
        message = ("The gradebook has no sections yet: release one first "
                   "(`sae-course release`, i.e. nbgrader generate_assignment).")
    elif not students:
        message = ("The gradebook has no students yet: import a roster (`sae-course roster "
                   "FILE.csv`) or autograde submissions (`sae-course autograde`).")
    elif not results:
        message = "No graded submissions yet: collect them into submitted/ and run `sae-course autograde`."
    return Cohort(course_id, students, sections, results, message)


# --------------------------------------------------------------------------------------------
# CSV exports
# --------------------------------------------------------------------------------------------


def fmt_num(x: float | None, digits: int = 4) -> str:
    """``5``, ``4.5``, ``0.3333``: numbers as an LMS import wants them; '' for None."""
    if x is None:
        return ""
    text = f"{x:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_time(t: dt.datetime | None) -> str:
    """An nbgrader (naive UTC) time as ``YYYY-MM-DD HH:MM:SS``; '' for None."""
    if t is None:
        return ""
    if t.tzinfo is not None:
        t = t.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return t.strftime("%Y-%m-%d %H:%M:%S")


SECTION_FIELDS = [
    "student_id", "first_name", "last_name", "email", "lms_user_id",
    "section", "status", "raw_score", "late_submission_penalty", "score", "max_score", "percent",
    "submitted_at_utc", "due_at_utc", "seconds_late", "late",
]
EXERCISE_FIELDS = [
    "student_id", "lms_user_id", "section", "exercise", "status",
    "score", "max_score", "passed", "graded_cells",
]


def export_csvs(db_url: str, out_dir: Path, course_id: str = "sae-course") -> list[Path]:
    """Write ``grades_by_section.csv`` and ``grades_by_exercise.csv`` into ``out_dir``.

    One row per student per section (resp. per student per exercise), every student of the
    gradebook included: a section without a submission has ``status`` ``missing`` and empty
    scores. Returns the two paths.
    """
    cohort = load_cohort(db_url, course_id)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    by_section = out_dir / SECTION_CSV
    with by_section.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=SECTION_FIELDS)
        w.writeheader()
        for st in cohort.students:
            for sec in cohort.sections:
                r = cohort.result(st.id, sec.name)
                row = {
                    "student_id": st.id, "first_name": st.first_name or "",
                    "last_name": st.last_name or "", "email": st.email or "",
                    "lms_user_id": st.lms_user_id or "", "section": sec.name,
                    "max_score": fmt_num(sec.max_score), "due_at_utc": fmt_time(sec.duedate),
                }
                if r is None:
                    row["status"] = "missing"
                else:
                    row.update({
                        "status": "graded",
                        "raw_score": fmt_num(r.raw_score),
                        "late_submission_penalty": fmt_num(r.penalty),
                        "score": fmt_num(r.score),
                        "max_score": fmt_num(r.max_score),
                        "percent": fmt_num(r.percent, 1),
                        "submitted_at_utc": fmt_time(r.timestamp),
                        "due_at_utc": fmt_time(r.duedate),
                        "seconds_late": fmt_num(r.seconds_late, 0),
                        "late": "1" if r.late else "0",
                    })
                w.writerow(row)

    by_exercise = out_dir / EXERCISE_CSV
    with by_exercise.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=EXERCISE_FIELDS)
        w.writeheader()
        for st in cohort.students:
            for sec in cohort.sections:
                r = cohort.result(st.id, sec.name)
                for ex, ex_max in sec.exercises.items():
                    row = {
                        "student_id": st.id, "lms_user_id": st.lms_user_id or "",
                        "section": sec.name, "exercise": ex, "max_score": fmt_num(ex_max),
                        "graded_cells": " ".join(sec.exercise_cells.get(ex, [])),
                    }
                    e = r.exercises.get(ex) if r is not None else None
                    if e is None:
                        row["status"] = "missing"
                    else:
                        row.update({"status": "graded", "score": fmt_num(e.score),
                                    "passed": "1" if e.passed else "0"})
                    w.writerow(row)
    return [by_section, by_exercise]


# --------------------------------------------------------------------------------------------
# Roster import
# --------------------------------------------------------------------------------------------


class RosterError(ValueError):
    """A roster CSV that cannot be imported as it is (nothing was written)."""


_BAD_ID = re.compile(r"[\s/\\]")


def _read_roster(csv_path: Path) -> list[dict[str, str | None]]:
    csv_path = Path(csv_path)
    if not csv_path.is_file():
        raise RosterError(f"{csv_path}: no such roster file")
    with csv_path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames:
            raise RosterError(f"{csv_path}: empty file; expected a header row with the columns "
                              f"{', '.join(ROSTER_COLUMNS)} (only 'id' is required)")
        header = [(h or "").strip().lower() for h in reader.fieldnames]
        missing = [c for c in ROSTER_REQUIRED if c not in header]
        if missing:
            raise RosterError(f"{csv_path}: no {', '.join(repr(c) for c in missing)} column in the "
                              f"header {header}; expected {', '.join(ROSTER_COLUMNS)} "
                              "(only 'id' is required)")
        unknown = [h for h in header if h not in ROSTER_COLUMNS]
        if unknown:
            raise RosterError(f"{csv_path}: unknown column(s) {unknown}; the roster columns are "
                              f"{', '.join(ROSTER_COLUMNS)}")
        dup_cols = sorted({h for h in header if header.count(h) > 1})
        if dup_cols:
            raise RosterError(f"{csv_path}: column(s) {dup_cols} appear more than once")

        rows: list[dict[str, str | None]] = []
        seen: dict[str, int] = {}
        duplicates: dict[str, list[int]] = {}
        for lineno, raw in enumerate(reader, start=2):
            values = list(raw.values())
            if raw.get(None):  # more fields than the header has
                raise RosterError(f"{csv_path}, line {lineno}: more fields than the header has")
            if all(not (v or "").strip() for v in values if isinstance(v, str)):
                continue  # blank line
            row = {}
            for key, value in zip(header, (raw[k] for k in reader.fieldnames)):
                value = (value or "").strip()
                row[key] = value or None
            sid = row.get("id")
            if not sid:
                raise RosterError(f"{csv_path}, line {lineno}: empty student id")
            if _BAD_ID.search(sid):
                raise RosterError(f"{csv_path}, line {lineno}: student id {sid!r} contains spaces "
                                  "or slashes (nbgrader uses ids as folder names)")
            if sid in seen:
                duplicates.setdefault(sid, [seen[sid]]).append(lineno)
            else:
                seen[sid] = lineno
            rows.append(row)
        if duplicates:
            where = "; ".join(f"{sid!r} on lines {', '.join(map(str, lines))}"
                              for sid, lines in sorted(duplicates.items()))
            raise RosterError(f"{csv_path}: duplicated student id(s): {where}")
    return rows


def import_roster(db_url: str, csv_path: Path, course_id: str = "sae-course") -> int:
    """Add or update the students of a roster CSV in nbgrader's student database.

    Columns: ``id`` (required), ``first_name``, ``last_name``, ``email``, and optionally
    ``lms_user_id``. Columns absent from the file leave those fields of existing students
    alone; an empty cell clears the field. The whole file is checked before anything is
    written: a missing ``id`` column, an unknown column, an empty or duplicated id raise
    :class:`RosterError`. Returns the number of students imported.
    """
    rows = _read_roster(Path(csv_path))
    path = _sqlite_path(db_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    with _gradebook(db_url, course_id) as gb:
        for row in rows:
            fields = {k: v for k, v in row.items() if k != "id"}
            gb.update_or_create_student(row["id"], **fields)
    return len(rows)
