"""Autograde every submission of every section, write feedback and a grades CSV.

The default engine is the parallel, sandboxed one (``parallel.py``); ``--serial`` runs stock
``nbgrader autograde`` per section instead. Both give the same grades, and both start with the
same pre-flight (``preflight.py``) and end with the same summary of this run's grading issues.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .course import COURSE_ID, Course, CourseError
from .options import EngineOptions, Submission


@dataclass
class Score:
    student: str
    section: str
    score: float | None  # None: no submission
    max_score: float
    needs_manual: bool = False


def autograde_serial(course: Course, todo: list[Submission], *, run: str = "", log=print) -> None:
    """Stock nbgrader, one notebook after another: ``todo`` is the ordered (section, student)
    pairs to grade (``run_autograde`` passes the pre-flight's; the others, already scored 0 or
    "not submitted", are left out by name); ``run``: the grading run's id, for nbgrader's
    ``GradingReport`` (a config value on nbgrader's command line)."""
    by_section: dict[str, list[str]] = {}
    for section, student in todo:
        by_section.setdefault(section, []).append(student)
    for section, wanted in by_section.items():
        present = [st for st in course.students() if (course.submitted / st / section).is_dir()]
        others = [st for st in present if st not in wanted]
        # One call per section grades every student in it; leave the others out by name.
        if not others:
            extra = []
        elif len(wanted) == 1:
            extra = [f"--student={wanted[0]}"]
        else:
            extra = [f"--CourseDirectory.student_id_exclude={','.join(others)}"]
        args = ["autograde", section, "--force", *extra, *([f"--GradingReport.run_id={run}"] if run else [])]
        log(f"[autograde] nbgrader {' '.join(args)}")
        proc = course.nbgrader(*args, check=False)
        if proc.returncode != 0:
            log(f"[autograde] {section}: nbgrader reported a problem (exit {proc.returncode}); "
                "students graded before it are kept")
            from .preflight import grading_failed

            # nbgrader deletes the autograded folder of a submission it failed on.
            for st in wanted:
                if not (course.autograded / st / section).is_dir():
                    grading_failed(course, st, section, f"nbgrader autograde failed (exit {proc.returncode})", log,
                                   run=run)


def run_autograde(course: Course, sections: list[str], students: list[str] | None = None, *,
                  options: EngineOptions | dict | None = None, log=print):
    """Grade: the one entry point for ``autograde``, ``demo`` and the hub.

    ``options`` (an :class:`EngineOptions`, or the same as a dict of the CLI's flags) picks the
    engine: ``serial``, stock ``nbgrader autograde`` one notebook after another; otherwise the
    parallel, sandboxed engine (``parallel.py``), on local workers or a Ray cluster, whose report
    is returned. Without bubblewrap the engine stops with ``SandboxUnavailable`` unless the
    sandbox is turned off.

    Both start with the pre-flight (unreadable, oversized, renamed or missing notebooks are
    scored and explained before any engine runs) and grade the ordered list of (section,
    student) pairs it leaves; both end with the summary of this run's grading issues.
    """
    from . import preflight
    from .preprocessors import issues

    opts = EngineOptions.coerce(options)
    run = issues.new_run_id()  # tags this run's rows of reports/grading_issues.csv
    gradable = {(sec, st) for st, sec in preflight.check_all(course, sections, students, log, run=run)}
    todo = [p for p in course.submissions(sections, students) if p in gradable]
    if opts.serial:
        autograde_serial(course, todo, run=run, log=log)
        result = None
    else:
        from .parallel import autograde_parallel

        result = autograde_parallel(course, sections, students, options=opts, log=log, todo=todo, run=run)
    preflight.summarize(course, run, log)
    return result


def grade_and_report(course: Course, sections: list[str], students: list[str] | None = None, *,
                     options: EngineOptions | dict | None = None, feedback: bool = True,
                     scores_of: list[str] | None = None, reports: bool = False, log=print) -> list[Score]:
    """grade → feedback → scores → reports, for ``sae-course autograde`` and ``sae-course demo``.

    Writes ``reports/grades.csv`` (the scores of ``scores_of``, or of everyone in the gradebook),
    and with ``reports`` the CSV exports and the dashboard too; returns those scores.
    """
    run_autograde(course, sections, students=students, options=options, log=log)
    if feedback:
        generate_feedback(course, sections, log=log)
    scores = [s for s in collect_scores(course) if not scores_of or s.student in scores_of]
    write_grades_csv(scores, course.reports / "grades.csv")
    if reports:
        from .exports import export_csvs
        from .report import write_report

        export_csvs(course.db_url, course.reports)
        write_report(course.db_url, course.reports, course.root)
    return scores


def generate_feedback(course: Course, sections: list[str] | None = None, log=print) -> None:
    """``nbgrader generate_feedback`` for every section with an autograded submission (for the
    others nbgrader has nothing to convert: it would only fail with "No notebooks were matched")."""
    for section in sections or course.sections():
        if not any(p.is_dir() for p in course.autograded.glob(f"*/{section}")):
            log(f"[feedback] {section}: nothing autograded yet")
            continue
        log(f"[feedback] {section}: nbgrader generate_feedback")
        course.nbgrader("generate_feedback", section, "--force", check=False)


def collect_scores(course: Course, db_url: str | None = None) -> list[Score]:
    """Score of every student on every section, from the gradebook.

    Read through ``exports.load_cohort``, the one gradebook reader every output uses (grades.csv,
    the exports, the score table, the dashboard), with nbgrader's late-penalty rule:
    ``score = max(0, raw score - late_submission_penalty)``.
    """
    from .exports import load_cohort

    cohort = load_cohort(db_url or course.db_url, COURSE_ID)
    out = []
    for st in cohort.students:
        for sec in cohort.sections:
            r = cohort.result(st.id, sec.name)
            if r is None:
                out.append(Score(st.id, sec.name, None, sec.max_score))
            else:
                out.append(Score(st.id, sec.name, r.score, r.max_score, r.needs_manual))
    return out


def write_grades_csv(scores: list[Score], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "section", "score", "max_score", "submitted"])
        for s in scores:
            w.writerow([s.student, s.section, "" if s.score is None else f"{s.score:g}", f"{s.max_score:g}",
                        "no" if s.score is None else "yes"])
    return path


def score_table(scores: list[Score]) -> str:
    """A plain-text table: one row per student, one column per section."""
    if not scores:
        return "(no grades in the gradebook yet)"
    sections = sorted({s.section for s in scores})
    students = sorted({s.student for s in scores})
    by = {(s.student, s.section): s for s in scores}
    head = ["student"] + sections + ["total"]
    rows = []
    for st in students:
        row, got, mx = [st], 0.0, 0.0
        for sec in sections:
            s = by.get((st, sec))
            if s is None or s.score is None:
                row.append("—")
                mx += s.max_score if s else 0
            else:
                row.append(f"{s.score:g}/{s.max_score:g}")
                got += s.score
                mx += s.max_score
        row.append(f"{got:g}/{mx:g}")
        rows.append(row)
    widths = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
    fmt = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths))  # noqa: E731
    return "\n".join([fmt(head), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows])


def require_sections(course: Course, sections: list[str] | None) -> list[str]:
    known = course.sections()
    for s in sections or []:
        if s not in known:
            raise CourseError(f"unknown section {s!r}; the course has: {', '.join(known)}")
    return sections or known
