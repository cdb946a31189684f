"""Parallel, sandboxed autograding: the scheduler and the single gradebook writer.

Stock ``nbgrader autograde`` does, for each submission, (1) bookkeeping in the gradebook
(student, submission, timestamp) and a copy of the files, (2) a *sanitizing* pass over each
notebook (ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata),
(3) an *autograding* pass (Execute, IgnorePattern, ClearMetadata, LimitOutput, then
SaveAutoGrades, AssignLatePenalties, CheckCellMetadata) and writes ``autograded/``.

Here the same nbgrader converter, configured by the course's ``nbgrader_config.py``, does
steps (1), (2) and the grade-saving end of (3) in this process — the **single writer**, the
only code that touches the gradebook — while the expensive middle (Execute ... LimitOutput,
i.e. running the student's code) runs on many workers at once, each in its own sandbox with a
warm kernel (``executor.py``), locally or on a Ray cluster (``ray_backend.py``). Workers get
the sanitized notebook and the working copy's files and return the executed notebook: no
course path, no gradebook. So the grades are those stock nbgrader would give, submissions are
graded many at a time, and a failure of one submission never loses another's grades.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import queue
import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from .course import Course, CourseError
from .executor import GradingJob, JobResult, Slot, execute_job
from .options import EngineOptions, Submission
from .sandbox import force_rmtree, check_sandbox, gpu_count


def setup_cells(course: Course, sections: list[str]) -> list[str]:
    """The code every notebook of these sections runs before the student's first answer: the
    locked, ungraded code cells above the first answer cell of each release notebook (course
    code; what a warm template may run ahead, see ``warm_kernel._Template.warm_setup``)."""
    import nbformat

    out = []
    for section in sections:
        path = course.notebook(section, "release")
        if not path.is_file():
            continue
        for cell in nbformat.read(str(path), as_version=4).cells:
            md = cell.get("metadata", {}).get("nbgrader", {})
            if md.get("solution") or md.get("grade"):
                break
            if cell.cell_type == "code" and md.get("locked") and cell.source.strip():
                out.append(cell.source)
    return out


def load_config(course: Course, run: str = ""):
    """The course's nbgrader configuration, as ``nbgrader autograde`` would load it (``run``: the
    grading run's id, ``GradingReport.run_id``)."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    cfg = Config()
    path = course.root / "nbgrader_config.py"
    if path.is_file():
        cfg.merge(PyFileConfigLoader(path.name, path=str(course.root)).load_config())
    cfg.CourseDirectory.root = str(course.root)
    cfg.CourseDirectory.db_url = course.db_url
    cfg.Autograde.force = True  # like `nbgrader autograde --force` (autograde_serial's flags)
    if run:
        cfg.GradingReport.run_id = run
    return cfg


# ------------------------------------------------------------------------------------------
# The single writer: nbgrader's Autograde converter, split around the Execute step
# ------------------------------------------------------------------------------------------

@dataclass
class Outcome:
    section: str
    student: str
    ok: bool
    messages: list[str] = field(default_factory=list)
    error: str | None = None
    wall_seconds: float = 0.0  # the worker's time for this job (kernel start to teardown)
    cell_seconds: float = 0.0  # of which the student's cells ran
    template_seconds: float = 0.0  # of which it waited for its slot's warm template to start
    latency_seconds: float = 0.0  # from the job's preparation to its grades being saved


