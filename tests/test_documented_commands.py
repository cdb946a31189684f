"""Every shell command README.md and docs/*.md show runs as written, on a scratch copy of the repo.

What counts as a command:
* every line of a fenced ```bash block (a line ending in ``\\`` continues on the next; a block whose
  first line is only a marker comment is one script, e.g. a loop);
* every inline code span that starts with ``.venv/bin/`` or ``make `` (bare ``nbgrader …`` or
  ``sae-course …`` spans name a command; the runnable form is ``.venv/bin/…``), unless it holds a
  placeholder (``<…>``, ``[…]``, ``...``).

A comment on a command's line (or a block's first line) may mark it:
* ``# needs: WHAT`` — it needs something CI lacks (a GPU, a Ray cluster, the hub, the course's
  URL): skipped, with WHAT as the reason;
* ``# long: WHY`` — too long for this test (a rebuild, the whole suite, a server that runs until
  stopped): a ``make`` target is checked with ``make -n`` (the target exists and its recipe expands);
  anything else is skipped with WHY. The same command shown inline elsewhere gets the same marker.

The copy is the repo's tracked and untracked-but-not-ignored files (as a fresh clone with the
working tree's edits) under a temporary folder, with ``.venv`` a symlink to this repo's virtualenv
(and the install inputs dated in the past so ``make`` does not reinstall). Commands run from its
root with ``bash -c``, PATH without the virtualenv (nothing activated), SAE_COURSE_PROFILE=ci,
HF_HUB_OFFLINE=1; in document order, README first. The test brings what the instructor workflow
says the instructor brings: a roster.csv (the example in docs/report.md) before the roster command,
and before the first grading command one submission in submitted/ (the untouched release of
00_toy_models: step 3 is done by hand or by nbgrader's exchange).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
VENV_BIN = Path(sys.executable).parent
MARKER = re.compile(r"#\s*(needs|long):\s*(.+?)\s*$")
PLACEHOLDER = re.compile(r"<[^>]*>|\[[^\]]*\]|\.\.\.|…")
TIMEOUT = 600


@dataclass
class Command:
    source: str   # file:line
    text: str     # the command as shown (without its marker comment)
    kind: str     # "run", "needs" or "long"
    reason: str = ""

    @property
    def id(self) -> str:
        return f"{self.source}: {self.text[:70]}"


def _split_marker(line: str) -> tuple[str, str, str]:
    """(the command without its comment, kind, reason)."""
    m = MARKER.search(line)
    kind, reason = (m.group(1), m.group(2)) if m else ("run", "")
    return re.sub(r"(^|\s)#.*$", "", line).rstrip(), kind, reason


def _fenced(path: Path) -> list[Command]:
    out: list[Command] = []
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        if not re.match(r"^\s*```(bash|sh|shell)\s*$", lines[i]):
            i += 1
            continue
        start, block = i + 1, []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith("```"):
            block.append(lines[i])
            i += 1
        i += 1
        src = f"{path.relative_to(ROOT)}:{start + 1}"
        first = block[0].strip() if block else ""
        if first.startswith("#") and MARKER.search(first):  # a marker for the whole block
            _, kind, reason = _split_marker(first)
            out.append(Command(src, "\n".join(block[1:]).strip(), kind, reason))
            continue
        k = 0
        while k < len(block):
            line, n = block[k], k
            while line.rstrip().endswith("\\") and k + 1 < len(block):
                k += 1
                line = line.rstrip()[:-1].rstrip() + " " + block[k].strip()
            k += 1
            text, kind, reason = _split_marker(line)
            if text.strip() and not text.strip().startswith("#"):
                out.append(Command(f"{path.relative_to(ROOT)}:{start + n + 1}", text.strip(), kind, reason))
    return out


def _inline(path: Path) -> list[Command]:
    out = []
    text = re.sub(r"```.*?```", lambda m: "\n" * m.group(0).count("\n"), path.read_text(), flags=re.S)
    for no, line in enumerate(text.splitlines(), 1):
        for span in re.findall(r"`([^`\n]+)`", line):
            span = span.strip()
            if not (re.match(r"\.venv/bin/[\w.-]+(\s|$)", span) or re.match(r"make [a-z]", span)):
                continue
            if PLACEHOLDER.search(span):
                continue
            out.append(Command(f"{path.relative_to(ROOT)}:{no}", span, "run"))
    return out


def _make_target(text: str) -> str | None:
    """``make hub HUB_ARGS=...`` -> ``make hub``: a marked make target marks it with any variables."""
    m = re.fullmatch(r"make ([\w-]+)(\s+\w+=.*)?", text.strip(), re.S)
    return f"make {m.group(1)}" if m else None


def documented_commands() -> list[Command]:
    fenced = [c for p in DOCS for c in _fenced(p)]
    marked = {c.text: c for c in fenced if c.kind != "run"}
    marked.update({_make_target(t): c for t, c in list(marked.items()) if _make_target(t)})
    seen, out = set(), []
    for p in DOCS:
        for c in _fenced(p) + _inline(p):
            same = marked.get(c.text) or marked.get(_make_target(c.text))
            if c.kind == "run" and same:  # the marker shown where the command is fenced
                c.kind, c.reason = same.kind, same.reason
            if c.text in seen:
                continue
            seen.add(c.text)
            out.append(c)
    return sorted(out, key=lambda c: (DOCS.index(ROOT / c.source.split(":")[0]), int(c.source.split(":")[1])))


# --------------------------------------------------------------------------------------------


def test_extraction_reads_markers_and_blocks(tmp_path):
    global ROOT
    doc = tmp_path / "x.md"
    doc.write_text("Run `make notebooks`, then `.venv/bin/sae-course release` or `sae-course x`.\n"
                   "`.venv/bin/sae-course unbuild <section>` is a synopsis.\n"
                   "```bash\nmake demo   # long: a while\nmake a \\\n  b=1\n```\n"
                   "```bash\n# needs: a GPU\nfor k in 1 2; do\n  echo $k\ndone\n```\n"
                   "`make demo` again.\n")
    saved, ROOT = ROOT, tmp_path
    try:
        got = [(c.text, c.kind, c.reason) for c in _fenced(doc)] + [(c.text, c.kind) for c in _inline(doc)]
    finally:
        ROOT = saved
    assert got == [("make demo", "long", "a while"), ("make a b=1", "run", ""),
                   ("for k in 1 2; do\n  echo $k\ndone", "needs", "a GPU"),
                   ("make notebooks", "run"), (".venv/bin/sae-course release", "run"), ("make demo", "run")]


def test_docs_show_commands():
    cmds = documented_commands()
    texts = [c.text for c in cmds]
    assert "make test" in texts and "make demo" in texts and "make lab" in texts, texts
    assert any(t.startswith(".venv/bin/python bench/bench_autograde.py") for t in texts), texts
    for c in cmds:  # nothing that only works in an activated virtualenv
        assert not re.match(r"(\. |source )\S*activate", c.text), c.id


def _scratch_copy(dest: Path) -> Path:
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if not src.is_file():  # deleted in the working tree, or a folder (a nested repository)
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel, follow_symlinks=False)
    (dest / ".venv").symlink_to(ROOT / ".venv")
    past = time.mktime((2000, 1, 1, 0, 0, 0, 0, 0, -1))
    for name in ("requirements.txt", "constraints.txt", "pyproject.toml"):  # make: nothing to install
        os.utime(dest / name, (past, past))
    return dest


def _env() -> dict:
    keep = [p for p in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep)
            if p and Path(p).resolve() != VENV_BIN.resolve()]
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME", "MAKEFLAGS",
                                                            "MAKELEVEL", "MFLAGS", "SAE_COURSE_ROOT")}
    env.update(PATH=os.pathsep.join(keep), SAE_COURSE_PROFILE="ci", HF_HUB_OFFLINE="1",
               WANDB_MODE="disabled")
    return env


GRADING = re.compile(r"(sae-course (autograde|feedback|export|report)|nbgrader (autograde|generate_feedback|export))")


def _roster(repo: Path) -> None:
    """The instructor's roster.csv: the example docs/report.md shows (its ```csv block)."""
    m = re.search(r"```csv\n(.*?)```", (repo / "docs" / "report.md").read_text(), re.S)
    assert m, "docs/report.md shows no roster example (a ```csv block)"
    (repo / "roster.csv").write_text(m.group(1))


