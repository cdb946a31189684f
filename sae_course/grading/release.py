"""Build the student release of every section, and refuse to finish if anything leaks.

nbgrader's ``generate_assignment`` strips solutions and hidden tests; the leak check here is a
second, independent look: no marker, and no line of any solution or hidden test, may reach
``release/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from .course import SOLUTION_MARKERS, Course, CourseError

BLOCKS = re.compile(
    r"###\s*BEGIN (SOLUTION|HIDDEN TESTS)\s*\n(?P<body>.*?)###\s*END (SOLUTION|HIDDEN TESTS)", re.S
)
# Lines too generic to prove a leak (they also appear in stubs and ordinary code).
TRIVIAL = re.compile(r"^(\s*|[\s)\]}:,]*|\s*(pass|return|else:|try:|except.*:|finally:|#.*|\"\"\"|'''))$")


def secret_lines(source_nb: Path) -> set[str]:
    """Distinctive lines of the solutions and hidden tests of a master notebook."""
    nb = nbformat.read(str(source_nb), as_version=4)
    lines: set[str] = set()
    for cell in nb.cells:
        for m in BLOCKS.finditer(cell.source):
            for line in m.group("body").splitlines():
                s = line.strip()
                if len(s) >= 12 and not TRIVIAL.match(s):
                    lines.add(s)
    return lines


def public_lines(source_nb: Path) -> set[str]:
    """Lines of the master notebook outside any solution/hidden block (allowed in the release)."""
    nb = nbformat.read(str(source_nb), as_version=4)
    out: set[str] = set()
    for cell in nb.cells:
        out.update(s.strip() for s in BLOCKS.sub("", cell.source).splitlines())
    return out


def find_leaks(course: Course, section: str) -> list[str]:
    """Problems found in ``release/<section>``: markers or solution/hidden-test lines."""
    problems = []
    secrets = secret_lines(course.notebook(section)) - public_lines(course.notebook(section))
    folder = course.release / section
    if not folder.is_dir():
        return [f"release/{section} does not exist"]
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        rel = path.relative_to(course.root)
        for marker in SOLUTION_MARKERS:
            if marker in text:
                problems.append(f"{rel}: contains the marker '{marker}'")
        if path.suffix == ".ipynb":
            nb = nbformat.reads(text, as_version=4)
            body = {ln.strip() for c in nb.cells for ln in c.source.splitlines()}
            # The first few leaked lines are enough to find the problem.
            for line in sorted(secrets & body)[:5]:
                problems.append(f"{rel}: contains a line of a solution or hidden test: {line[:80]!r}")
    return problems


def build_release(course: Course, sections: list[str] | None = None, log=print) -> list[Path]:
    """``nbgrader generate_assignment`` for each section, then the leak check; raises on a leak."""
    sections = sections or course.sections()
    if not sections:
        raise CourseError("no sections found under source/")
    built = []
    for section in sections:
        log(f"[release] {section}: nbgrader generate_assignment")
        course.nbgrader("generate_assignment", section, "--force")
        leaks = find_leaks(course, section)
        if leaks:
            raise CourseError("the release leaks solutions or hidden tests:\n  " + "\n  ".join(leaks))
        built.append(course.notebook(section, "release"))
    log(f"[release] {len(built)} section(s) built; leak check passed")
    return built
