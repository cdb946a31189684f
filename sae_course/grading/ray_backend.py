"""Scale-out on a Ray cluster: the same jobs, executed by Ray tasks instead of local threads.

``sae-course autograde --ray ADDRESS`` connects to a running cluster (``auto``: the one this
machine belongs to; ``ray://head:10001`` or ``head:6379``); ``--ray local`` starts a private
local instance (what CI tests). Each task asks for one CPU and, where the cluster has GPUs,
``1/workers_per_gpu`` of a GPU, so Ray packs that many graders on each GPU and sets
``CUDA_VISIBLE_DEVICES`` for them.

A task receives a self-contained :class:`GradingJob` (sanitized notebooks and files, no course
path) and returns the executed notebooks; grades are still saved by the single writer on the
machine that runs the command. Each Ray worker process keeps one sandboxed warm template
(started by its first task) for the tasks it runs after that: the cluster's nodes need the
same virtualenv (and ``bubblewrap``) at the same path as the grader's machine.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .executor import GradingJob, JobResult, Slot, execute_job

_SLOT: Slot | None = None  # this Ray worker process's slot (one kernel at a time per process)


def _worker_slot(sandbox: bool, preload: tuple[str, ...], scratch_root: str | None = None, setup=()) -> Slot:
    global _SLOT
    if _SLOT is None:
        # The driver's scratch folder (removed by the driver when the run ends, on its machine),
        # or a fresh one on a node that does not have it; this process removes its own at exit.
        root = Path(scratch_root or tempfile.gettempdir())
        root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f"sae-ray-worker-{os.getpid()}-", dir=root))
        # Its own folder; the sandbox uid is derived from this process's pid (sandbox.slot_uid).
        _SLOT = Slot(0, scratch, sandbox=sandbox, preload=preload,
                     env={"OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")},
                     gpu=bool(os.environ.get("CUDA_VISIBLE_DEVICES")), setup=setup)
        import atexit

        from .sandbox import force_rmtree

        slot = _SLOT
        atexit.register(lambda: (slot.close(), force_rmtree(scratch)))
    return _SLOT


def run_job(job: GradingJob, config, limits, sandbox: bool, preload: tuple[str, ...],
            scratch_root: str | None = None, setup: tuple[str, ...] = ()) -> JobResult:
    """The Ray task body (also callable directly)."""
    slot = _worker_slot(sandbox, preload, scratch_root, setup)
    if sandbox:
        from .sandbox import check_sandbox

        check_sandbox(slot.dirs.root.parent)
    gpu_ids = os.environ.get("CUDA_VISIBLE_DEVICES")
    if gpu_ids and slot.env.get("CUDA_VISIBLE_DEVICES") != gpu_ids:  # Ray moved us to another GPU
        slot.env["CUDA_VISIBLE_DEVICES"] = gpu_ids
        slot.stop_template()
    return execute_job(job, slot, config, limits)


def task_resources(cluster: dict, workers: int | None, workers_per_gpu: int) -> tuple[int, dict]:
    """How many tasks to keep in flight, and what each asks Ray for: one CPU, and a
    ``1/workers_per_gpu`` share of a GPU when the cluster has GPUs."""
    cpus, gpus = int(cluster.get("CPU", 1)), int(cluster.get("GPU", 0))
    per_gpu = max(1, int(workers_per_gpu or 1))
    if gpus:
        return max(1, int(workers or gpus * per_gpu)), {"num_cpus": 1, "num_gpus": 1.0 / per_gpu}
    return max(1, int(workers or cpus)), {"num_cpus": 1}


class RayBackend:
    name = "ray"

    def __init__(self, opts, config, log=print):
        try:
            import ray
        except ImportError as e:  # pragma: no cover - ray is in requirements.txt
            from .course import CourseError

            raise CourseError("--ray needs the `ray` package (pip install -r requirements.txt)") from e
        self.ray = ray
        self.opts = opts
        self.config = config
        self.log = log
        self._owns = False
        if not ray.is_initialized():
            env = {"env_vars": {k: v for k, v in os.environ.items()
                                if k.startswith(("SAE_COURSE_", "HF_", "WANDB_")) and k != "SAE_COURSE_DB_URL"}}
            if opts.ray in ("local", None):
                for attempt in range(3):  # Ray gives its raylet a fixed 30 s: busy machines need a retry
                    try:
                        ray.init(num_cpus=opts.workers or None, include_dashboard=False, log_to_driver=False,
                                 runtime_env=env, configure_logging=False)
                        break
                    except Exception as e:  # noqa: BLE001
                        if "timed out during startup" not in str(e) or attempt == 2:
                            raise
                        log(f"[grade] the local Ray instance did not start in time; trying again ({e})")
                        ray.shutdown()
            else:
                ray.init(address=opts.ray, log_to_driver=False, runtime_env=env, configure_logging=False)
            self._owns = True
        res = ray.cluster_resources()
        cpus, gpus = int(res.get("CPU", 1)), int(res.get("GPU", 0))
        self.capacity, task_opts = task_resources(res, opts.workers, opts.workers_per_gpu)
        self.remote = ray.remote(**task_opts)(run_job)
        log(f"[grade] Ray cluster: {cpus} CPU, {gpus} GPU; each task asks for {task_opts}")
        self._config_ref = ray.put(config)
        self.scratch = tempfile.mkdtemp(prefix="sae-ray-")
        os.chmod(self.scratch, 0o711)

    def submit(self, job: GradingJob):
        o = self.opts
        return self.remote.remote(job, self._config_ref, o.limits, o.sandbox, tuple(o.preload), self.scratch,
                                  tuple(o.setup))

    def wait(self, handles, timeout: float | None = None):
        refs = list(handles)
        done, _ = self.ray.wait(refs, num_returns=1, timeout=timeout)
        out = []
        for ref in done:
            try:
                out.append((ref, self.ray.get(ref)))
            except Exception as e:  # noqa: BLE001 - a lost task fails its submission only
                out.append((ref, JobResult(-1, error=f"Ray task failed: {type(e).__name__}: {e}")))
        return out

    def close(self) -> None:
        from .sandbox import force_rmtree

        if self._owns:
            self.ray.shutdown()
        force_rmtree(Path(self.scratch))  # what the workers on this machine left (killed by the shutdown)
