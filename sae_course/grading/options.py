"""The grading engine's options, built once (by the CLI, the hub or a test) and passed down typed.

``sae-course autograde`` / ``demo`` turn their flags (``cli.add_engine_flags``) into one
:class:`EngineOptions`; ``autograde.run_autograde`` takes it (or the same options as a dict, which
it converts once) and hands it to the serial or the parallel engine with the ordered list of
submissions to grade.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .sandbox import Limits, gpu_count
from .warm_kernel import DEFAULT_PRELOAD

Submission = tuple[str, str]  # (section, student)


@dataclass
class EngineOptions:
    """How to grade: which engine, how many workers, the sandbox's limits, what templates preload."""

    workers: int | None = None  # None: one per core, or workers_per_gpu per GPU
    serial: bool = False  # stock `nbgrader autograde`, one notebook after another, unsandboxed
    sandbox: bool = True
    ray: str | None = None  # None: local workers; "local", "auto" or a cluster address
    preload: tuple[str, ...] = DEFAULT_PRELOAD
    limits: Limits = field(default_factory=Limits)
    workers_per_gpu: int = 2
    scratch: str | None = None  # where slot folders go (default: a fresh folder under /tmp)
    warm_setup: bool = True  # templates also preload what the sections' setup cells load
    setup: tuple[str, ...] = ()  # those setup cells (filled in by autograde_parallel)

    @classmethod
    def from_options(cls, options: dict | None) -> "EngineOptions":
        o = dict(options or {})
        preload = o.get("preload")
        if o.get("cold"):
            preload = ()
        elif isinstance(preload, str):
            preload = tuple(p.strip() for p in preload.split(",") if p.strip())
        elif preload is None:
            preload = DEFAULT_PRELOAD
        d = Limits()
        limits = Limits(
            cell_timeout=o.get("cell_timeout"),
            notebook_timeout=float(o.get("notebook_timeout") or d.notebook_timeout),
            memory_mb=None if o.get("mem_limit_mb") == 0 else int(o.get("mem_limit_mb") or d.memory_mb),
            max_procs=int(o.get("max_procs") or d.max_procs),
            max_output_mb=float(o.get("max_output_mb") or d.max_output_mb),
            max_file_mb=int(o.get("max_file_mb") or d.max_file_mb),
        )
        return cls(workers=o.get("workers"), serial=bool(o.get("serial")), sandbox=not o.get("no_sandbox", False),
                   ray=o.get("ray"), preload=tuple(preload), limits=limits,
                   workers_per_gpu=int(o.get("workers_per_gpu") or 2), scratch=o.get("scratch"),
                   warm_setup=not o.get("cold") and not o.get("no_warm_setup"))

    @classmethod
    def coerce(cls, options: "EngineOptions | dict | None") -> "EngineOptions":
        """``options`` as EngineOptions (a dict holds the CLI's flags by their ``dest`` names)."""
        return options if isinstance(options, EngineOptions) else cls.from_options(options)

    def resolved_workers(self) -> int:
        if self.workers:
            return max(1, int(self.workers))
        gpus = gpu_count()
        if gpus:
            return gpus * max(1, self.workers_per_gpu)
        return max(1, len(os.sched_getaffinity(0)))