class GradebookWriter:
    """Prepares jobs and saves their grades, in this process only (one gradebook connection
    at a time, like stock nbgrader). ``prepare`` and ``finish`` are nbgrader's own code."""

    def __init__(self, course: Course, config, log=print, run: str = ""):
        from nbconvert.writers import FilesWriter
        from nbgrader.converters import Autograde
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.preprocessors import SaveAutoGrades

        import warnings

        from sqlalchemy.exc import SAWarning

        # nbgrader's own autoflush chatter (stock nbgrader prints it to its log too)
        warnings.filterwarnings("ignore", category=SAWarning, module=r"nbgrader\..*")
        self.course = course
        self.log = log
        self.run = run
        self.coursedir = CourseDirectory(config=config)
        self.conv = Autograde(coursedir=self.coursedir, config=config)
        self.conv.writer = FilesWriter(parent=self.conv, config=self.conv.config)
        self.conv.exporter = self.conv.exporter_class(parent=self.conv, config=self.conv.config)
        pps = list(self.conv.autograde_preprocessors)
        cut = next((i for i, p in enumerate(pps) if _cls(p) is SaveAutoGrades or
                    (isinstance(_cls(p), type) and issubclass(_cls(p), SaveAutoGrades))), len(pps))
        self.pre_save = [_qualname(p) for p in pps[:cut]]  # run by the workers
        self.post_save = pps[cut:]  # run here

    def _dest(self, section: str, student: str) -> Path:
        return Path(self.coursedir.format_path(self.coursedir.autograded_directory, student, section))

    def _fail(self, section: str, student: str, error: str) -> Outcome:
        dest = self._dest(section, student)
        if dest.exists():
            self.log(f"[grade] removing failed submission {dest}")
            shutil.rmtree(dest, ignore_errors=True)
        self.log(f"[grade] ERROR {section}/{student}: {error.strip().splitlines()[0] if error.strip() else error}")
        from .preflight import grading_failed

        grading_failed(self.course, student, section, error, self.log, run=self.run)
        return Outcome(section, student, False, error=error)

    def prepare(self, section: str, student: str, job_id: int) -> GradingJob | Outcome | None:
        """Gradebook bookkeeping and the sanitizing pass; None when there is nothing to grade."""
        from nbgrader.converters.base import BaseConverter, NbGraderException

        conv, cd = self.conv, self.coursedir
        cd.assignment_id, cd.student_id = section, student
        try:
            conv.init_notebooks()
        except NbGraderException:
            return None
        for assignment in sorted(conv.assignments):
            conv.notebooks = sorted(conv.assignments[assignment])
            try:
                if not conv.init_destination(section, student):
                    return None
                conv.run_pre_convert_hook()
                conv.init_assignment(section, student)
                notebooks = []
                for nb_path in conv.notebooks:
                    conv._sanitizing = True
                    conv._init_preprocessors()
                    BaseConverter.convert_single_notebook(conv, nb_path)
                    name = os.path.splitext(os.path.basename(nb_path))[0]
                    notebooks.append((name, (self._dest(section, student) / f"{name}.ipynb").read_text()))
                dest = self._dest(section, student)
                files = {}
                for p in sorted(dest.rglob("*")):
                    if p.is_file() and p.suffix != ".ipynb":
                        files[str(p.relative_to(dest))] = p.read_bytes()
                return GradingJob(job_id, section, student, notebooks, files, list(self.pre_save))
            except Exception as e:  # noqa: BLE001 - like nbgrader: this submission fails, others go on
                import traceback

                return self._fail(section, student, f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}")
            finally:
                conv._sanitizing = True
        return None

    def finish(self, job: GradingJob, result: JobResult) -> Outcome:
        """Save the grades of an executed job: SaveAutoGrades and what follows it in nbgrader."""
        import nbformat

        if result.error:
            out = self._fail(job.section, job.student, result.error)
            out.wall_seconds = result.wall_seconds
            return out
        conv = self.conv
        try:
            conv._sanitizing = False
            conv.exporter._preprocessors = []
            for pp in self.post_save:
                conv.exporter.register_preprocessor(pp)
            dest = self._dest(job.section, job.student)
            for name, text in result.notebooks:
                resources = conv.init_single_notebook_resources(str(dest / f"{name}.ipynb"))
                resources["metadata"] = {"name": name, "path": str(dest)}
                nb = nbformat.reads(text, as_version=4)
                output, resources = conv.exporter.from_notebook_node(nb, resources=resources)
                conv.write_single_notebook(output, resources)
            conv.set_permissions(job.section, job.student)
            conv.run_post_convert_hook()
        except Exception as e:  # noqa: BLE001
            import traceback

            return self._fail(job.section, job.student, f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}")
        finally:
            conv._sanitizing = True
        return Outcome(job.section, job.student, True, list(result.messages),
                       wall_seconds=result.wall_seconds, cell_seconds=result.cell_seconds,
                       template_seconds=result.template_seconds)


