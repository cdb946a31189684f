"""The sandbox around each student kernel: what it hides, what it forbids, the limits, and
the clear stop (with an explicit opt-out) when bubblewrap is missing."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

import tiny_course as tc
from sae_course.cli import main as cli_main
from sae_course.grading import sandbox
from sae_course.grading.autograde import run_autograde
from sae_course.grading.parallel import autograde_parallel
from sae_course.grading.sandbox import SLOTS_PER_GRADER, SandboxUnavailable, slot_uid

REPO = Path(__file__).resolve().parents[1]
GOOD_ADD = "def add(a, b):\n    return a + b"
LIMITS = {"workers": 2, "preload": "", "cell_timeout": 5, "notebook_timeout": 90, "mem_limit_mb": 1024,
          "max_procs": 64, "max_output_mb": 1}


def _probe_fs(course_root: Path) -> str:
    hidden = [course_root / d for d in ("source", "gradebook", "release", "submitted", "autograded")]
    hidden += [REPO / "source", REPO / "gradebook", REPO / ".git", course_root.parent]
    writes = ["/usr/evil", "/etc/evil", str(REPO / "sae_course" / "evil"), str(course_root / "evil")]
    return f"""
import os, json
R = {{"visible": {{p: os.path.exists(p) for p in {[str(p) for p in hidden]!r}}}, "writes": {{}}}}
for p in {writes!r}:
    try:
        open(p, "w").write("x")
        R["writes"][p] = "written"
    except OSError as e:
        R["writes"][p] = type(e).__name__
open("mine.txt", "w").write("ok")
R["repo"] = sorted(os.listdir({str(REPO)!r})) if os.path.isdir({str(REPO)!r}) else []
R["cwd"] = os.getcwd(); R["mine"] = open("mine.txt").read(); R["uid"] = os.getuid()
R["env"] = sorted(k for k in os.environ if "DB_URL" in k)
import sae_course, sys; R["package"] = sae_course.__file__; R["python"] = sys.executable
print("PROBE" + json.dumps(R))
"""


@pytest.fixture(scope="module")
def probed(tmp_path_factory):
    base = tmp_path_factory.mktemp("sandbox")
    course = tc.make_course(base / "course", config_extra=tc.STOCK_PIPELINE)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    tc.submit(course, "alice", tc.GOOD)
    tc.submit(course, "zoe", tc.GOOD)  # another student whose files must stay out of sight
    subs = {
        "p-fs": [_probe_fs(course.root), GOOD_ADD],
        "p-net": [f"""
import socket
for addr in [("127.0.0.1", {port}), ("1.1.1.1", 53), ("pypi.org", 443)]:
    try:
        socket.create_connection(addr, timeout=3)
        print("CONNECTED", addr)
    except OSError as e:
        print("blocked", addr, type(e).__name__)
""", GOOD_ADD],
        "p-exit": ["import os\nos._exit(3)", GOOD_ADD],
        "p-crash": ["import ctypes\nctypes.string_at(0)", GOOD_ADD],
        "p-loop": ["while True:\n    pass", GOOD_ADD],
        # interrupts that do not work: the handler ignored, and a loop in C that never checks for signals
        "p-hang": ["import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass", GOOD_ADD],
        "p-cloop": ["import itertools\nany(itertools.repeat(False))", GOOD_ADD],
        "p-mem": ["x = bytearray(3 << 30)\nx[::4096] = b'1' * len(x[::4096])", GOOD_ADD],
        "p-fork": ["""
import os, time
n = 0
try:
    for i in range(1000):
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        n += 1
except OSError as e:
    print("fork stopped after", n, type(e).__name__)
