"""``sae-course``: the course tool, a thin layer over nbgrader and the grading modules.

    sae-course release               build release/ for every section; fail on any leak
    sae-course autograde             grade every submission (parallel, sandboxed: see its --help;
                                     --serial: stock nbgrader), then feedback and reports/grades.csv
    sae-course feedback              (re)write feedback HTML for every graded submission
    sae-course scores                print the score table from the gradebook
    sae-course export                CSV exports (per section, per exercise)
    sae-course report                the static HTML progress dashboard
    sae-course roster FILE.csv       import students into nbgrader's student database
    sae-course demo                  release + demo cohort + autograde + feedback + report
    sae-course notebooks             rebuild source notebooks from authoring/*.py
    sae-course unbuild SECTION       write authoring/SECTION.py back from the notebook
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .grading.course import Course, CourseError


def _sections(course: Course, names):
    from .grading.autograde import require_sections

    return require_sections(course, names or None)


def cmd_release(course: Course, a) -> None:
    from .grading.release import build_release

    build_release(course, _sections(course, a.sections))


def cmd_autograde(course: Course, a) -> None:
    from .grading import autograde as ag

    sections = _sections(course, a.sections)
    if not course.students():
        raise CourseError("nothing to grade: submitted/ has no student folders")
    scores = ag.grade_and_report(course, sections, students=a.student or None, options=engine_options(a),
                                 feedback=not a.no_feedback)
    print(ag.score_table(scores))
    print(f"[autograde] grades written to {(course.reports / 'grades.csv').relative_to(course.root)}")


def cmd_feedback(course: Course, a) -> None:
    from .grading.autograde import generate_feedback

    generate_feedback(course, _sections(course, a.sections))


def cmd_scores(course: Course, a) -> None:
    from .grading.autograde import collect_scores, score_table

    print(score_table(collect_scores(course)))


def cmd_export(course: Course, a) -> None:
    from .grading.exports import export_csvs

    for p in export_csvs(course.db_url, Path(a.out or course.reports)):
        print(f"[export] wrote {p}")


def cmd_report(course: Course, a) -> None:
    from .grading.report import write_report

    index = write_report(course.db_url, Path(a.out or course.reports), course.root)
    print(f"[report] dashboard: {index}")


def cmd_roster(course: Course, a) -> None:
    from .grading.exports import import_roster

    n = import_roster(course.db_url, Path(a.file))
    print(f"[roster] {n} student(s) imported into the gradebook")


def cmd_demo(course: Course, a) -> None:
    from .grading import autograde as ag
    from .grading.demo import STUDENTS, submit_demo_cohort
    from .grading.release import build_release

    t0 = time.time()
    sections = _sections(course, a.sections)
    build_release(course, sections)
    submit_demo_cohort(course, sections)
    scores = ag.grade_and_report(course, sections, students=list(STUDENTS), options=engine_options(a),
                                 scores_of=list(STUDENTS), reports=True)
    index = course.reports / "index.html"
    print()
    print(ag.score_table(scores))
    print()
    for st in STUDENTS:
        for sec in sections:
            fb = course.feedback / st / sec / f"{sec}.html"
            print(f"[demo] feedback {st}/{sec}: {'ok' if fb.is_file() else 'MISSING'}  {fb.relative_to(course.root)}")
    print(f"[demo] grades CSV: {(course.reports / 'grades.csv').relative_to(course.root)}")
    print(f"[demo] dashboard: {index}")
    print(f"[demo] done in {time.time() - t0:.0f} s")


def cmd_notebooks(course: Course, a) -> None:
    from .authoring import build_all

    for p in build_all(course.root):
        print(f"[notebooks] wrote {p.relative_to(course.root)}")


def cmd_unbuild(course: Course, a) -> None:
    import nbformat

    from .authoring import notebook_to_script

    nb = nbformat.read(str(course.notebook(a.section)), as_version=4)
    out = course.root / "authoring" / f"{a.section}.py"
    out.write_text(notebook_to_script(nb))
    print(f"[unbuild] wrote {out.relative_to(course.root)}")


def engine_options(a: argparse.Namespace):
    """The grading engine's options, from the flags of ``add_engine_flags``: built once, typed."""
    from .grading.options import EngineOptions

    return EngineOptions.from_options(vars(a))