def _cls(p):
    if isinstance(p, str):
        from traitlets.utils.importstring import import_item

        return import_item(p)
    return p if isinstance(p, type) else type(p)


def _qualname(p) -> str:
    c = _cls(p)
    return f"{c.__module__}.{c.__qualname__}"


# ------------------------------------------------------------------------------------------
# Backends: local worker threads (each with its slot) or Ray
# ------------------------------------------------------------------------------------------

class LocalBackend:
    """``workers`` slots on this machine; a thread per slot drives its kernel (the kernels,
    not the threads, do the work)."""

    name = "local"

    def __init__(self, workers: int, scratch: Path, opts: EngineOptions, config, log=print):
        self.config = config
        self.limits = opts.limits
        gpus = gpu_count()
        visible = [v.strip() for v in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if v.strip()]
        threads = max(1, len(os.sched_getaffinity(0)) // workers)
        self.slots: queue.Queue[Slot] = queue.Queue()
        self.all: list[Slot] = []
        for i in range(workers):
            env = {}
            if "OMP_NUM_THREADS" not in os.environ:
                env["OMP_NUM_THREADS"] = str(threads)
            if gpus:
                env["CUDA_VISIBLE_DEVICES"] = visible[i % gpus] if visible else str(i % gpus)
            slot = Slot(i, scratch, sandbox=opts.sandbox, preload=opts.preload, env=env, gpu=bool(gpus), log=log,
                        setup=opts.setup)
            slot.ensure_template()  # all templates import at the same time
            self.all.append(slot)
            self.slots.put(slot)
        self.pool = cf.ThreadPoolExecutor(workers, thread_name_prefix="grade-worker")

    def submit(self, job: GradingJob):
        return self.pool.submit(self._run, job)

    def _run(self, job: GradingJob) -> JobResult:
        slot = self.slots.get()
        try:
            return execute_job(job, slot, self.config, self.limits)
        finally:
            self.slots.put(slot)

    def wait(self, handles, timeout: float | None = None):
        done, _ = cf.wait(list(handles), timeout=timeout, return_when=cf.FIRST_COMPLETED)
        out = []
        for f in done:
            try:
                out.append((f, f.result()))
            except Exception as e:  # noqa: BLE001
                out.append((f, JobResult(-1, error=f"worker failed: {type(e).__name__}: {e}")))
        return out

    def close(self) -> None:
        # Normally every job is done by now; on Ctrl-C, stopping the templates kills the running
        # kernels, so the workers finish at once instead of running their notebooks to the end.
        self.pool.shutdown(wait=False, cancel_futures=True)
        for s in self.all:
            s.close()
        self.pool.shutdown(wait=True)


# ------------------------------------------------------------------------------------------
# The command
# ------------------------------------------------------------------------------------------

@dataclass
class EngineReport:
    outcomes: list[Outcome]
    wall_seconds: float
    workers: int
    backend: str
    sandbox: bool
    preload: tuple[str, ...]

    @property
    def graded(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


def grade_all(pairs: list[Submission], writer: GradebookWriter, backend, workers: int, log=print) -> list[Outcome]:
    """The scheduler: the writer prepares jobs in order, keeping up to two per worker in flight,
    and saves each one's grades as soon as its worker returns it."""
    outcomes: list[Outcome] = []
    todo = iter(enumerate(pairs))
    inflight: dict = {}
    started: dict = {}
    exhausted = False
    while True:
        while not exhausted and len(inflight) < 2 * workers:
            nxt = next(todo, None)
            if nxt is None:
                exhausted = True
                break
            i, (section, student) = nxt
            t_prep = time.monotonic()
            job = writer.prepare(section, student, i)
            if job is None:
                continue
            if isinstance(job, Outcome):
                outcomes.append(job)
                continue
            h = backend.submit(job)
            inflight[h] = job
            started[h] = t_prep
        if not inflight:
            return outcomes
        for h, result in backend.wait(inflight, timeout=None):
            job = inflight.pop(h)
            out = writer.finish(job, result)
            out.latency_seconds = time.monotonic() - started.pop(h)
            outcomes.append(out)
            extra = f" — {'; '.join(out.messages)}" if out.messages else ""
            if out.ok:
                wait = (f", waited {out.template_seconds:.1f} s for the warm template to start"
                        if out.template_seconds >= 0.05 else "")
                log(f"[grade] {job.section}/{job.student}: graded in {out.wall_seconds:.2f} s "
                    f"(cells {out.cell_seconds:.2f} s{wait}){extra}")


def autograde_parallel(course: Course, sections: list[str], students: list[str] | None = None,
                       options: EngineOptions | dict | None = None, log=print, *,
                       todo: list[Submission] | None = None, run: str = "") -> EngineReport:
    """Grade submissions with the parallel, sandboxed engine: ``todo``, the ordered (section,
    student) pairs to grade (``run_autograde`` passes the pre-flight's), or else every submission
    of ``sections`` (of ``students``). ``run``: the grading run's id (a new one if empty), in the
    run column of the grading issues this run reports."""
    from .preprocessors import issues

    opts = EngineOptions.coerce(options)
    t0 = time.monotonic()
    (course.root / "gradebook").mkdir(exist_ok=True)
    scratch = Path(opts.scratch) if opts.scratch else Path(tempfile.mkdtemp(prefix="sae-grade-"))
    scratch.mkdir(parents=True, exist_ok=True)
    backend = None
    outcomes: list[Outcome] = []
    try:
        if opts.sandbox:
            check_sandbox(scratch)
        else:
            log("[grade] WARNING: --no-sandbox: student code runs UNISOLATED, with this user's permissions")
        pairs = list(todo) if todo is not None else course.submissions(sections, students)
        if not pairs:
            log("[grade] nothing to grade")
            return EngineReport([], 0.0, 0, "none", opts.sandbox, opts.preload)
        run = run or issues.new_run_id()
        config = load_config(course, run)
        writer = GradebookWriter(course, config, log, run=run)
        if opts.warm_setup and not opts.setup:
            opts = replace(opts, setup=tuple(setup_cells(course, sorted({sec for sec, _ in pairs}))))
        workers = min(opts.resolved_workers(), len(pairs))
        if opts.ray:
            from .ray_backend import RayBackend

            backend = RayBackend(opts, config, log)
            workers = backend.capacity
        else:
            backend = LocalBackend(workers, scratch, opts, config, log)
        log(f"[grade] {len(pairs)} submission(s), {workers} worker(s) ({backend.name}), "
            f"sandbox {'on' if opts.sandbox else 'OFF'}, warm imports: {', '.join(opts.preload) or 'none'}")
        outcomes = grade_all(pairs, writer, backend, workers, log)
    finally:
        if backend is not None:
            backend.close()
        if not opts.scratch:
            force_rmtree(scratch)
    report = EngineReport(outcomes, time.monotonic() - t0, workers, backend.name if backend else "none",
                           opts.sandbox, opts.preload)
    n = len(report.graded)
    log(f"[grade] {n} notebook(s) graded, {len(report.failed)} failed, in {report.wall_seconds:.1f} s "
        f"({n / report.wall_seconds if report.wall_seconds else 0:.2f}/s)")
    for o in report.failed:
        log(f"[grade] FAILED {o.section}/{o.student}: {(o.error or '').strip().splitlines()[0] if o.error else ''}")
    return report


__all__ = ["EngineOptions", "GradebookWriter", "EngineReport", "LocalBackend", "autograde_parallel",
           "load_config", "setup_cells", "CourseError"]
