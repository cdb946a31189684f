"""The parallel grading engine gives exactly stock nbgrader's grades, through one writer."""

from __future__ import annotations

import os
import threading

import pytest

import tiny_course as tc
from sae_course.cli import build_parser
from sae_course.grading import autograde as ag
from sae_course.grading.parallel import EngineOptions, autograde_parallel

FAST = {"workers": 2, "preload": "", "cell_timeout": 60}


def _oversized(course, student: str) -> None:
    """A correct notebook over the pre-flight's size limit (set to 40 KB in graded_pair)."""
    import nbformat

    path = tc.submit(course, student, tc.GOOD)
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="z" * 999 + "\n")
                           for _ in range(60)]
    nbformat.write(nb, str(path))


@pytest.fixture(scope="module")
def graded_pair(tmp_path_factory):
    """The same cohort graded twice: stock serial `nbgrader autograde`, and the engine. Both
    get one more student, "mallory", whose correct notebook is over the pre-flight's size limit:
    both paths must leave it to the pre-flight (0), and print the same summary."""
    base = tmp_path_factory.mktemp("pair")
    courses, logs = {}, {"stock": [], "engine": []}
    for name in ("stock", "engine"):
        course = tc.make_course(base / name)
        tc.set_due_date(course)
        for student, answers in tc.COHORT.items():
            tc.submit(course, student, answers, late_days=1 if student == "erin" else -1)
        _oversized(course, "mallory")
        courses[name] = course
    writers = []
    from nbgrader import api

    real_init = api.Gradebook.__init__

    def spy(self, *a, **k):  # every gradebook connection: which thread opened it?
        writers.append(threading.current_thread().name)
        return real_init(self, *a, **k)

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SAE_COURSE_MAX_NOTEBOOK_MB", "0.04")
        ag.run_autograde(courses["stock"], [tc.SECTION], options={"serial": True}, log=logs["stock"].append)
        api.Gradebook.__init__ = spy
        try:
            report = ag.run_autograde(courses["engine"], [tc.SECTION], options=dict(FAST),
                                      log=logs["engine"].append)
        finally:
            api.Gradebook.__init__ = real_init
    return courses, report, writers, logs


def test_same_grades_as_stock_nbgrader(graded_pair):
    courses, report, _, _ = graded_pair
    stock, engine = tc.grades(courses["stock"].db_url), tc.grades(courses["engine"].db_url)
    assert len(stock) > 30
    diffs = {k: (stock.get(k), engine.get(k)) for k in set(stock) | set(engine) if stock.get(k) != engine.get(k)}
    assert not diffs, f"grades differ from stock nbgrader autograde: {diffs}"
    totals = {k[0]: v[0] for k, v in engine.items() if len(k) == 2}
    assert totals == {"alice": 7.0, "bob": 4.0, "carol": 0.0, "dave": 4.0, "erin": 7.0, "mallory": 0.0}
    assert len(report.graded) == 5 and not report.failed


def test_both_paths_leave_preflight_rejects_out_and_summarize(graded_pair):
    """The serial path honours the pre-flight's list like the engine, and both print its summary."""
    courses, _, _, logs = graded_pair
    for name, log in logs.items():
        text = "\n".join(map(str, log))
        assert "[preflight] 5 submission(s) to grade; 1 with a problem" in text, (name, text[-2000:])
        assert "[grading issues]" in text and "mallory/tiny: too_large" in text, (name, text[-2000:])
        assert not (courses[name].autograded / "mallory").exists(), name
    assert any("student_id_exclude=mallory" in str(line) for line in logs["stock"]), logs["stock"]


def test_same_outputs_in_autograded_notebooks(graded_pair):
    courses, _, _, _ = graded_pair
    for student in tc.COHORT:
        a = tc.cell_outputs(courses["stock"], student)
        b = tc.cell_outputs(courses["engine"], student)
        assert a.keys() == b.keys()
        for gid in a:
            kinds = lambda outs: [(o["output_type"], o.get("name"), o.get("ename")) for o in outs]  # noqa: E731
            assert kinds(a[gid]) == kinds(b[gid]), (student, gid)
            text = lambda outs: "".join(o.get("text", "") for o in outs)  # noqa: E731
            assert text(a[gid]) == text(b[gid]), (student, gid)


