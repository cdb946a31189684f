"""Hostile and broken submissions: each graded to the right score, with a clear message, while
every other student's grade is kept.

A tiny synthetic assignment ``hw`` (3 exercises, 5 points, hidden tests through
``sae_course.checks``, ``torch`` and ``numpy``) is built in a temporary course whose
``nbgrader_config.py`` loads the repo's; a cohort of good students plus one student per kind in
``tests/hostile/`` (see its README) is graded with the course tool, ``sae-course autograde
--root ...``, exactly as an instructor would. Then a late student is graded on their own, and
everyone else's grades must be unchanged.

The engine is run_autograde's default (parallel, sandboxed); ``SAE_HOSTILE_ENGINE=serial``
grades with stock ``nbgrader autograde`` instead (no sandbox: the kinds only a sandbox can stop
are then expected to fail, see ``SANDBOX_ONLY``). Even unsandboxed, nothing here can hurt the
machine: the hostile code is bounded (README), and the serial path runs kernels under an
address-space limit.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import re
import runpy
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
KINDS_DIR = Path(__file__).parent / "hostile"
SECTION = "hw"
TOTAL = 5.0
GOOD_STUDENTS = ("good-1", "good-2")
LATE_STUDENT = "good-3"

ENGINE = os.environ.get("SAE_HOSTILE_ENGINE", "parallel")
SANDBOXED = ENGINE != "serial"
# The one marker for kinds only a sandbox can stop (network, files outside the working copy,
# process and memory limits). run_autograde's default engine is sandboxed, so they must pass;
# graded with an unsandboxed engine (SAE_HOSTILE_ENGINE=serial) they are expected to fail.
SANDBOX_ONLY = pytest.mark.xfail(not SANDBOXED, strict=False,
                                 reason="only the sandbox stops this, and this engine has none")

# Seconds per cell in the test course (the course's default is 600). The serial path starts cold
# kernels that import torch themselves, which takes longer than the infinite loops are worth.
CELL_TIMEOUT = 6 if SANDBOXED else 30
MAX_NOTEBOOK_MB = 8  # the pre-flight's size limit in the test course (default 100)
# A notebook's total grading time, restarts included (GuardedExecute.max_total_seconds).
MAX_TOTAL_SECONDS = 45 if SANDBOXED else 150

ASSIGNMENT = '''\
# %% [markdown]
# # Hostile-suite assignment

# %% setup id=setup
import torch
import numpy as np
from sae_course.checks import assert_close, assert_scalar_close, assert_true, plain

# %% [markdown]
# ### Exercise 1: double

# %% solution id=ex1_double
def double(x):
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION

# %% visible id=ex1_double_visible
assert double(torch.ones(2)).shape == (2,)

# %% graded id=ex1_double_test points=1
### BEGIN HIDDEN TESTS
# (docs/hidden_test_rules.md: checks bound first; the expected value computed first, from a clone; student
# results made plain at the call; inputs checked unchanged; everything inside a function that no global
# name holds while it runs)
def _t():
    _ac, _at, _plain, _teq = assert_close, assert_true, plain, torch.equal
    _x = torch.arange(3.0)
    _x_before, _want = _x.clone(), _x.clone() * 2
    _got = _plain(double(_x))
    _ac(_got, _want, "double(x)")
    _at(_teq(_x, _x_before), "double(x) changed its input x in place: work on a new tensor")
globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2: total

# %% solution id=ex2_total
def total(x):
    ### BEGIN SOLUTION
    return float(x.sum())
    ### END SOLUTION

# %% graded id=ex2_total_test points=2
### BEGIN HIDDEN TESTS
def _t():
    _asc, _at, _plain, _teq, _all = assert_scalar_close, assert_true, plain, torch.equal, all
    _np_allclose, _t_allclose, _tensor = np.allclose, torch.allclose, torch.tensor
    _xs = [torch.arange(4.0), torch.ones(3), torch.ones(2)]
    _before = [_x.clone() for _x in _xs]
    _w4, _w3, _w2 = [float(_x.clone().sum()) for _x in _xs]
    _asc(_plain(total(_xs[0])), _w4, "total(arange(4))")
    assert _np_allclose(_plain(total(_xs[1])), _w3), "total(ones(3)) is off"
    assert _t_allclose(_tensor(_plain(total(_xs[2]))), _tensor(_w2)), "total(ones(2)) is off"
    _at(_all([_teq(_x, _b) for _x, _b in zip(_xs, _before)]), "total(x) changed its input x in place")
globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3: relu

# %% solution id=ex3_relu
def relu(x):
    ### BEGIN SOLUTION
    return torch.clamp(x, min=0)
    ### END SOLUTION

# %% graded id=ex3_relu_test points=1
### BEGIN HIDDEN TESTS
def _t():
    _ac, _at, _plain, _teq = assert_close, assert_true, plain, torch.equal
    _x = torch.tensor([-1.0, 2.0])
    _x_before, _want = _x.clone(), _x.clone().clamp(min=0)
    _got = _plain(relu(_x))
    _ac(_got, _want, "relu")
    _at(_teq(_x, _x_before), "relu(x) changed its input x in place: return a new tensor")
globals().pop("_t")()
### END HIDDEN TESTS

# %% graded id=ex3_relu_test2 points=1
### BEGIN HIDDEN TESTS
def _t():
    _equal, _plain, _zeros = torch.equal, plain, torch.zeros
    _want = _zeros(3)
    assert _equal(_plain(relu(_zeros(3))), _want), "relu(zeros) is not zeros"
globals().pop("_t")()
### END HIDDEN TESTS
'''

GOOD = {
    "ex1_double": "def double(x):\n    return x * 2",
    "ex2_total": "def total(x):\n    return x.sum().item()",
    "ex3_relu": "def relu(x):\n    return torch.relu(x)",
}

CONFIG = '''\
"""The hostile-suite test course: the repo's configuration, with short limits."""
import os

