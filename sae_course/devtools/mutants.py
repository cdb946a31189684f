"""Check that a section's graded tests are worth their points.

For a section ``S`` the checker reads the master notebook ``source/S/S.ipynb`` (its nbgrader metadata tells it
which cells are answers and which are graded) and the plausible mistakes stored as data in
``authoring/mistakes/S/<answer id>/<mistake>.py`` (each file a whole replacement for that answer cell, its first line a
comment saying what the mistake is). In ONE Jupyter kernel, with ``SAE_COURSE_PROFILE`` set and the notebook's
folder as working directory, it

1. runs the notebook top to bottom with the solutions: every cell must run and every graded cell pass;
2. for every mutant of answer ``X``: runs the mutant source, re-runs the graded cells whose id starts with
   ``X_test`` — at least one must FAIL — then re-runs the original answer cell to restore the state;
3. for every answer cell: runs the stub nbgrader releases in its place (nbgrader's own ``ClearSolutions``) and
   re-runs its graded cells — every one must fail (an untouched notebook scores zero) — then restores.

Steps 2 and 3 only run the answer cell and its own graded cells, never the whole notebook again.

Command line::

    python -m sae_course.devtools.mutants 00_toy_models [--profile ci] [--only ex04_train] [--verbose] [--signatures]

prints a table (exercise, mutant, lost points) and exits non-zero on any problem.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

DEFAULT_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
STUB_NAME = "<stub>"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# --------------------------------------------------------------------------------------------------------------------
# Results


@dataclass
class CellRun:
    """One execution of one cell (or of a mutant / stub source)."""

    cell_id: str
    ok: bool
    error: str = ""
    seconds: float = 0.0
    cpu_seconds: float | None = None  # the kernel's CPU time (user + system), where /proc tells it


@dataclass
class MutantResult:
    """What happened when an answer cell was replaced by a mutant (or by nbgrader's stub)."""

    answer_id: str
    mutant: str  # the mutant's file stem, or STUB_NAME
    description: str = ""
    graded: list[CellRun] = field(default_factory=list)
    source_error: str = ""  # the replacement source itself failed to run
    restore_error: str = ""  # re-running the original answer cell failed

    @property
    def is_stub(self) -> bool:
        return self.mutant == STUB_NAME

    @property
    def lost_points(self) -> bool:
        """At least one graded cell of the exercise failed."""
        return any(not c.ok for c in self.graded)

    @property
    def zero_points(self) -> bool:
        """Every graded cell of the exercise failed."""
        return bool(self.graded) and all(not c.ok for c in self.graded)

    def problem(self) -> str | None:
        """Why this result is a problem for the course, or None."""
        if self.restore_error:
            return f"restoring the answer cell failed: {self.restore_error}"
        if self.source_error and not self.is_stub:
            return f"the mutant source does not run: {self.source_error}"
        if not self.graded:
            return "no graded cell belongs to this answer cell"
        if self.is_stub:
            if not self.zero_points:
                passed = [c.cell_id for c in self.graded if c.ok]
                return f"the untouched stub passes graded cell(s) {', '.join(passed)}"
            return None
        if not self.lost_points:
            return "the mutant passes every graded cell (it loses no points)"
        return None

    def failures(self) -> str:
        return "; ".join(f"{c.cell_id}: {c.error}" for c in self.graded if not c.ok)


@dataclass
class Report:
    section: str
    profile: str
    notebook: Path
    solution_run: list[CellRun] = field(default_factory=list)
    mutants: list[MutantResult] = field(default_factory=list)
    mutant_counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def table(self, verbose: bool = False) -> str:
        rows = [("exercise", "mutant", "lost points", "note")]
        for m in self.mutants:
            if m.is_stub:
                verdict = "all" if m.zero_points else ("some" if m.lost_points else "no")
            else:
                verdict = "yes" if m.lost_points else "no"
            note = m.problem() or ""
            if not note and verbose:
                note = m.failures()
            elif not note and m.description:
                note = m.description
            rows.append((m.answer_id, m.mutant, verdict, note))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        lines = []
        for r in rows:
            note = r[3] if len(r[3]) <= 160 or verbose else r[3][:157] + "..."
            lines.append("  ".join(r[i].ljust(widths[i]) for i in range(3)) + ("  " + note if note else ""))
            if r is rows[0]:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def summary(self, verbose: bool = False) -> str:
        n_mut = sum(not m.is_stub for m in self.mutants)
        n_cells = len(self.solution_run)
        wall = sum(c.seconds for c in self.solution_run)
        cpus = [c.cpu_seconds for c in self.solution_run if c.cpu_seconds is not None]
        cpu = f", kernel cpu {sum(cpus):.0f} s" if cpus else ""
        out = [f"section {self.section} (profile {self.profile}): {n_cells} cells run with solutions in {wall:.0f} s"
               f"{cpu}; {n_mut} mutants on {len(self.mutant_counts)} answer cells; {self.seconds:.0f} s in all",
               "", self.table(verbose)]
        if self.problems:
            out += ["", f"{len(self.problems)} problem(s):"] + [f"  - {p}" for p in self.problems]
        else:
            out += ["", "no problems: solutions pass, every mutant loses points, every stub scores zero"]
        return "\n".join(out)


# --------------------------------------------------------------------------------------------------------------------
# The notebook and the mutants as data


@dataclass
class Cell:
    index: int
    kind: str  # "markdown" | "code" | "solution" | "graded" | "locked"
    grade_id: str | None
    source: str
    points: float = 0.0

    @property
    def label(self) -> str:
        return self.grade_id or f"cell {self.index} ({self.kind})"


def read_cells(nb) -> list[Cell]:
    cells = []
    for i, c in enumerate(nb.cells):
        meta = c.metadata.get("nbgrader", {})
        if c.cell_type != "code":
            kind = "markdown"
        elif meta.get("solution"):
            kind = "solution"
        elif meta.get("grade"):
            kind = "graded"
        elif meta.get("locked"):
            kind = "locked"
        else:
            kind = "code"
        cells.append(Cell(i, kind, meta.get("grade_id"), c.source, float(meta.get("points", 0) or 0)))
    return cells


def graded_cells_for(answer_id: str, cells: list[Cell]) -> list[Cell]:
    """The graded cells of an answer: ids ``<answer id>_test``, ``<answer id>_test2``, ..."""
    return [c for c in cells if c.kind == "graded" and c.grade_id and c.grade_id.startswith(f"{answer_id}_test")]


def stub_sources(nb, code_stub: str = DEFAULT_STUB) -> dict[str, str]:
    """The answer cells as nbgrader releases them (solution regions replaced by the stub), by grade id."""
    from nbgrader.preprocessors import ClearSolutions

    released = copy.deepcopy(nb)
    ClearSolutions(code_stub={"python": code_stub}).preprocess(released, {})
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in released.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}