def test_only_the_main_thread_writes_the_gradebook(graded_pair):
    _, _, writers, _ = graded_pair
    assert writers, "the engine never opened the gradebook"
    assert set(writers) == {"MainThread"}, f"gradebook opened from worker threads: {set(writers)}"


def test_failed_job_loses_no_other_grade(tmp_path, monkeypatch):
    """A worker that fails (here: a broken job) fails that student only, like stock nbgrader."""
    from sae_course.grading import parallel

    course = tc.make_course(tmp_path / "c")
    for student in ("alice", "bob"):
        tc.submit(course, student, tc.GOOD)
    real = parallel.execute_job

    def flaky(job, slot, config, limits):
        if job.student == "bob":
            raise RuntimeError("simulated worker crash")
        return real(job, slot, config, limits)

    monkeypatch.setattr(parallel, "execute_job", flaky)
    report = autograde_parallel(course, [tc.SECTION], options=dict(FAST))
    assert [o.student for o in report.graded] == ["alice"]
    assert [o.student for o in report.failed] == ["bob"]
    g = tc.grades(course.db_url)
    assert g[("alice", tc.SECTION)][0] == 7.0
    assert not (course.autograded / "bob" / tc.SECTION).exists()


def test_engine_is_the_default_and_serial_is_stock(monkeypatch):
    """run_autograde converts the options once and gives both engines the same ordered list of
    (section, student) pairs: the submissions the pre-flight left to grade."""
    from sae_course.grading import parallel, preflight

    calls, summaries, runs = [], [], []
    monkeypatch.setattr(ag, "autograde_serial",
                        lambda course, todo, **k: calls.append(("serial", todo, None, k["run"])))
    monkeypatch.setattr(parallel, "autograde_parallel",
                        lambda *a, **k: calls.append(("parallel", k["todo"], k["options"], k["run"])))

    def check_all(*a, **k):
        runs.append(k["run"])
        return [("bob", "s"), ("alice", "s"), ("alice", "t")]

    monkeypatch.setattr(preflight, "check_all", check_all)
    monkeypatch.setattr(preflight, "summarize", lambda *a, **k: summaries.append(a))
    monkeypatch.delenv("SAE_COURSE_GRADING_RUN", raising=False)

    class FakeCourse:
        def submissions(self, sections, students=None):  # what has a folder, in order
            return [("s", "alice"), ("s", "bob"), ("s", "carol"), ("t", "alice")]

    course = FakeCourse()
    ag.run_autograde(course, ["s", "t"], options={"serial": True})
    ag.run_autograde(course, ["s", "t"], options=None)
    ag.run_autograde(course, ["s", "t"], options=EngineOptions(workers=3))
    assert [c[0] for c in calls] == ["serial", "parallel", "parallel"]
    assert all(c[1] == [("s", "alice"), ("s", "bob"), ("t", "alice")] for c in calls), calls
    assert isinstance(calls[1][2], EngineOptions) and calls[2][2].workers == 3
    assert len(summaries) == 3
    # One run id per run, handed to the pre-flight, the engine and the summary as a value:
    # no environment variable carries it.
    assert len(set(runs)) == 3 and all(runs), runs
    assert [c[3] for c in calls] == runs and [s[1] for s in summaries] == runs
    assert not any("GRADING_RUN" in k for k in os.environ)


def test_run_id_reaches_nbgrader_as_config(tmp_path, monkeypatch):
    """The run id is a config value: ``--GradingReport.run_id`` on stock nbgrader's command line,
    ``GradingReport.run_id`` in the engine's config, and the CSV rows the preprocessor writes
    carry it."""
    import nbformat
    from traitlets.config import Config

    from sae_course.grading import parallel
    from sae_course.grading.course import Course
    from sae_course.grading.preprocessors import issues
    from sae_course.grading.preprocessors.report import GradingReport

    args = []

    class FakeCourse:
        root = tmp_path
        submitted = tmp_path / "submitted"
        autograded = tmp_path / "autograded"

        def students(self):
            return ["alice", "bob"]

        def nbgrader(self, *a, **k):
            args.append(a)
            return type("P", (), {"returncode": 0})()

    for st in ("alice", "bob"):
        (tmp_path / "submitted" / st / "s").mkdir(parents=True)
    ag.autograde_serial(FakeCourse(), [("s", "alice")], run="r-1", log=lambda *a: None)
    assert args == [("autograde", "s", "--force", "--student=alice", "--GradingReport.run_id=r-1")], args

    (tmp_path / "nbgrader_config.py").write_text((tc.ROOT / "nbgrader_config.py").read_text())
    assert parallel.load_config(Course(tmp_path), "r-2").GradingReport.run_id == "r-2"

    nb = nbformat.v4.new_notebook()
    issues.add_issue(nb, "tampering", "you changed a test", review=False)
    cfg = Config()
    cfg.GradingReport.run_id = "r-3"
    cfg.CourseDirectory.root = str(tmp_path)
    GradingReport(config=cfg).preprocess(nb, {"nbgrader": {"student": "alice", "assignment": "s",
                                                           "notebook": "s", "db_url": ""}})
    rows = issues.read_rows(tmp_path)
    assert [(r["run"], r["student"], r["kind"]) for r in rows] == [("r-3", "alice", "tampering")], rows


