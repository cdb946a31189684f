"""The GPU grading workflow calls only commands that exist.

Every ``run:`` script of .github/workflows/gpu-grading.yml is split into simple commands;
``sae-course ...`` must parse with the CLI's own argparse parser (``build_parser()``),
``make X`` needs a target X in the Makefile, ``.venv/bin/X`` a program X of this virtualenv,
and anything else a shell builtin or a program on PATH.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shlex
import shutil
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "gpu-grading.yml"

SHELL_BUILTINS = {"echo", "cd", "export", "test", "[", "true", "false", "set", "source", ".",
                  "printf", "exit", "unset", "shift", "read", "cat"}
SHELL_KEYWORDS = {"if", "then", "else", "elif", "do", "while", "until", "!", "{", "(", "time"}
SHELL_CLOSERS = {"fi", "done", "}", ")", "esac"}
SEPARATORS = {"&&", "||", ";", "|", "&", ";;", "|&"}
REDIRECTS = {">", ">>", "<", "<<", "<<<", ">&", "&>", ">|", "2>", "2>>"}
VENV_PREFIX = ".venv/bin/"


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _steps(wf: dict) -> list[dict]:
    return [s for job in wf["jobs"].values() for s in job.get("steps", [])]


def simple_commands(script: str) -> list[list[str]]:
    """The simple commands of a (simple) shell script, each as its argument list."""
    script = re.sub(r"\\\n", " ", script)  # line continuations
    commands: list[list[str]] = []
    for line in script.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        current: list[str] = []
        tokens = list(lexer)
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok in SEPARATORS:
                commands.append(current)
                current = []
            elif tok in REDIRECTS or re.fullmatch(r"\d?[<>]+&?", tok):
                i += 1  # skip the redirection's target
            else:
                current.append(tok)
            i += 1
        commands.append(current)
    out = []
    for cmd in commands:
        while cmd and (cmd[0] in SHELL_KEYWORDS or re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", cmd[0])):
            cmd = cmd[1:]  # `if`, `then`, NAME=value prefixes
        if cmd and cmd[0] not in SHELL_CLOSERS:
            out.append(cmd)
    return out


def _run_commands() -> list[tuple[str, list[str]]]:
    cmds = []
    for step in _steps(_workflow()):
        if "run" in step:
            for cmd in simple_commands(step["run"]):
                cmds.append((step.get("name", step["run"][:40]), cmd))
    return cmds


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse keeps subparsers here; there is no public accessor
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set()
    for m in re.finditer(r"^([A-Za-z0-9_./%-][A-Za-z0-9_./% -]*?)\s*::?(?!=)", text, re.M):
        targets.update(m.group(1).split())
    return targets


def test_simple_commands_parser():
    script = ('if [ -n "$X" ]; then echo "A=$X" >> "$GITHUB_ENV"; fi\n'
              "FOO=1 make install && sae-course report --out reports  # comment\n"
              "python -c \"import a; print('b; c')\" | tee log \\\n  --append\n")
    assert simple_commands(script) == [
        ["[", "-n", "$X", "]"], ["echo", "A=$X"], ["make", "install"],
        ["sae-course", "report", "--out", "reports"],
        ["python", "-c", "import a; print('b; c')"], ["tee", "log", "--append"],
    ]


def test_workflow_shape():
    wf = _workflow()
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "workflow_dispatch" in on
    (job,) = wf["jobs"].values()
    assert set(job["runs-on"]) >= {"self-hosted", "gpu"}
    uses = [s["uses"] for s in _steps(wf) if "uses" in s]
    assert any(u.startswith("actions/checkout@") for u in uses)
    assert all("@" in u for u in uses), "actions are pinned to a version"
    for step in _steps(wf):
        # inputs reach scripts through env:, never pasted into them (script injection)
        assert "${{" not in step.get("run", ""), step.get("name")


def test_workflow_runs_the_readme_pipeline():
    cmds = [c for _, c in _run_commands()]
    assert ["make", "install"] in cmds
    sub = [c[1] for c in cmds if c[0] == "sae-course" and len(c) > 1]
    # the README's order: release, autograde, feedback, report
    order = [sub.index(x) for x in ("release", "autograde", "feedback", "report")]
    assert order == sorted(order), sub
    # the report goes where the dashboard artifact is taken from
    report = next(c for c in cmds if c[:2] == ["sae-course", "report"])
    out = report[report.index("--out") + 1].rstrip("/")
    uploads = [s["with"]["path"] for s in _steps(_workflow())
               if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert {p.rstrip("/") for p in uploads} >= {"feedback", out}


@pytest.mark.parametrize("step, cmd", _run_commands(),
                         ids=[" ".join(c)[:60] for _, c in _run_commands()])
def test_every_command_exists(step, cmd):
    prog, args = cmd[0], cmd[1:]
    if prog == "sae-course":
        from sae_course.cli import build_parser

        parser = build_parser()
        assert args and args[0] in _subcommands(parser), (
            f"step {step!r}: `sae-course {args[0] if args else ''}` is not a subcommand; "
            f"the CLI has {sorted(_subcommands(parser))}")
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            try:
                parser.parse_args(args)
            except SystemExit as e:
                pytest.fail(f"step {step!r}: `sae-course {' '.join(args)}` does not parse "
                            f"(exit {e.code}): {err.getvalue()}")
    elif prog == "make":
        targets = [a for a in args if not a.startswith("-") and "=" not in a]
        missing = [t for t in targets if t not in _make_targets()]
        assert not missing, f"step {step!r}: no Makefile target {missing}"
        assert shutil.which("make"), "make is not installed"
    elif prog.startswith(VENV_PREFIX):
        name = prog[len(VENV_PREFIX):]
        assert (Path(sys.executable).parent / name).exists() or shutil.which(name), (
            f"step {step!r}: the virtualenv has no {name}")
    else:
        assert prog in SHELL_BUILTINS or shutil.which(prog), f"step {step!r}: no program {prog!r}"