@dataclass
class Mutant:
    answer_id: str
    name: str
    path: Path
    source: str

    @property
    def description(self) -> str:
        first = self.source.splitlines()[0] if self.source.strip() else ""
        return first.lstrip("#").strip()


def load_mutants(folder: Path) -> tuple[dict[str, list[Mutant]], list[str]]:
    """Mutants by answer id, and the problems found in the folder's layout."""
    found: dict[str, list[Mutant]] = {}
    problems = []
    if not folder.is_dir():
        return found, problems
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))):
        for f in sorted(sub.glob("*.py")):
            src = f.read_text()
            if not src.lstrip().startswith("#") or not src.splitlines()[0].startswith("#"):
                problems.append(f"{f}: the first line must be a comment saying what the mistake is")
            found.setdefault(sub.name, []).append(Mutant(sub.name, f.stem, f, src))
    return found, problems


# --------------------------------------------------------------------------------------------------------------------
# One kernel


class Kernel:
    """A Jupyter kernel that runs source strings and says whether each raised."""

    def __init__(self, cwd: Path, env: dict[str, str], kernel_name: str = "python3", startup_timeout: float = 120):
        from jupyter_client.manager import KernelManager

        self.km = KernelManager(kernel_name=kernel_name)
        self.km.start_kernel(cwd=str(cwd), env=env)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=startup_timeout)

    def run(self, code: str, label: str, timeout: float, graded: bool = False) -> CellRun:
        """Run one cell. ``graded``: judge it as nbgrader does, where any stderr output scores zero."""
        errors: list[str] = []
        stderr: list[str] = []

        def hook(msg):
            if msg["msg_type"] == "error":
                errors.append(f"{msg['content'].get('ename', 'Error')}: {msg['content'].get('evalue', '')}")
            elif msg["msg_type"] == "stream" and msg["content"].get("name") == "stderr":
                stderr.append(msg["content"].get("text", ""))

        start, cpu0 = time.monotonic(), self.cpu_seconds()
        try:
            reply = self.kc.execute_interactive(code, timeout=timeout, output_hook=hook, allow_stdin=False,
                                                store_history=False)
        except TimeoutError:
            self.km.interrupt_kernel()
            try:  # let the interrupted request finish so the next one starts clean
                self.kc.execute_interactive("pass", timeout=60, output_hook=lambda m: None)
            except TimeoutError:
                pass
            return CellRun(label, False, f"timed out after {timeout:.0f} s", time.monotonic() - start)
        content = reply["content"]
        ok = content.get("status") == "ok"
        err = ""
        if not ok:
            err = errors[0] if errors else f"{content.get('ename', 'Error')}: {content.get('evalue', '')}"
            err = _ANSI.sub("", err).strip().replace("\n", " ")
        elif graded and stderr:
            # nbgrader.utils.determine_grade gives 0 to a graded cell with any stderr output.
            ok = False
            err = "wrote to stderr (nbgrader scores that 0): " + _ANSI.sub("", "".join(stderr)).strip()[:300]
        cpu1 = self.cpu_seconds()
        cpu = cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else None
        return CellRun(label, ok, err, time.monotonic() - start, cpu)

    def cpu_seconds(self) -> float | None:
        """CPU time the kernel process has used so far (Linux only; None elsewhere)."""
        try:
            pid = self.km.provisioner.pid
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except Exception:
            return None

    def shutdown(self) -> None:
        try:
            self.kc.stop_channels()
        finally:
            self.km.shutdown_kernel(now=True)


