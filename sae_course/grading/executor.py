"""One worker's job: execute one student's sanitized notebook(s) in a sandboxed warm kernel.

This is nbgrader's own ``Execute`` preprocessor (same configuration, same timeouts, same
error handling), by way of the course's ``GuardedExecute`` (``preprocessors/execute_guard.py``,
what the serial path runs), with these changes, all about hostile or broken submissions:

* the kernel comes from the slot's warm template (``warm_kernel.py``) inside the slot's
  sandbox (``sandbox.py``), through a jupyter_client provisioner over the ``ipc`` transport;
* as in ``GuardedExecute``, a cell that kills the kernel (crash, ``os._exit``, out of memory)
  or keeps it busy after the interrupt at its time limit (signals ignored, a loop in C) costs
  that cell only: the kernel is killed, a fresh one runs the notebook again with that cell
  skipped, and the cell gets a ``KernelDied`` / ``KernelHung`` error (0 if it is graded);
* a notebook that runs past its wall-time limit is stopped: the cell gets a ``NotebookTimeout``
  error and every later cell a ``CellNotRun`` error, so the student scores what ran and the
  grades say why; a watchdog kills the kernel if even that does not stop it;
* output is capped per cell and per notebook while it streams in (``GuardedExecute.output``);
  what decides a grade (errors, stderr, results, the integrity reports) is never dropped.

Nothing here touches the gradebook: the worker returns the executed notebooks, and the single
writer (``parallel.py``) saves the grades.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from traitlets import Float, Instance, Unicode

from nbgrader.preprocessors import Execute
from nbgrader.preprocessors.execute import UnresponsiveKernelError

from .preprocessors import issues
from .preprocessors.execute_guard import (CELL_NOT_RUN, KERNEL_DIED, KERNEL_HUNG, NOTEBOOK_TIMEOUT, GuardedExecute,
                                          error_output)
from .sandbox import Limits, Sandbox, SlotDirs
from .warm_kernel import DEFAULT_PRELOAD, TemplateError, WarmTemplate


# ------------------------------------------------------------------------------------------
# A worker slot: its folders, its sandbox and its warm template
# ------------------------------------------------------------------------------------------

class Slot:
    """One worker slot; runs one kernel at a time."""

    def __init__(self, index: int, scratch: Path, sandbox: bool = True, preload=DEFAULT_PRELOAD,
                 env: dict[str, str] | None = None, gpu: bool = False, log=None, setup=()):
        self.index = index
        scratch.mkdir(parents=True, exist_ok=True)
        os.chmod(scratch, 0o711)  # the slot uids must reach their own folders (mkdtemp makes 0700)
        self.dirs = SlotDirs(scratch / f"slot-{index}")
        self.box = Sandbox.for_slot(index, scratch, enabled=sandbox)
        self.dirs.create(self.box.uid)
        self.preload = tuple(preload)
        self.setup = tuple(setup)  # the sections' setup cells, whose loads the template preloads
        self.env = dict(env or {})
        self.gpu = gpu
        self.log = log or (lambda *a: None)
        self.template: WarmTemplate | None = None
        self.current_job: str | None = None
        self.closed = False
        self.template_wait = 0.0  # seconds kernels waited for the template to finish importing

    def ensure_template(self) -> WarmTemplate:
        if self.closed:
            raise TemplateError("grading was stopped")
        if self.template is None or not self.template.alive():
            if self.template is not None:
                self.log(f"[grade] slot {self.index}: warm template stopped; starting a new one")
                self.template.close()
            self.template = WarmTemplate(self.dirs, self.box, self.preload, self.env, log=self.log, setup=self.setup)
            self.template.start()
        return self.template

    def reset(self) -> None:
        self.dirs.wipe(self.box.uid, keep_in_tmp=self.box.tmp_mounts())

    def prepare_workdir(self, files: dict[str, bytes]) -> None:
        """Empty the slot's writable folders ($HOME, /tmp, the working copy) and put the submission's
        files back: before each kernel of a notebook, so a restarted kernel starts as clean as the
        first (no IPython startup files or modules left by the kernel before it)."""
        self.reset()
        for rel, data in files.items():
            p = self.dirs.work / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        if self.box.uid is not None:
            for dirpath, dirnames, filenames in os.walk(self.dirs.work):
                for n in dirnames + filenames:
                    os.chown(os.path.join(dirpath, n), self.box.uid, self.box.uid)

    def kill(self, job: str | None = None, wait: float = 0.0) -> None:
        """The one way a kernel is killed: SIGKILL to the job's process (``job``: the current one by
        default; the PID namespace takes everything it started), waiting up to ``wait`` seconds for
        the template to report its exit."""
        job = job or self.current_job
        if self.template is None or not job:
            return
        self.template.kill(job)
        if wait:
            self.template.wait_exit(job, wait)
            self.template.forget(job)

    def stop_template(self) -> None:
        if self.template is not None:
            self.template.close()
            self.template = None

    def close(self) -> None:
        self.closed = True
        self.stop_template()


# ------------------------------------------------------------------------------------------
# jupyter_client plumbing: a provisioner that asks the template for a kernel
# ------------------------------------------------------------------------------------------

class WarmSandboxProvisioner(LocalProvisioner):
    """Launches the kernel by forking it from the slot's warm template."""

    slot = Instance(Slot, allow_none=True)
    job = Unicode("")
    limits = Instance(Limits, args=())

    async def pre_launch(self, **kwargs):
        km = self.parent
        km.transport = "ipc"
        km.ip = str(self.slot.dirs.run / "kernel")
        km.connection_file = str(self.slot.dirs.host / "kernel.json")
        return await super().pre_launch(**kwargs)

    async def launch_kernel(self, cmd, **kwargs):
        slot = self.slot
        template = slot.ensure_template()
        t0 = time.monotonic()
        info = template.wait_ready()
        slot.template_wait += time.monotonic() - t0  # one-off: the template's own start
        # The kernel's copy of the connection file names its sockets as the sandbox shows them.
        ci = dict(self.connection_info)
        for k, v in list(ci.items()):
            if isinstance(v, bytes):
                ci[k] = v.decode()
        ci["ip"] = template.inside(slot.dirs.run / "kernel")
        inner = slot.dirs.run / "kernel.json"
        inner.write_text(json.dumps(ci))
        os.chmod(inner, 0o644)
        if slot.box.uid is not None:
            os.chown(inner, slot.box.uid, slot.box.uid)
        # Kernel arguments after "-f {connection_file}" (e.g. the history file) go along.
        argv = list(cmd)
        extra = argv[argv.index("-f") + 2:] if "-f" in argv else []
        self.job = uuid.uuid4().hex
        slot.current_job = self.job
        rlimits = self.limits.rlimits(int(info.get("vm_size", 0)), gpu=slot.gpu)
        template.spawn(self.job, template.inside(inner), extra, rlimits,
                       log=template.inside(slot.dirs.run / "kernel.log"), cwd=template.inside(slot.dirs.work))
        self.pid = -1
        return self.connection_info

    @property
    def has_process(self) -> bool:
        return bool(self.job)

    async def poll(self):
        if not self.job:
            return 0
        return self.slot.template.poll(self.job) if self.slot.template else 0

    async def wait(self):
        import asyncio

        while await self.poll() is None:
            await asyncio.sleep(0.05)
        ret = await self.poll()
        if self.slot.template:
            self.slot.template.forget(self.job)
        self.job = ""
        return ret

    async def send_signal(self, signum: int) -> None:
        if self.job and self.slot.template:
            self.slot.template.signal(self.job, signum)

    async def kill(self, restart: bool = False) -> None:
        if self.job:
            self.slot.kill(self.job)

    async def terminate(self, restart: bool = False) -> None:
        await self.kill(restart)

    async def cleanup(self, restart: bool = False) -> None:
        return None

    def get_shutdown_wait_time(self, recommended: float = 5.0) -> float:
        return 1.0