def _submit_untouched_release(repo: Path) -> None:
    """Step 3 of the instructor workflow, done by hand: one submission in submitted/."""
    sec = "00_toy_models"
    src = repo / "release" / sec / f"{sec}.ipynb"
    dst = repo / "submitted" / "docs-student" / sec
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy(src, dst / f"{sec}.ipynb")
    (dst / "timestamp.txt").write_text("2026-01-10 12:00:00.000000 UTC")


def _run(cmd: str, cwd: Path, env: dict) -> tuple[int, str]:
    """Run in its own session; past TIMEOUT (an unmarked server, say) the whole group is killed."""
    p = subprocess.Popen(["bash", "-c", cmd], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    try:
        out, _ = p.communicate(timeout=TIMEOUT)
        return p.returncode, out
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        return 124, out + f"\n[still running after {TIMEOUT} s: a server or a long job? mark it # long:]"
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)  # whatever it left running in its session
        except ProcessLookupError:
            pass


def _children_cpu() -> float:
    """CPU seconds of the finished child processes (a measure that a busy machine does not inflate
    the way it does wall time)."""
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def test_every_documented_command_runs(tmp_path):
    repo = _scratch_copy(tmp_path / "course")
    env = _env()
    ran, skipped, failed, log = [], [], [], []
    submitted = False
    for c in documented_commands():
        if c.kind == "needs":
            skipped.append(f"{c.id}  [needs: {c.reason}]")
            continue
        cmd = c.text
        if c.kind == "long":
            m = re.fullmatch(r"make ([\w-]+)(\s+\w+=.*)?", cmd, re.S)
            if not m:
                skipped.append(f"{c.id}  [long: {c.reason}]")
                continue
            cmd = "make -n " + cmd.strip()[len("make "):]
        if re.search(r"\broster roster\.csv\b", cmd) and not (repo / "roster.csv").exists():
            _roster(repo)
        if GRADING.search(cmd) and not submitted:
            _submit_untouched_release(repo)
            submitted = True
        t0, cpu0 = time.monotonic(), _children_cpu()
        rc, out = _run(cmd, repo, env)
        dt, cpu = time.monotonic() - t0, _children_cpu() - cpu0
        log.append(f"{dt:6.1f} s  cpu {cpu:6.1f} s  rc={rc}  {c.source}: {cmd}")
        (ran if rc == 0 else failed).append(c.id)
        if rc != 0:
            failed[-1] += f"\n   $ {cmd}\n{out[-3000:]}"
    report = "\n".join(log) + "\nskipped:\n  " + "\n  ".join(skipped)
    print(report)
    art = ROOT / "tests" / "artifacts"
    art.mkdir(parents=True, exist_ok=True)
    (art / "documented_commands.txt").write_text(report + "\n")
    assert not failed, "documented commands that fail as written:\n" + "\n\n".join(failed)
    assert len(ran) >= 10, report
    assert submitted, "no documented grading command ran"
    # What the grading commands left: the untouched release scores 0, and it has its feedback page.
    grades = (repo / "reports" / "grades.csv").read_text().splitlines()
    assert any(line.startswith("docs-student,00_toy_models,0,") for line in grades), grades
    assert (repo / "feedback" / "docs-student" / "00_toy_models" / "00_toy_models.html").is_file()