def add_engine_flags(sp: argparse.ArgumentParser) -> None:
    """The grading engine's flags (``autograde`` and ``demo``)."""
    g = sp.add_argument_group("grading engine (default: parallel, sandboxed, warm kernels)")
    g.add_argument("--workers", type=int, metavar="N",
                   help="notebooks graded at once (default: one per CPU core, or --workers-per-gpu per GPU)")
    g.add_argument("--serial", action="store_true",
                   help="stock `nbgrader autograde`, one notebook after another, unsandboxed")
    g.add_argument("--ray", metavar="ADDRESS",
                   help="run the work on a Ray cluster: `auto`, `ray://host:10001`, `host:6379`, "
                        "or `local` (a private local instance)")
    g.add_argument("--workers-per-gpu", type=int, metavar="K", help="graders sharing one GPU (default 2)")
    g.add_argument("--no-sandbox", action="store_true",
                   help="run student code WITHOUT bubblewrap isolation (explicit opt-out)")
    g.add_argument("--cold", action="store_true",
                   help="no warm imports: each kernel imports the libraries itself")
    g.add_argument("--preload", metavar="MODULES",
                   help="comma-separated modules the warm template imports "
                        "(default: torch,einops,plotly,transformer_lens,sae_lens,sae_course.config)")
    g.add_argument("--cell-timeout", type=int, metavar="S",
                   help="seconds per cell (default: nbgrader_config's Execute.timeout)")
    g.add_argument("--notebook-timeout", type=float, metavar="S", help="seconds per notebook (default 3600)")
    g.add_argument("--mem-limit-mb", type=int, metavar="MB",
                   help="memory a kernel may allocate beyond the warm template (default 4096; 0: none)")
    g.add_argument("--max-procs", type=int, metavar="N", help="processes+threads per sandbox (default 256)")
    g.add_argument("--max-output-mb", type=float, metavar="MB", help="output kept per notebook (default 10)")
    g.add_argument("--max-file-mb", type=int, metavar="MB", help="largest file a student may write (default 512)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sae-course", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", help="course root (default: the folder with nbgrader_config.py at or above cwd)")
    sub = p.add_subparsers(dest="command", required=True)

    def add(name, func, help_, sections=True):
        sp = sub.add_parser(name, help=help_)
        if sections:
            sp.add_argument("sections", nargs="*", help="sections (default: all)")
        sp.set_defaults(func=func)
        return sp

    add("release", cmd_release, "build release/ and check it leaks nothing")
    sp = add("autograde", cmd_autograde, "grade submissions, write feedback and grades CSV")
    sp.add_argument("--student", action="append", help="only this student (repeatable)")
    sp.add_argument("--no-feedback", action="store_true", help="skip feedback generation")
    add_engine_flags(sp)
    add("feedback", cmd_feedback, "write feedback HTML")
    add("scores", cmd_scores, "print the score table", sections=False)
    sp = add("export", cmd_export, "write CSV exports", sections=False)
    sp.add_argument("--out", help="output folder (default: reports/)")
    sp = add("report", cmd_report, "write the HTML dashboard", sections=False)
    sp.add_argument("--out", help="output folder (default: reports/)")
    sp = add("roster", cmd_roster, "import a roster CSV", sections=False)
    sp.add_argument("file")
    sp = add("demo", cmd_demo, "release, grade the demo cohort, feedback, report")
    add_engine_flags(sp)
    add("notebooks", cmd_notebooks, "rebuild source/ notebooks from authoring/", sections=False)
    sp = add("unbuild", cmd_unbuild, "write authoring/SECTION.py from its notebook", sections=False)
    sp.add_argument("section")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        course = Course.find(Path(args.root) if args.root else None)
        args.func(course, args)
    except CourseError as e:
        print(f"sae-course: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