# --------------------------------------------------------------------------------------------------------------------
# The check


def _log(progress, msg: str) -> None:
    if progress:
        print(msg, file=sys.stderr, flush=True)


def check_section(section: str, root: Path, profile: str = "ci", *, only: list[str] | None = None,
                  min_mutants: int = 0, timeout: float = 600, kernel_name: str = "python3",
                  code_stub: str = DEFAULT_STUB, progress: bool = False) -> Report:
    """Run the solution notebook, every mutant and every stub of ``section``; see the module docstring.

    ``only`` restricts steps 2 and 3 to some answer ids (step 1 always runs the whole notebook).
    ``min_mutants`` > 0 also reports answer cells with fewer mutants as problems.
    """
    root = Path(root)
    t0 = time.monotonic()
    nb_path = root / "source" / section / f"{section}.ipynb"
    report = Report(section, profile, nb_path)
    if not nb_path.exists():
        report.problems.append(f"{nb_path} does not exist (build it from authoring/{section}.py)")
        return report
    nb = nbformat.read(str(nb_path), as_version=4)
    cells = read_cells(nb)
    answers = [c for c in cells if c.kind == "solution"]
    answer_ids = [c.grade_id for c in answers]
    stubs = stub_sources(nb, code_stub)
    mutants, layout_problems = load_mutants(root / "authoring" / "mistakes" / section)
    report.problems += layout_problems
    for unknown in sorted(set(mutants) - set(answer_ids)):
        report.problems.append(f"authoring/mistakes/{section}/{unknown}: no answer cell with this id in the notebook")
    report.mutant_counts = {a: len(mutants.get(a, [])) for a in answer_ids}
    if min_mutants:
        for a, n in report.mutant_counts.items():
            if n < min_mutants:
                report.problems.append(f"{a}: {n} mutant(s), at least {min_mutants} wanted")
    for a in answer_ids:
        if not graded_cells_for(a, cells):
            report.problems.append(f"{a}: no graded cell (expected an id starting with '{a}_test')")

    env = dict(os.environ)
    env["SAE_COURSE_PROFILE"] = profile
    env.setdefault("PYTHONHASHSEED", "0")
    # Course notebooks run small models: one thread avoids thread contention on shared CI machines.
    env.setdefault("SAE_COURSE_THREADS", "1")
    env.setdefault("MPLBACKEND", "Agg")
    kernel = Kernel(nb_path.parent, env, kernel_name=kernel_name)
    try:
        # 1. The solutions, top to bottom.
        for c in cells:
            if c.kind == "markdown":
                continue
            run = kernel.run(c.source, c.label, timeout, graded=c.kind == "graded")
            report.solution_run.append(run)
            cpu = f", cpu {run.cpu_seconds:.1f} s" if run.cpu_seconds is not None else ""
            _log(progress, f"[solution] {c.label}: {'ok' if run.ok else 'FAILED: ' + run.error} ({run.seconds:.1f} s{cpu})")
            if not run.ok:
                what = "graded cell fails" if c.kind == "graded" else "cell raises"
                report.problems.append(f"solution notebook: {what} {c.label}: {run.error}")

        # 2 and 3. Mutants, then the stub, for each answer cell.
        for answer in answers:
            aid = answer.grade_id
            if only and aid not in only:
                continue
            graded = graded_cells_for(aid, cells)
            replacements = [(m.name, m.description, m.source) for m in mutants.get(aid, [])]
            replacements.append((STUB_NAME, "the released stub", stubs.get(aid, code_stub)))
            for name, desc, source in replacements:
                res = MutantResult(aid, name, desc)
                run = kernel.run(source, f"{aid}/{name}", timeout)
                if not run.ok:
                    res.source_error = run.error
                for g in graded:
                    res.graded.append(kernel.run(g.source, g.grade_id, timeout))
                restore = kernel.run(answer.source, f"{aid} (restore)", timeout)
                if not restore.ok:
                    res.restore_error = restore.error
                report.mutants.append(res)
                verdict = "lost points" if res.lost_points else "PASSED"
                _log(progress, f"[mutant] {aid}/{name}: {verdict} "
                               f"({sum(g.seconds for g in res.graded):.1f} s){' — ' + res.failures() if res.lost_points else ''}")
                p = res.problem()
                if p:
                    report.problems.append(f"{aid}/{name}: {p}")
    finally:
        kernel.shutdown()
    report.seconds = time.monotonic() - t0
    return report


