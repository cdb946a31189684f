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


# Parallel runs: `make test` spreads the files over two processes (pytest-xdist, --dist loadscope) with the
# scheduler below. A unit of work is a whole file, so its module-scoped fixtures are built once; the files that
# read the session's demo course are one unit, so the demo is graded once; the mutant checker's sections are
# units of their own. Units start longest first (figures from a serial run), so both processes end together.
DEMO_FILES = {"tests/test_browser.py", "tests/test_feedback.py", "tests/test_sections.py"}
ONE_UNIT_PER_TEST = {"tests/test_mutants.py"}
LONGEST_FIRST = [  # from a serial run on 2 cores (2026-12-01): 562, 210, 144, 140, 138, 114, 108, 103, 100, 65, 54, 51 s
    "demo-course",
    "tests/test_mutants.py::test_solutions_pass_mutants_lose_points_stubs_score_zero[03_sae_training]",
    "tests/test_hub.py",
    "tests/test_documented_commands.py",
    "tests/test_hostile.py",
    "tests/test_mutants.py::test_solutions_pass_mutants_lose_points_stubs_score_zero[00_toy_models]",
    "tests/test_section04_hub.py",
    "tests/test_mutants.py::test_solutions_pass_mutants_lose_points_stubs_score_zero[04_sae_latents]",
    "tests/test_mutants.py::test_solutions_pass_mutants_lose_points_stubs_score_zero[00b_toy_saes]",
    "tests/test_parallel.py",
    "tests/test_mutants.py::test_solutions_pass_mutants_lose_points_stubs_score_zero[01_sae_intro]",
    "tests/test_mutants.py::test_solutions_pass_mutants_lose_points_stubs_score_zero[02_sae_circuits]",
]


def xdist_unit(nodeid: str) -> str:
    path = nodeid.split("::")[0]
    if path in DEMO_FILES:
        return "demo-course"
    return nodeid if path in ONE_UNIT_PER_TEST else path


def pytest_collection_modifyitems(config, items):
    """A file that uses the demo fixture must be in DEMO_FILES, or a parallel run would grade the demo twice."""
    missing = sorted({i.nodeid.split("::")[0] for i in items if "demo" in getattr(i, "fixturenames", ())} - DEMO_FILES)
    if missing:
        raise pytest.UsageError(f"tests/conftest.py: add {missing} to DEMO_FILES (they use the demo fixture)")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    rank = {unit: i for i, unit in enumerate(LONGEST_FIRST)}

    class CourseUnits(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_unit(nodeid)

        def _assign_work_unit(self, node) -> None:
            first = min(self.workqueue, key=lambda unit: rank.get(unit, len(rank)))  # ties keep file order
            self.workqueue.move_to_end(first, last=False)
            super()._assign_work_unit(node)

    return CourseUnits(config, log)


_RUN: dict = {}


def pytest_configure(config):
    import time
    _RUN.update(start=time.monotonic(), config=config)


def pytest_runtest_logreport(report):
    """A line for every test phase that took over 30 s, with the minutes since the run began, so a slow or stuck
    run (CI shows only the tail of its output) tells where the time went. Printed by the controller only."""
    import time
    reporter = _RUN["config"].pluginmanager.get_plugin("terminalreporter") if _RUN else None
    if os.environ.get("PYTEST_XDIST_WORKER") or report.duration < 30 or reporter is None:
        return
    node = getattr(report, "node", None)
    worker = f" [{node.gateway.id}]" if node is not None and hasattr(node, "gateway") else ""
    elapsed = (time.monotonic() - _RUN["start"]) / 60
    reporter.write_line(f"[{elapsed:5.1f} min] {report.duration:6.1f} s {report.when:8s} {report.nodeid}{worker}")
