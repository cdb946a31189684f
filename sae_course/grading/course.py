"""Where things are in the course directory, and how the stock nbgrader commands are run.

The course tool drives nbgrader; it never replaces it. Every step here is a stock nbgrader
command run in the course root, so an instructor can always run the same step by hand.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

COURSE_ID = "sae-course"
# The solution-marker grammar (nbgrader's): a line "### BEGIN SOLUTION" / "### END SOLUTION" around
# the reference answer, "### BEGIN HIDDEN TESTS" / "### END HIDDEN TESTS" around hidden tests.
SOLUTION_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
SOLUTION_MARKER_LINE = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)


def solution_text(cell_source: str) -> str:
    """An answer cell as a student who found the reference answer would hand it in: the
    solution markers removed, the reference kept."""
    return SOLUTION_MARKER_LINE.sub("", cell_source)


class CourseError(RuntimeError):
    """A problem the user must fix; the CLI prints it without a traceback."""


@dataclass(frozen=True)
class Course:
    root: Path

    @classmethod
    def find(cls, start: Path | None = None) -> "Course":
        """The course root: the nearest folder (upwards) holding nbgrader_config.py."""
        here = Path(start or os.environ.get("SAE_COURSE_ROOT") or Path.cwd()).resolve()
        for d in (here, *here.parents):
            if (d / "nbgrader_config.py").is_file() and (d / "source").is_dir():
                return cls(d)
        raise CourseError(f"no course found: no nbgrader_config.py with a source/ folder at or above {here}")

    # Folders -----------------------------------------------------------------------------
    @property
    def source(self) -> Path:
        return self.root / "source"

    @property
    def release(self) -> Path:
        return self.root / "release"

    @property
    def submitted(self) -> Path:
        return self.root / "submitted"

    @property
    def autograded(self) -> Path:
        return self.root / "autograded"

    @property
    def feedback(self) -> Path:
        return self.root / "feedback"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def mistakes(self) -> Path:
        """Plausible mistakes per section and answer cell, as data (the mutant checker and the demo read them)."""
        return self.root / "authoring" / "mistakes"

    @property
    def db_url(self) -> str:
        return os.environ.get("SAE_COURSE_DB_URL") or f"sqlite:///{self.root / 'gradebook' / 'gradebook.db'}"

    def sections(self) -> list[str]:
        """Assignment names, in teaching order (folder names sort that way)."""
        return sorted(p.name for p in self.source.iterdir() if p.is_dir() and (p / f"{p.name}.ipynb").is_file())

    def notebook(self, section: str, where: str = "source") -> Path:
        return getattr(self, where) / section / f"{section}.ipynb"

    def students(self) -> list[str]:
        """Students with at least one submission folder."""
        if not self.submitted.is_dir():
            return []
        return sorted(p.name for p in self.submitted.iterdir() if p.is_dir() and not p.name.startswith("."))

    def submissions(self, sections: list[str], students: list[str] | None = None) -> list[tuple[str, str]]:
        """Every (section, student) with a submission folder, in section order, then student order."""
        wanted = set(students) if students else None
        return [(section, st) for section in sections for st in self.students()
                if (wanted is None or st in wanted) and (self.submitted / st / section).is_dir()]

    # Running nbgrader ---------------------------------------------------------------------
    def nbgrader(self, *args: str, check: bool = True, quiet: bool = False) -> subprocess.CompletedProcess:
        """Run a stock ``nbgrader`` command in the course root."""
        exe = shutil.which("nbgrader", path=str(Path(sys.executable).parent)) or shutil.which("nbgrader")
        if exe is None:
            raise CourseError("the nbgrader command is not installed in this environment (run `make install`)")
        (self.root / "gradebook").mkdir(exist_ok=True)  # SQLite cannot create its folder
        cmd = [exe, *args]
        # nbgrader runs `alembic` (and kernels) by name: put this environment's bin/ first on PATH.
        env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
        proc = subprocess.run(cmd, cwd=self.root, text=True, capture_output=True, env=env)
        if not quiet and proc.returncode != 0:
            sys.stderr.write((proc.stdout + proc.stderr)[-3000:])
        if check and proc.returncode != 0:
            raise CourseError(f"`nbgrader {' '.join(args)}` failed (exit {proc.returncode}); its log is above")
        return proc