def sections_with_mutants(root: Path) -> list[str]:
    """Sections that have both ``authoring/<s>.py`` and ``authoring/mistakes/<s>/``."""
    root = Path(root)
    return sorted(p.stem for p in (root / "authoring").glob("*.py") if (root / "authoring" / "mistakes" / p.stem).is_dir())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Check that every plausible mistake loses points and every stub scores zero.")
    ap.add_argument("section", help="e.g. 00_toy_models")
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2], help="the course repository")
    ap.add_argument("--profile", default="ci", choices=("ci", "full"))
    ap.add_argument("--only", nargs="*", help="answer ids to check (default: all)")
    ap.add_argument("--min-mutants", type=int, default=3, help="fewest mutants an answer cell may have (0: no check)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds one cell may run")
    ap.add_argument("--verbose", "-v", action="store_true", help="show why each mutant failed, and progress")
    ap.add_argument("--signatures", action="store_true",
                    help="also write authoring/mistakes/<section>/signatures.json (how each mistake fails: the "
                         "feedback's named-mistake hints, sae_course.grading.mistakes) and print the hints' accuracy")
    a = ap.parse_args(argv)
    report = check_section(a.section, a.root, a.profile, only=a.only, min_mutants=a.min_mutants, timeout=a.timeout,
                           progress=a.verbose)
    print(report.summary(verbose=a.verbose))
    if a.signatures:
        from sae_course.grading import mistakes

        path = mistakes.write_signatures(report, a.root / "authoring" / "mistakes")
        print(f"\nsignatures written to {path}")
        print("named-mistake hints on this library:", mistakes.accuracy(mistakes.load_signatures(
            a.root / "authoring" / "mistakes", a.section)))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