c = get_config()  # noqa: F821
load_subconfig({repo_config!r})  # noqa: F821
HERE = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.root = HERE
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook", "gradebook.db")
c.Execute.timeout = {timeout}
c.GuardedExecute.max_total_seconds = {total}
c.GuardedExecute.interrupt_grace = 4
# Serial (unsandboxed) path only: kernels under an address-space limit (see capped_kernel.py).
c.Execute.kernel_name = "sae-hostile-capped"
'''

CAPPED_KERNEL = '''\
"""An ipykernel under an address-space limit: keeps the serial (unsandboxed) path from eating
the test machine's memory. The sandboxed engine starts its kernels its own way."""
import resource
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
from ipykernel import kernelapp
kernelapp.launch_new_instance()
'''


# ------------------------------------------------------------------------------------------------
# The hostile kinds (data)
# ------------------------------------------------------------------------------------------------

def load_kinds() -> dict[str, dict]:
    """Every kind in tests/hostile/ (``SAE_HOSTILE_ONLY=prefix1,prefix2``: only those, for a quick run)."""
    only = [p for p in os.environ.get("SAE_HOSTILE_ONLY", "").split(",") if p]
    kinds = {}
    for path in sorted(KINDS_DIR.glob("*.py")):
        if only and not any(path.stem.startswith(p) for p in only):
            continue
        ns = runpy.run_path(str(path))
        kinds[path.stem] = {k: v for k, v in ns.items() if k.isupper()} | {"doc": ns.get("__doc__") or ""}
    return kinds


KINDS = load_kinds()


def student_of(kind: str) -> str:
    return "bad-" + kind.replace("_", "-")


# ------------------------------------------------------------------------------------------------
# Building the course and the cohort
# ------------------------------------------------------------------------------------------------

def _fill(text: str, values: dict[str, str]) -> str:
    for k, v in values.items():
        text = text.replace(k, v)
    return text


def _cells_by_id(nb) -> dict[str, int]:
    return {c.metadata.get("nbgrader", {}).get("grade_id"): i for i, c in enumerate(nb.cells)
            if c.metadata.get("nbgrader", {}).get("grade_id")}


def write_submission(root: Path, student: str, release_nb, spec: dict, values: dict[str, str]) -> None:
    folder = root / "submitted" / student / SECTION
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text("2026-01-10 12:00:00.000000 UTC")
    for name, text in spec.get("EXTRA_FILES", {}).items():
        (folder / name).write_text(text)
    filename = spec.get("FILENAME", f"{SECTION}.ipynb")
    if filename is None:
        return
    if "RAW" in spec:
        (folder / filename).write_text(spec["RAW"])
        return
    nb = copy.deepcopy(release_nb)
    answers = {**GOOD, **{k: _fill(v, values) for k, v in spec.get("ANSWERS", {}).items()}}
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers and cell.metadata["nbgrader"].get("solution"):
            cell.source = answers[gid]
        if gid in spec.get("EDIT", {}):
            cell.source = spec["EDIT"][gid]
        if gid in spec.get("META", {}):
            cell.metadata["nbgrader"].update(spec["META"][gid])
        if gid in spec.get("CELL_METADATA", {}):
            cell.metadata.update(spec["CELL_METADATA"][gid])
    for gid, src in spec.get("DUPLICATE", {}).items():
        i = _cells_by_id(nb)[gid]
        dup = copy.deepcopy(nb.cells[i])
        dup.id = dup.id[:-4] + "dup0"
        dup.source = src
        nb.cells.insert(i + 1, dup)
    for gid in spec.get("STRIP_META", []):
        nb.cells[_cells_by_id(nb)[gid]].metadata.pop("nbgrader")
    for gid in spec.get("DELETE", []):
        del nb.cells[_cells_by_id(nb)[gid]]
    nb.metadata.update(copy.deepcopy(spec.get("NB_METADATA", {})))
    if "KERNELSPEC" in spec:
        nb.metadata["kernelspec"] = spec["KERNELSPEC"]
    if spec.get("PAD_MB"):
        cell = nb.cells[_cells_by_id(nb)["ex1_double"]]
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="z" * 999 + "\n")
                        for _ in range(int(spec["PAD_MB"] * 1024 * 1024 / 1000))]
    nbformat.write(nb, str(folder / filename))


class Listener:
    """A TCP server on the host's 127.0.0.1 that counts connections (network-access kind)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            with conn:
                conn.sendall(b"the answer is torch.clamp(x, min=0)\n")

    def close(self):
        self.stop.set()
        self.thread.join(2)
        self.sock.close()


def cli(root: Path, *args: str, env: dict, timeout: float = 900) -> subprocess.CompletedProcess:
    exe = shutil.which("sae-course", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "sae_course.cli"]
    return subprocess.run([*cmd, "--root", str(root), *args], env=env, text=True, capture_output=True,
                          timeout=timeout, cwd=root)


def engine_flags() -> list[str]:
    if ENGINE == "serial":
        return ["--serial"]
    return ["--workers", "2", "--preload", "torch,numpy,sae_course.checks", "--mem-limit-mb", "1024",
            "--max-procs", "128", "--notebook-timeout", "45"]


def read_scores(root: Path) -> dict[str, tuple]:
    """student -> (score or None, max score, needs manual grade)."""
    from sae_course.grading.autograde import collect_scores

    db = "sqlite:///" + str(root / "gradebook" / "gradebook.db")
    return {s.student: (s.score, s.max_score, s.needs_manual) for s in collect_scores(None, db) if s.section == SECTION}


def read_issues(root: Path) -> list[dict]:
    path = root / "reports" / "grading_issues.csv"
    if not path.is_file():
        return []
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def feedback_text(root: Path, student: str) -> str:
    page = root / "feedback" / student / SECTION / f"{SECTION}.html"
    if not page.is_file():
        return ""
    text = re.sub(r"<[^>]+>", " ", page.read_text(errors="replace"))
    text = text.replace("&#39;", "'").replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    return re.sub(r"\s+", " ", text)


# ------------------------------------------------------------------------------------------------
# The graded cohort (one grading run for the whole module)
# ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from sae_course.authoring import script_to_notebook

    root = tmp_path_factory.mktemp("hostile-course")
    (root / "nbgrader_config.py").write_text(
        CONFIG.format(repo_config=str(REPO / "nbgrader_config.py"), timeout=CELL_TIMEOUT, total=MAX_TOTAL_SECONDS))
    for d in ("gradebook", "submitted", "autograded", "feedback", "release", "source" + os.sep + SECTION):
        (root / d).mkdir(parents=True, exist_ok=True)
    nbformat.write(script_to_notebook(ASSIGNMENT, SECTION), str(root / "source" / SECTION / f"{SECTION}.ipynb"))
    (root / "canary.txt").write_text("delete_files must not be able to remove this\n")
    kernels = root.parent / (root.name + "-jupyter") / "kernels" / "sae-hostile-capped"
    kernels.mkdir(parents=True, exist_ok=True)
    (kernels / "capped_kernel.py").write_text(CAPPED_KERNEL)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, str(kernels / "capped_kernel.py"), "-f", "{connection_file}"],
        "display_name": "Python 3 (capped)", "language": "python"}))

    env = {k: v for k, v in os.environ.items() if k not in ("SAE_COURSE_DB_URL", "SAE_COURSE_ROOT")}
    env["JUPYTER_PATH"] = str(kernels.parents[1])
    env["SAE_COURSE_MAX_NOTEBOOK_MB"] = str(MAX_NOTEBOOK_MB)
    env.setdefault("SAE_COURSE_PROFILE", "ci")

    rel = cli(root, "release", SECTION, env=env, timeout=300)
    assert rel.returncode == 0, rel.stdout + rel.stderr
    release_nb = nbformat.read(str(root / "release" / SECTION / f"{SECTION}.ipynb"), as_version=4)

    listener = Listener()
    values = {"__ROOT__": str(root), "__PORT__": str(listener.port)}
    for st in GOOD_STUDENTS:
        write_submission(root, st, release_nb, {}, values)
    for kind, spec in KINDS.items():
        write_submission(root, student_of(kind), release_nb, spec, values)

    t0 = time.monotonic()
    try:
        run = cli(root, "autograde", SECTION, *engine_flags(), env=env)
    finally:
        listener.close()
    print(f"[hostile] graded {len(KINDS) + len(GOOD_STUDENTS)} submissions in {time.monotonic() - t0:.0f} s")
    first = {
        "root": root, "env": env, "run": run, "seconds": time.monotonic() - t0, "release_nb": release_nb,
        "scores": read_scores(root), "issues": read_issues(root), "connections": listener.connections,
        "values": values,
    }
    (root / "autograde.log").write_text(run.stdout + "\n--- stderr ---\n" + run.stderr)
    return first


@pytest.fixture(scope="module")
def regraded(graded):
    """A late student graded on their own, after everyone else."""
    root = graded["root"]
    write_submission(root, LATE_STUDENT, graded["release_nb"], {}, graded["values"])
    run = cli(root, "autograde", SECTION, "--student", LATE_STUDENT, "--no-feedback", *engine_flags(),
              env=graded["env"])
    return {"run": run, "scores": read_scores(root), "issues": read_issues(root)}


def _diagnose(graded, student: str) -> str:
    rows = [r for r in graded["issues"] if r["student"] == student]
    log = graded["run"].stdout + graded["run"].stderr
    lines = [ln for ln in log.splitlines() if student in ln][-12:]
    return f"issues: {rows}\nlog:\n" + "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# The tests
# ------------------------------------------------------------------------------------------------

def test_the_run_finishes_and_grades_everyone(graded):
    run = graded["run"]
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    for st in GOOD_STUDENTS:
        assert st in graded["scores"]
    for kind, spec in KINDS.items():
        if spec["EXPECT"] is not None and not spec.get("SANDBOX"):
            assert student_of(kind) in graded["scores"], f"{kind}: no grade recorded"


@pytest.mark.parametrize("student", GOOD_STUDENTS)
def test_good_students_get_full_marks_and_no_message(graded, student):
    score, max_score, needs_manual = graded["scores"][student]
    assert (score, max_score) == (TOTAL, TOTAL), _diagnose(graded, student)
    assert not needs_manual
    assert not [r for r in graded["issues"] if r["student"] == student]


def _kind_params():
    for kind, spec in KINDS.items():
        marks = [SANDBOX_ONLY] if spec.get("SANDBOX") else []
        yield pytest.param(kind, id=kind, marks=marks)


@pytest.mark.parametrize("kind", list(_kind_params()))
def test_hostile_submission(graded, kind):
    spec = KINDS[kind]
    student = student_of(kind)
    root = graded["root"]
    got = graded["scores"].get(student)
    if spec["EXPECT"] is None:
        assert got is None or got[0] is None, f"{kind}: expected 'not submitted', got {got}"
    else:
        assert got is not None, f"{kind}: no grade recorded\n" + _diagnose(graded, student)
        score, max_score, needs_manual = got
        assert max_score == TOTAL
        assert score == spec["EXPECT"], f"{kind}: score {score}, expected {spec['EXPECT']}\n" + _diagnose(graded, student)
        if spec.get("REVIEW"):
            assert needs_manual, f"{kind}: not marked for review"
    said = " | ".join(r["message"] for r in graded["issues"] if r["student"] == student)
    said += " | " + feedback_text(root, student)
    assert re.search(spec["MESSAGE"], said), f"{kind}: no message matching {spec['MESSAGE']!r} in: {said[:1500]}"
    if spec.get("REVIEW"):
        assert any(r["student"] == student and r["review"] for r in graded["issues"])
    for check in spec.get("CHECKS", []):
        CHECKS[check](graded, student)


def _no_pwned_files(graded, student):
    pwned = [p for p in graded["root"].rglob("PWNED*")]
    assert not pwned, f"files written outside the working copy: {pwned}"


def _canary_kept(graded, student):
    assert (graded["root"] / "canary.txt").is_file(), "a course file was deleted by student code"


def _no_connections(graded, student):
    assert graded["connections"] == 0, "student code reached the host's network"


def _small_feedback(graded, student):
    root = graded["root"]
    for path in (root / "autograded" / student / SECTION / f"{SECTION}.ipynb",
                 root / "feedback" / student / SECTION / f"{SECTION}.html"):
        assert path.is_file() and path.stat().st_size < 3 * 2**20, f"{path} is {path.stat().st_size} bytes"


def _bounded_time(graded, student):
    """The notebook's grading stopped within its total time cap (restarts included)."""
    if not SANDBOXED:
        return  # stock nbgrader logs no time per notebook
    m = re.search(rf"\[grade\] {SECTION}/{re.escape(student)}: graded in ([0-9.]+) s", graded["run"].stdout)
    assert m, f"no timing for {student} in the log"
    assert float(m.group(1)) < MAX_TOTAL_SECONDS + 25, f"{student} took {m.group(1)} s"


CHECKS = {"no_pwned_files": _no_pwned_files, "canary_kept": _canary_kept, "no_connections": _no_connections,
          "small_feedback": _small_feedback, "bounded_time": _bounded_time}


def test_probe_cells_never_reach_the_student(graded):
    root = graded["root"]
    for path in (root / "autograded").rglob("*.ipynb"):
        nb = nbformat.read(str(path), as_version=4)
        assert not any(c.metadata.get("sae_injected") for c in nb.cells), path
        assert not any("integrity probe" in c.source for c in nb.cells), path
    for path in (root / "feedback").rglob("*.html"):
        text = path.read_text(errors="replace")
        assert "integrity probe" not in text and "vnd.sae-course.integrity" not in text, path


def test_issues_report_names_every_flagged_student(graded):
    """Every kind the grader itself deals with has its row in reports/grading_issues.csv."""
    rows = graded["issues"]
    assert rows, "reports/grading_issues.csv is empty"
    assert set(rows[0]) >= {"run", "student", "section", "kind", "review", "message"}
    flagged = {r["student"] for r in rows}
    missing = [kind for kind, spec in KINDS.items()
               if not spec.get("SANDBOX") and not spec.get("QUIET") and student_of(kind) not in flagged]
    assert not missing, f"no row for: {missing}"


def test_a_second_run_keeps_everyone_elses_grades(graded, regraded):
    run = regraded["run"]
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    before, after = graded["scores"], regraded["scores"]
    assert after[LATE_STUDENT][:2] == (TOTAL, TOTAL)
    for st, value in before.items():
        assert after.get(st) == value, f"{st}: {value} -> {after.get(st)}"
    # The per-run issues report keeps the other students' rows.
    assert {r["student"] for r in regraded["issues"]} >= {r["student"] for r in graded["issues"]}


# ------------------------------------------------------------------------------------------------
# The tamper scan on its own (no kernel)
# ------------------------------------------------------------------------------------------------

def _scan_notebook(nb, replace_answers: dict | None = None):
    from sae_course.grading.course import solution_text
    from sae_course.grading.preprocessors.tamper_scan import scan_cells

    cells = []
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        meta = c.metadata.get("nbgrader", {})
        course = bool(meta.get("locked") or (meta.get("grade") and not meta.get("solution")))
        src = c.source if course else solution_text(c.source)
        if replace_answers is not None and not course:
            if meta.get("grade_id") not in replace_answers:
                continue  # scan only the replaced answer (in the context of the course's cells)
            src = replace_answers[meta["grade_id"]]
        cells.append((meta.get("grade_id") or "cell", src, course))
    return scan_cells(cells)


def test_tamper_scan_passes_every_reference_solution_and_mutant():
    """No false positives: every answer cell of every master notebook (and every plausible
    mistake in authoring/mistakes) passes the scan."""
    notebooks = sorted((REPO / "source").glob("*/*.ipynb"))
    if not notebooks:
        pytest.skip("no master notebooks in source/")
    for path in notebooks:
        nb = nbformat.read(str(path), as_version=4)
        findings = _scan_notebook(nb)
        assert not findings, f"{path.name}: {[f.describe() for f in findings]}"
        mutants = REPO / "authoring" / "mistakes" / path.parent.name
        for m in sorted(mutants.glob("*/*.py")) if mutants.is_dir() else []:
            findings = _scan_notebook(nb, {m.parent.name: m.read_text()})
            assert not findings, f"{m.relative_to(REPO)}: {[f.describe() for f in findings]}"


SCAN_FLAGS = {
    "torch.allclose = lambda *a, **k: True": "torch.allclose",
    "np.testing.assert_allclose = print": "numpy.testing.assert_allclose",
    "import sae_course.checks as c\nc._isclose = None": "sae_course.checks._isclose",
    "assert_close = lambda *a, **k: None": "rebinds the name assert_close",
    "from mylib import assert_close": "rebinds the name assert_close",
    "setattr(torch, 'equal', max)": "setattr",
    "globals()['assert_close'] = print": "globals()",
    "import sys\nsys.modules['torch'] = None": "sys.modules",
    "__builtins__.abs = max": "__builtins__",
    "import importlib\nimportlib.reload(torch)": "importlib",
    "import gc": "gc",
    "import ctypes": "ctypes",
    "import inspect\ninspect.currentframe().f_back": "inspect",
    "exec('x = 1')": "exec",
    "eval('1')": "eval",
    "compile('1', 'f', 'eval')": "compile",
    "get_ipython().set_custom_exc((Exception,), lambda *a: None)": "get_ipython",
    "!rm -rf /tmp/nothing-here": "shell command",
    "%%bash\necho hi": "%%bash",
    "T = torch\nT.equal = max": "torch.equal",
    "assert_close.__kwdefaults__['atol'] = 1e9": "__kwdefaults__",
    "torch.Tensor.__eq__ = lambda a, b: True": "__eq__",
}
SCAN_PASSES = [
    "import torch\nimport numpy as np\nfrom sae_course.checks import assert_close",
    "torch.backends.cudnn.deterministic = True\nimport os\nos.environ['X'] = '1'",
    "%timeit double(torch.ones(3))\n%matplotlib inline",
    "class M(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.w = torch.nn.Parameter(torch.ones(2))\n"
    "    def forward(self, x):\n        return self.w * x",
    "def f(checks):\n    checks = [1]\n    return checks",
    "from IPython.display import display\ndisplay(1)",
]
SETUP = "import torch\nimport numpy as np\nfrom sae_course.checks import assert_close"


@pytest.mark.parametrize("code,reason", list(SCAN_FLAGS.items()), ids=[r for r in SCAN_FLAGS.values()])
def test_tamper_scan_flags(code, reason):
    from sae_course.grading.preprocessors.tamper_scan import scan_cells

    found = scan_cells([("setup", SETUP, True), ("answer", code, False)])
    assert any(reason in f.describe() for f in found), [f.describe() for f in found]


@pytest.mark.parametrize("code", SCAN_PASSES)
def test_tamper_scan_lets_ordinary_code_through(code):
    from sae_course.grading.preprocessors.tamper_scan import scan_cells

    assert not scan_cells([("setup", SETUP, True), ("answer", code, False)])


# ------------------------------------------------------------------------------------------------
# The verdict rule on its own (no kernel): class 1, partial credit smuggled through outputs
# ------------------------------------------------------------------------------------------------

def _graded_cell(source: str, outputs: list):
    from nbformat.v4 import new_code_cell

    cell = new_code_cell(source, metadata={"nbgrader": {"grade": True, "solution": False, "locked": True,
                                                        "points": 2, "grade_id": "t"}})
    cell.outputs = outputs
    return cell


VERDICT_CASES = [
    # (graded cell source, outputs, nbgrader's grade after ApplyVerdicts' rule)
    ("assert_close(f(x), y)", [("result", "2.0"), ("error", "")], 0),  # a result published before the error
    ("assert_close(f(x), y)", [("result", "0.5")], 2.0),  # published by student code: not the test's
    ("_score", [("result", "1.5"), ("stderr", "w")], 0),  # stderr anywhere: 0
    ("_score", [("result", "0.1"), ("result", "1.5")], 1.5),  # only the test's own, last result
    ("_score", [("result", "1.5")], 1.5),  # the test's own partial credit stays
    ("x = f()\n_a + 0.5 * _b", [("stdout", "hi"), ("result", "1")], 1.0),
]


@pytest.mark.parametrize("source,outs,expected", VERDICT_CASES)
def test_verdict_reads_only_the_tests_own_result(source, outs, expected):
    from nbformat.v4 import new_output
    from nbgrader import utils

    from sae_course.grading.preprocessors.verdicts import settle_outputs

    made = []
    for kind, text in outs:
        if kind == "result":
            made.append(new_output("execute_result", data={"text/plain": text}, execution_count=1))
        elif kind == "error":
            made.append(new_output("error", ename="AssertionError", evalue="wrong", traceback=[]))
        else:
            made.append(new_output("stream", name=kind, text=text))
    cell = _graded_cell(source, made)
    settle_outputs(cell)
    assert utils.determine_grade(cell)[0] == expected


def test_tampered_flags_are_restored_from_the_gradebook():
    from nbformat.v4 import new_code_cell

    from sae_course.grading.preprocessors.submission_audit import restore_flags

    cell = new_code_cell("assert f() == 1", metadata={"nbgrader": {
        "grade": False, "solution": True, "locked": False, "grade_id": "t", "schema_version": 3}})
    assert restore_flags(cell, grade=True, solution=False, task=False, locked=True, points=2.0)
    assert cell.metadata.nbgrader == {"grade": True, "solution": False, "locked": True, "grade_id": "t",
                                      "schema_version": 3, "points": 2.0}
    assert not restore_flags(cell, grade=True, solution=False, task=False, locked=True, points=2.0)


# ------------------------------------------------------------------------------------------------
# The frame watch on its own (class 3): what it records and what it leaves alone
# ------------------------------------------------------------------------------------------------

FRAME_WATCH_SCRIPT = r'''
import json, sys
PROBE = """
def probe(nonce, seq):
    import sys as S
    out = []
    if seq == 0:
        from sae_course.guards import watch_frames
        watch_frames(nonce)
    S.audit(EVENT, nonce, "report", out)
    return out
"""
from sae_course.guards import EVENT
ns = {"EVENT": EVENT}
exec(compile(PROBE, "/tmp/ipykernel_0/probe.py", "exec"), ns)
probe = ns["probe"]
probe("n0", 0)
CELLS = json.loads(sys.argv[1])
seen, result = 0, {}
for name, src in CELLS.items():
    g = {"__name__": "__main__"}
    try:
        exec(compile(src, "/tmp/ipykernel_0/" + name + ".py", "exec"), g)
    except Exception as e:
        result[name] = ["raised " + type(e).__name__]
        continue
    got = probe("n0", 1)
    result[name] = [w for _, w in got[seen:] if "(<string>:" not in w]  # (this script's own exec calls)
    seen = len(got)