def test_cli_flags_for_autograde_and_demo():
    p = build_parser()
    a = p.parse_args(["autograde", "00_toy_models", "--workers", "8", "--ray", "auto", "--no-sandbox",
                      "--cell-timeout", "30", "--notebook-timeout", "900", "--mem-limit-mb", "2048",
                      "--max-procs", "64", "--max-output-mb", "5", "--workers-per-gpu", "4"])
    o = EngineOptions.from_options(vars(a))
    assert (o.workers, o.ray, o.sandbox, o.workers_per_gpu) == (8, "auto", False, 4)
    assert (o.limits.cell_timeout, o.limits.notebook_timeout, o.limits.memory_mb, o.limits.max_procs,
            o.limits.max_output_mb) == (30, 900.0, 2048, 64, 5.0)
    d = p.parse_args(["demo", "--workers", "2", "--serial", "--cold"])
    assert d.workers == 2 and d.serial and EngineOptions.from_options(vars(d)).preload == ()
    from sae_course.cli import engine_options

    assert engine_options(d).serial and not engine_options(d).warm_setup  # --cold: no warm setup either
    assert EngineOptions.from_options(vars(p.parse_args(["autograde"]))).sandbox is True
    assert EngineOptions.from_options(vars(p.parse_args(["autograde", "--preload", "numpy, torch"]))).preload == (
        "numpy", "torch")


def test_default_workers_follow_cores_or_gpus(monkeypatch):
    from sae_course.grading import options

    monkeypatch.setattr(options, "gpu_count", lambda: 0)
    assert EngineOptions().resolved_workers() == len(os.sched_getaffinity(0))
    monkeypatch.setattr(options, "gpu_count", lambda: 2)
    assert EngineOptions(workers_per_gpu=3).resolved_workers() == 6
    assert EngineOptions(workers=5).resolved_workers() == 5


def test_warm_kernels_share_no_state_between_students(tmp_path):
    """Kernels forked from one warm template: preloaded modules are there, but what one
    student does to them is not visible to the next."""
    course = tc.make_course(tmp_path / "c")
    # A course cloned under /tmp has its venv and package mounted (read-only) inside the kernel's /tmp:
    # those top-level names are expected; anything else is a leftover.
    from sae_course.grading.sandbox import readonly_paths

    mounted = sorted({p.split("/")[2] for p in readonly_paths() if p.startswith("/tmp/")})
    for student in ("s1", "s2", "s3"):
        tc.submit_code_cells(course, student, [
            "import sys, numpy, os\nprint('preloaded' if 'numpy' in sys.modules else 'cold')\n"
            "print('leak' if hasattr(numpy, 'LEAK') else 'clean')\nnumpy.LEAK = 1\n"
            "print('files', sorted(os.listdir('.')))\n"
            f"print('tmp', sorted(set(os.listdir('/tmp')) - set({mounted!r})))\n"
            "open('/tmp/mark', 'w').write('x')\n"
            "open('mark.txt', 'w').write('x')\n"
            "print('rng', numpy.random.rand())\n"
            "import tqdm.auto, tqdm.notebook\n"  # as in a cold kernel: the widget, not text on stderr
            "print('tqdm', 'notebook' if issubclass(tqdm.auto.tqdm, tqdm.notebook.tqdm) else 'console')",
            "def add(a, b):\n    return a + b"])
    import glob
    import tempfile

    leftovers = lambda: set(glob.glob(os.path.join(tempfile.gettempdir(), "learn-*"))) | set(  # noqa: E731
        glob.glob(os.path.join(tempfile.gettempdir(), "sae-grade-*")))
    before = leftovers()
    report = autograde_parallel(course, [tc.SECTION], options={"workers": 1, "preload": "numpy,tqdm.auto"})
    assert len(report.graded) == 3
    assert leftovers() <= before, f"the engine left folders in /tmp: {leftovers() - before}"
    rngs = set()
    for student in ("s1", "s2", "s3"):
        text = "".join(o.get("text", "") for o in tc.cell_outputs(course, student)["add"])
        assert "preloaded" in text and "clean" in text, text
        assert "files ['data.txt']" in text, text  # only its own working copy, no notebook, no leftovers
        assert "tmp []" in text, text
        assert "tqdm notebook" in text, text
        rngs.add(text.split("rng")[1].split("tqdm")[0])
    assert len(rngs) == 3, "every kernel must get its own random state"