class FastReadyClient(AsyncKernelClient):
    """``wait_for_ready`` without jupyter_client's fixed 0.2 s IOPub flush at the end: a warm
    kernel answers in milliseconds, and nbclient ignores IOPub messages of other requests."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        abs_timeout = time.monotonic() + (timeout if timeout is not None else float("inf"))
        while True:
            self.kernel_info()
            try:
                msg = await self.shell_channel.get_msg(timeout=0.5)
            except Empty:
                msg = None
            if msg is not None and msg["msg_type"] == "kernel_info_reply":
                try:  # IOPub is connected once the kernel's status messages come through
                    await self.iopub_channel.get_msg(timeout=0.5)
                except Empty:
                    continue
                self._handle_kernel_info_reply(msg)
                break
            if not await self._async_is_alive():
                raise RuntimeError("the kernel died before it answered kernel_info")
            if time.monotonic() > abs_timeout:
                raise RuntimeError(f"the kernel did not answer kernel_info in {timeout} s")
        while True:
            try:
                await self.iopub_channel.get_msg(timeout=0)
            except Empty:
                break


class WarmSandboxKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose kernels come from a slot's warm template."""

    slot = Instance(Slot, allow_none=True)
    limits = Instance(Limits, args=())

    def __init__(self, **kw):
        super().__init__(**kw)
        self.kernel_name = "python3"
        self._kernel_spec = KernelSpec(
            argv=["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name="Python 3 (warm sandbox)", language="python", interrupt_mode="signal")
        self.cache_ports = False
        self.client_class = "sae_course.grading.executor.FastReadyClient"

    async def _async_pre_start_kernel(self, **kw):
        if self.provisioner is None:
            self.provisioner = WarmSandboxProvisioner(kernel_id=self.kernel_id or uuid.uuid4().hex,
                                                      kernel_spec=self._kernel_spec, parent=self,
                                                      slot=self.slot, limits=self.limits)
        return await super()._async_pre_start_kernel(**kw)


# ------------------------------------------------------------------------------------------
# nbgrader's Execute, made robust to hostile notebooks
# ------------------------------------------------------------------------------------------

class SandboxedExecute(GuardedExecute):
    """nbgrader's ``Execute`` (as ``GuardedExecute``) on a warm sandboxed kernel, with a notebook deadline."""

    notebook_timeout = Float(3600.0, help="seconds a whole notebook may run").tag(config=True)

    def __init__(self, *, slot: Slot, limits: Limits, files: dict[str, bytes] | None = None, **kw):
        super().__init__(**kw)
        # Limits arrive through the config (see ``limits_config``): nbconvert re-runs the
        # traitlets constructor in ``preprocess``, which would undo plain assignments.
        self.slot = slot
        self.limits = limits
        self.files = dict(files or {})

    def _kernel_env(self):
        return None  # the sandbox gives every kernel its own environment (sandbox.py)

    def _restore_workdir(self, resources) -> None:
        self.slot.prepare_workdir(self.files)

    def create_kernel_manager(self):
        self.km = WarmSandboxKernelManager(slot=self.slot, limits=self.limits, config=self.config)
        return self.km

    def preprocess(self, nb, resources=None, km=None):
        self._deadline = time.monotonic() + self.notebook_timeout
        self._dead: str | None = None
        self.cell_seconds = 0.0
        self.messages: list[str] = []
        # Watchdog: a kernel that ignores interrupts is killed at the notebook deadline.
        stop = threading.Event()

        def watchdog():
            if not stop.wait(self.notebook_timeout + 10):
                self._dead = self._dead or f"the notebook ran past its {self.notebook_timeout:g} s limit"
                self.slot.kill()

        wd = threading.Thread(target=watchdog, daemon=True)
        wd.start()
        try:
            nb, resources = super().preprocess(nb, resources, km)
        finally:
            stop.set()
            self.slot.current_job = None
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error" and out.get("ename") in (KERNEL_DIED, KERNEL_HUNG):
                    self.messages.append(f"{issues.cell_label(cell)}: {out['ename']}")
        if self.truncated_cells:
            self.messages.append("output truncated")
        return nb, resources

    async def _async_cleanup_kernel(self) -> None:
        """Kill the kernel at once (the template reports its exit within milliseconds) instead
        of jupyter_client's interrupt, shutdown request and 0.1 s polling."""
        km = self.km
        try:
            prov = getattr(km, "provisioner", None)
            if prov is not None and prov.job:
                self.slot.kill(prov.job, wait=10)
                prov.job = ""
        finally:
            if km is not None:
                await km.cleanup_resources()
            if getattr(self, "kc", None) is not None:
                self.kc.stop_channels()
                self.kc = None
            self.km = None

    # nbclient's synchronous path (what nbconvert's preprocess uses) calls this wrapper, which it
    # built from *its* coroutine at class creation: rebuild it from ours.
    _cleanup_kernel = run_sync(_async_cleanup_kernel)

    def _get_timeout(self, cell):
        t = super()._get_timeout(cell)
        left = max(1, int(self._deadline - time.monotonic()) + 1)
        return left if t is None else min(t, left)

    def _kill_kernel(self) -> None:
        prov = getattr(self.km, "provisioner", None) if self.km is not None else None
        if prov is not None and prov.job:
            self.slot.kill(prov.job)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        if self._dead:
            cell.outputs = [error_output(CELL_NOT_RUN, f"not run: {self._dead}")]
            return cell, resources
        if time.monotonic() >= self._deadline:
            self._dead = f"the notebook ran past its {self.notebook_timeout:g} s limit"
            self.messages.append(self._dead)
            cell.outputs = [error_output(NOTEBOOK_TIMEOUT, self._dead)]
            return cell, resources
        t0 = time.monotonic()
        try:
            return super().preprocess_cell(cell, resources, index)
        except (CellTimeoutError, UnresponsiveKernelError):
            # The interrupt at the cell's time limit did not stop it (signals ignored, a loop in C
            # code): kill the kernel. GuardedExecute then runs the notebook again on a fresh
            # kernel with this cell skipped, unless the notebook is out of time.
            self._kill_kernel()
            if time.monotonic() < self._deadline - 1:
                raise
            self._dead = f"the notebook ran past its {self.notebook_timeout:g} s limit"
            self.messages.append(f"cell {index}: ignored the interrupt at the notebook's time limit")
            cell.outputs = list(cell.get("outputs", [])) + [error_output(
                KERNEL_HUNG, "this cell ran past the time limit and ignored the interrupt; the kernel was stopped")]
            return cell, resources
        except DeadKernelError:
            if not self._dead:
                prov = getattr(self.km, "provisioner", None) if self.km is not None else None
                code = self.slot.template.poll(prov.job) if prov is not None and prov.job and self.slot.template else None
                self.death_detail = _death_reason(code)
                raise  # GuardedExecute: a fresh kernel, this cell skipped
            self.messages.append(f"cell {index}: {self._dead}")
            cell.outputs = list(cell.get("outputs", [])) + [error_output(NOTEBOOK_TIMEOUT, self._dead)]
            return cell, resources
        finally:
            self.cell_seconds += time.monotonic() - t0


def limits_config(limits: Limits) -> dict:
    """Traitlets config for SandboxedExecute from the limits (overrides Execute's settings)."""
    c = {"notebook_timeout": float(limits.notebook_timeout),
         "max_notebook_output_chars": int(limits.max_output_mb * (1 << 20)),
         # the sandbox is thrown away afterwards: no graceful shutdown to wait for
         "shutdown_kernel": "immediate"}
    if limits.cell_timeout is not None:
        c["timeout"] = int(limits.cell_timeout)
    return {"SandboxedExecute": c}


def _death_reason(code) -> str:
    if code is None:
        return "it stopped answering"
    if code == 0:
        return "it exited (exit() or sys.exit in a subprocess?)"
    if code > 128:
        import signal as _s

        try:
            name = _s.Signals(code - 128).name
        except ValueError:
            name = f"signal {code - 128}"
        hint = {"SIGKILL": "killed: out of memory, or over a limit", "SIGSEGV": "crashed",
                "SIGABRT": "aborted", "SIGXCPU": "CPU time limit"}.get(name, "")
        return f"{name}{': ' + hint if hint else ''}"
    return f"exit code {code}"


# ------------------------------------------------------------------------------------------
# The job a worker runs
# ------------------------------------------------------------------------------------------

@dataclass
class GradingJob:
    """What a worker needs to grade one student's section: no path of the course, no gradebook."""

    job_id: int
    section: str
    student: str
    notebooks: list[tuple[str, str]]  # (notebook name, sanitized notebook JSON)
    files: dict[str, bytes] = field(default_factory=dict)  # other files of the working copy
    pre_save: list[str] = field(default_factory=list)  # preprocessor classes up to SaveAutoGrades


@dataclass
class JobResult:
    job_id: int
    notebooks: list[tuple[str, str]] = field(default_factory=list)  # executed notebook JSON
    error: str | None = None  # the grading machinery failed (not the student's code)
    messages: list[str] = field(default_factory=list)
    cell_seconds: float = 0.0
    wall_seconds: float = 0.0
    template_seconds: float = 0.0  # of wall_seconds, waiting for the slot's template to start
    worker: str = ""


def _import(path: str):
    from traitlets.utils.importstring import import_item

    return import_item(path)


def execute_job(job: GradingJob, slot: Slot, config, limits: Limits) -> JobResult:
    """Run the pre-save part of nbgrader's autograde pipeline on ``job`` in ``slot``."""
    import nbformat
    from nbconvert.exporters import NotebookExporter
    from traitlets.config import Config

    t0 = time.monotonic()
    waited0 = slot.template_wait
    res = JobResult(job.job_id, worker=f"{os.uname().nodename}/slot-{slot.index}")
    cfg = Config(config)
    cfg.merge(Config({"Exporter": {"default_preprocessors": []}}))
    cfg.merge(Config(limits_config(limits)))
    last_error = None
    for attempt in range(2):  # one retry if the template itself failed
        try:
            res.notebooks, res.messages, res.cell_seconds = [], [], 0.0
            t_wait = time.monotonic()
            slot.ensure_template().wait_ready()  # before the reset: the template starts in its folders
            slot.template_wait += time.monotonic() - t_wait
            for name, text in job.notebooks:
                slot.prepare_workdir(job.files)
                nb = nbformat.reads(text, as_version=4)
                exporter = NotebookExporter(config=cfg)
                ex = None
                for path in job.pre_save:
                    cls = _import(path)
                    if issubclass(cls, Execute):
                        ex = SandboxedExecute(parent=exporter, slot=slot, limits=limits, files=job.files)
                        exporter.register_preprocessor(ex)
                    else:
                        exporter.register_preprocessor(cls)
                resources = {"metadata": {"path": str(slot.dirs.work), "name": name},
                             "unique_key": name, "output_files_dir": f"{name}_files",
                             "nbgrader": {"student": job.student, "assignment": job.section, "notebook": name}}
                output, _ = exporter.from_notebook_node(nb, resources)
                res.notebooks.append((name, output))
                if ex is not None:
                    res.cell_seconds += ex.cell_seconds
                    res.messages += ex.messages
            last_error = None
            break
        except TemplateError as e:
            last_error = f"warm kernel template: {e}"
            if slot.closed:
                break
            slot.stop_template()
        except Exception as e:  # noqa: BLE001 - reported to the writer, which logs it like nbgrader
            import traceback

            last_error = f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=5)}"
            break
    res.error = last_error
    try:
        slot.reset()
    except OSError:
        pass
    res.wall_seconds = time.monotonic() - t0
    res.template_seconds = slot.template_wait - waited0
    return res