""", GOOD_ADD],
        "p-output": ["import sys\nfor i in range(40):\n    sys.stdout.write('y' * 200_000 + '\\n')", GOOD_ADD],
    }
    for student, cells in subs.items():
        tc.submit_code_cells(course, student, cells)
    report = autograde_parallel(course, [tc.SECTION], options=dict(LIMITS))
    listener.close()
    return course, report


def _text(course, student, gid="add"):
    outs = tc.cell_outputs(course, student)
    return "".join(o.get("text", "") for o in outs[gid]), [o.get("ename") for o in outs[gid] if o.get("ename")]


def _probe(course):
    text, _ = _text(course, "p-fs")
    return json.loads(text.split("PROBE", 1)[1])


def test_every_submission_graded(probed):
    course, report = probed
    assert not report.failed, [(o.student, o.error) for o in report.failed]
    g = tc.grades(course.db_url)
    assert g[("alice", tc.SECTION)][0] == 7.0 and g[("zoe", tc.SECTION)][0] == 7.0


def test_no_view_of_the_course_or_other_students(probed):
    course, _ = probed
    r = _probe(course)
    assert not any(r["visible"].values()), r["visible"]
    assert set(r["repo"]) <= {".venv", "sae_course"}, r["repo"]  # of the repo, only the venv and package
    assert r["cwd"] == "/sandbox/work" and r["mine"] == "ok"
    assert r["package"].startswith(str(REPO)) or "sae_course" in r["package"]  # the package is there, read-only
    assert r["env"] == [], "the gradebook URL must not reach student code"


def test_read_only_system_writable_working_copy(probed):
    course, _ = probed
    r = _probe(course)
    assert set(r["writes"].values()) <= {"OSError", "PermissionError", "FileNotFoundError"}, r["writes"]
    assert not (REPO / "sae_course" / "evil").exists() and not (course.root / "evil").exists()
    assert r["uid"] != 0
    # what it wrote in its working copy stayed there, and went with it: nothing in the course or the repo
    assert not list(course.root.rglob("mine.txt")) and not (REPO / "mine.txt").exists()


def test_no_network(probed):
    course, _ = probed
    text, _ = _text(course, "p-net")
    assert "CONNECTED" not in text and text.count("blocked") == 3, text


def test_kernel_death_costs_only_that_cell(probed):
    """The kernel dies in the answer cell: a fresh kernel runs the notebook again with that cell
    skipped (KernelDied, 0 if graded); every other cell is graded as usual."""
    course, report = probed
    g = tc.grades(course.db_url)
    msgs = {o.student: o.messages for o in report.outcomes}
    for student in ("p-exit", "p-crash"):
        _, enames = _text(course, student)
        assert enames == ["KernelDied"], (student, enames)
        # the next (student) cell defined add: its tests pass; square was left blank; final passes
        for gid, pts in (("test_add", 2), ("test_add_hidden", 1), ("test_square", 0), ("final", 1)):
            assert g[(student, tc.SECTION, tc.SECTION, gid)][0] == pts, (student, gid)
        assert g[(student, tc.SECTION)][0] == 4.0
        assert any("KernelDied" in m for m in msgs[student]), msgs[student]
    assert "exit code 3" in "".join(o.get("evalue", "") for o in tc.cell_outputs(course, "p-exit")["add"])


@pytest.mark.parametrize("student", ["p-hang", "p-cloop"])
def test_uninterruptible_cell_is_killed_and_the_rest_graded(probed, student):
    """A cell that ignores the interrupt at its time limit: the kernel is killed (the run never
    hangs), the cell gets KernelHung, and a fresh kernel grades the rest of the notebook."""
    course, report = probed
    _, enames = _text(course, student)
    assert enames == ["KernelHung"], enames
    g = tc.grades(course.db_url)
    assert g[(student, tc.SECTION, tc.SECTION, "test_add")][0] == 2
    assert g[(student, tc.SECTION)][0] == 4.0
    out = next(o for o in report.outcomes if o.student == student)
    assert out.ok and out.wall_seconds < 60, (out.wall_seconds, out.messages)


def test_cell_timeout_interrupts_and_grading_goes_on(probed):
    course, _ = probed
    _, enames = _text(course, "p-loop")
    assert enames and enames[-1] in ("KeyboardInterrupt", "CellTimeoutError"), enames
    # after the interrupt, the rest of the notebook ran: `add` was defined, its tests pass
    assert tc.grades(course.db_url)[("p-loop", tc.SECTION, tc.SECTION, "test_add")][0] == 2


def test_memory_limit(probed):
    course, _ = probed
    _, enames = _text(course, "p-mem")
    assert "MemoryError" in enames, enames


def test_process_limit_and_no_leftover_processes(probed):
    course, _ = probed
    text, _ = _text(course, "p-fork")
    n = int(text.split("fork stopped after")[1].split()[0])
    assert n < 64, text
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            uid = os.stat(f"/proc/{pid}").st_uid
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if state == "Z":  # a zombie waiting for this machine's init to reap it: not running
            continue
        if os.geteuid() == 0 and slot_uid(0) <= uid < slot_uid(0) + SLOTS_PER_GRADER:  # this test's sandboxes
            left.append(pid)
    assert not left, f"sandbox processes left after grading: {left}"


def test_output_is_capped(probed):
    course, _ = probed
    text, _ = _text(course, "p-output")
    assert "output truncated" in text
    size = (course.autograded / "p-output" / tc.SECTION / f"{tc.SECTION}.ipynb").stat().st_size
    assert size < 3 << 20, size


def test_bwrap_command_line(tmp_path):
    box = sandbox.Sandbox.for_slot(0, tmp_path)
    dirs = sandbox.SlotDirs(tmp_path / "slot-0")
    dirs.create(box.uid)
    cmd = " ".join(box.command(dirs, ["python", "-c", "pass"], sandbox.kernel_env()))
    for flag in ("--unshare-all", "--die-with-parent", "--new-session", "--clearenv", "--ro-bind"):
        assert flag in cmd
    assert "--share-net" not in cmd
    for d in ("source", "gradebook", "release", "submitted", "autograded"):
        assert f" {REPO / d} " not in cmd + " "
    assert "SAE_COURSE_DB_URL" not in cmd
    if os.geteuid() == 0:
        assert f"--reuid={slot_uid(0)}" in cmd


def test_missing_bwrap_stops_with_a_clear_message(tmp_path, monkeypatch, capsys):
    course = tc.make_course(tmp_path / "c")
    tc.submit(course, "alice", tc.GOOD)
    real_which = sandbox.shutil.which
    monkeypatch.setattr(sandbox.shutil, "which", lambda name, *a, **k: None if name == "bwrap" else real_which(name, *a, **k))
    monkeypatch.setattr(sandbox, "_PROBED", {})
    with pytest.raises(SandboxUnavailable) as e:
        run_autograde(course, [tc.SECTION], options={"workers": 1, "preload": ""})
    assert "apt-get install bubblewrap" in str(e.value) and "--no-sandbox" in str(e.value)
    assert not (course.autograded / "alice").exists(), "nothing may be graded unsandboxed by default"
    rc = cli_main(["--root", str(course.root), "autograde", "--no-feedback", "--workers", "1", "--cold"])
    assert rc == 2 and "bubblewrap" in capsys.readouterr().err
    # The explicit opt-out grades, unsandboxed.
    report = run_autograde(course, [tc.SECTION], options={"workers": 1, "preload": "", "no_sandbox": True})
    assert len(report.graded) == 1 and not report.sandbox
    assert tc.grades(course.db_url)[("alice", tc.SECTION)][0] == 7.0