print(json.dumps(result))
'''

FRAME_WATCH_BENIGN = {
    "namedtuple": "import collections\nP = collections.namedtuple('P', 'a b')\nP(1, 2)",
    "typing_enum": "import typing, enum\nT = typing.TypeVar('T')\nE = enum.Enum('E', 'A B')",
    "logging": "import logging\nlogging.getLogger('x').info('hi')\nlogging.getLogger('x').findCaller()",
    "traceback_in_except": "import traceback\ntry:\n    1 / 0\nexcept ZeroDivisionError:\n    s = traceback.format_exc()",
    "torch_training": ("import torch\nm = torch.nn.Linear(3, 3)\nopt = torch.optim.Adam(m.parameters())\n"
                       "for _ in range(3):\n    opt.zero_grad(); m(torch.ones(2, 3)).sum().backward(); opt.step()\n"
                       "with torch.no_grad():\n    m.weight.mul_(1)"),
    "inspect_signature": "import inspect, functools, dataclasses\ninspect.signature(lambda a, b=1: a)\n"
                         "@dataclasses.dataclass\nclass D:\n    x: int = 1\nfunctools.partial(max, 1)(2)",
    "warnings": "import warnings\nwith warnings.catch_warnings():\n    warnings.simplefilter('ignore')\n"
                "    warnings.warn('w')",
}
FRAME_WATCH_ATTACKS = {
    "getframe": ("sys._getframe", "import sys\ndef f():\n    return getattr(sys, '_get' + 'frame')(1).f_locals\nf()"),
    "currentframe": ("inspect.currentframe", "import inspect\ninspect.currentframe().f_back"),
    "stack": ("inspect.stack", "import inspect\ninspect.stack(0)"),
    "tb_frame": ("tb_frame", "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    f = e.__traceback__.tb_frame"),
    "gi_frame": ("gi_frame", "def g():\n    yield 1\nx = g()\nx.gi_frame"),
    "gc": ("gc.get_objects", "import gc\nlen(gc.get_objects())"),
    "code": ("__code__", "def f():\n    pass\nf.__code__.co_consts"),
    "exec": ("exec", "exec('1')"),
    "current_frames": ("sys._current_frames", "import sys\nsys._current_frames()"),
    "forged_report": ("frame watch called from", "import sys\nbox = []\nsys.audit('sae-course.frame-watch', 'n0', 'report', box)\n"
                      "assert not box"),
}


def test_frame_watch_records_introspection_and_leaves_libraries_alone(tmp_path):
    """One interpreter (audit hooks cannot be removed, so never in pytest's own process)."""
    cells = dict(FRAME_WATCH_BENIGN) | {k: src for k, (_, src) in FRAME_WATCH_ATTACKS.items()}
    run = subprocess.run([sys.executable, "-c", FRAME_WATCH_SCRIPT, json.dumps(cells)], capture_output=True,
                         text=True, timeout=300, cwd=REPO)
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    for name in FRAME_WATCH_BENIGN:
        assert got[name] == [], f"{name}: {got[name]}"
    for name, (what, _) in FRAME_WATCH_ATTACKS.items():
        assert any(what in w for w in got[name]), f"{name}: {got[name]}"
