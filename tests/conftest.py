"""Shared fixtures: the repo root, and a scratch copy of the course that grading tests may change."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def notebook_errors(nb) -> list[str]:
    """One line per code cell of an executed notebook that raised: its grade id, exception and message."""
    errors = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        for o in c.get("outputs", []):
            if o.get("output_type") == "error":
                gid = c.metadata.get("nbgrader", {}).get("grade_id", f"cell {i}")
                errors.append(f"{gid}: {o.get('ename')}: {ANSI.sub('', o.get('evalue', ''))[:300]}")
    return errors


def graded_stderr(nb) -> list[str]:
    """One line per graded cell that wrote to stderr (nbgrader gives such a cell 0 points, even if it passed)."""
    noisy = []
    for c in nb.cells:
        meta = c.metadata.get("nbgrader", {})
        if c.cell_type == "code" and meta.get("grade"):
            err = "".join(o.get("text", "") for o in c.get("outputs", [])
                          if o.get("output_type") == "stream" and o.get("name") == "stderr")
            if err:
                noisy.append(f"{meta.get('grade_id')}: {ANSI.sub('', err)[:200]}")
    return noisy

# Tests run offline with the small profile, whatever the caller's shell says.
os.environ.setdefault("SAE_COURSE_PROFILE", "ci")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("WANDB_MODE", "disabled")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


def copy_course(dest: Path, sections: list[str] | None = None) -> Path:
    """A throwaway course directory with the repo's config, source notebooks and mutants."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", dest / "nbgrader_config.py")
    for sec in sections if sections is not None else [p.name for p in (ROOT / "source").iterdir() if p.is_dir()]:
        shutil.copytree(ROOT / "source" / sec, dest / "source" / sec)
        mut = ROOT / "authoring" / "mistakes" / sec
        if mut.is_dir():
            shutil.copytree(mut, dest / "authoring" / "mistakes" / sec)
    for d in ("gradebook", "submitted", "autograded", "feedback", "release"):
        (dest / d).mkdir(exist_ok=True)
    return dest


SECTIONS = sorted(p.name for p in (ROOT / "source").iterdir() if (p / f"{p.name}.ipynb").is_file())


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """The demo course (`sae-course demo`, what `make demo` runs), graded once per test session:
    (course root, gradebook URL, the command's output). test_sections, test_feedback and test_browser read it."""
    import subprocess
    import sys

    root = copy_course(tmp_path_factory.mktemp("demo_course"), SECTIONS)
    proc = subprocess.run([sys.executable, "-m", "sae_course.cli", "--root", str(root), "demo"],
                          cwd=root, text=True, capture_output=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return root, f"sqlite:///{root / 'gradebook' / 'gradebook.db'}", proc.stdout


def pytest_terminal_summary(terminalreporter):
    """One line naming every test group (file) that skipped tests, and why (e.g. no Chromium)."""
    groups: dict[str, set[str]] = {}
    for rep in terminalreporter.stats.get("skipped", []):
        reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
        groups.setdefault(Path(rep.nodeid.split("::")[0]).stem, set()).add(reason.removeprefix("Skipped: "))
    if groups:
        terminalreporter.write_line("skipped groups: " + "; ".join(
            f"{g} ({' / '.join(sorted(r))})" for g, r in sorted(groups.items())), yellow=True, bold=True)