WARM_SETUP = """import math
import torch
from sae_course.config import seed_everything
from sae_course.zoo import load_model, load_sae, zoo_tokens
DATA = open('data.txt').read().strip()
seed_everything(0)
model = load_model(device=torch.device('cpu'))
sae = load_sae('resid_pre', 1, device='cpu')
toks = zoo_tokens(4, 16, split='val')
AFTER = [round(x, 6) for x in torch.rand(3).tolist()]"""


def test_warm_template_preloads_setup_loads_and_each_kernel_gets_its_own_copy(tmp_path):
    """The setup cell's load_model/load_sae/zoo_tokens come preloaded from the template (the
    mode line still prints), torch's generator ends where a fresh load leaves it, a student who
    changes the preloaded model's weights changes only their own kernel's, and a second
    load_model() in the same kernel is a fresh load, not the preloaded (possibly changed) one."""
    import nbformat

    course = tc.make_course(tmp_path / "c")
    src = course.notebook(tc.SECTION)
    nb = nbformat.read(str(src), as_version=4)
    nb.cells[1].source = WARM_SETUP
    nbformat.write(nb, str(src))
    course.nbgrader("generate_assignment", tc.SECTION, "--force")
    student_code = (
        "from sae_course.zoo import warm\n"
        "print('left', warm.preloaded())\n"
        "print('sum0', float(model.W_E.sum()), float(sae.W_enc.sum()), int(toks.sum()))\n"
        "print('after', AFTER)\n"
        "with torch.no_grad():\n    model.W_E.add_(1.0)\n    sae.W_enc.mul_(0)\n"
        "fresh = load_model(device='cpu')\n"
        "print('fresh', fresh is model, float(fresh.W_E.sum()))\n")
    for student in ("s1", "s2", "s3"):
        tc.submit_code_cells(course, student, [student_code, "def add(a, b):\n    return a + b"])
    report = autograde_parallel(course, [tc.SECTION], options={"workers": 1, "preload": "torch"})
    assert len(report.graded) == 3, report.failed

    # What a cold interpreter gets from the same setup.
    import torch

    from sae_course.config import seed_everything
    from sae_course.zoo import load_model, load_sae, zoo_tokens

    seed_everything(0)
    model = load_model(device=torch.device("cpu"))
    sae = load_sae("resid_pre", 1, device="cpu")
    toks = zoo_tokens(4, 16, split="val")
    after = [round(x, 6) for x in torch.rand(3).tolist()]
    sum0 = f"sum0 {float(model.W_E.sum())} {float(sae.W_enc.sum())} {int(toks.sum())}"
    for student in ("s1", "s2", "s3"):
        outs = tc.cell_outputs(course, student)
        setup_text = "".join(o.get("text", "") for o in outs["setup"])
        assert "mode=zoo model=zoo-lm" in setup_text and "loaded in 0.0s" in setup_text, setup_text
        assert "mode=zoo sae=resid_pre layer=1" in setup_text, setup_text
        text = "".join(o.get("text", "") for o in outs["add"])
        assert "left {}" in text, f"the setup cell did not take every preloaded object: {text}"
        assert sum0 in text, f"a kernel did not see the original weights: {text}"
        assert f"after {after}" in text, f"torch's generator differs from a fresh load's: {text}"
        assert f"fresh False {float(model.W_E.sum())}" in text, text
