"""How long each master notebook takes, top to bottom with its solutions and tests, under a profile.

Each notebook's opening states its run time from a measurement; this is the measurement. It runs
``source/<section>/<section>.ipynb`` in a fresh kernel, cell by cell (the mutant checker's kernel driver, so a
cell is judged as nbgrader judges it), and prints per section the wall-clock time, the kernel's CPU time, the
load average before and after, and the slowest cells. It stops a section at its first failing cell.

    python bench/bench_notebooks.py --profile full --threads 2 00_toy_models 04_sae_latents
    python bench/bench_notebooks.py --profile ci            # every section

Wall-clock time only means something on a quiet machine; the CPU time holds under load (roughly: torch's
threads add a little CPU when they contend). ``--threads`` sets ``SAE_COURSE_THREADS`` (the notebooks'
torch thread count); a student's laptop uses all its cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sae_course.devtools.mutants import Kernel, read_cells  # noqa: E402


def sections() -> list[str]:
    return sorted(p.name for p in (ROOT / "source").iterdir() if (p / f"{p.name}.ipynb").exists())


def time_section(section: str, profile: str, threads: int, timeout: float, top: int) -> dict:
    nb_path = ROOT / "source" / section / f"{section}.ipynb"
    cells = [c for c in read_cells(nbformat.read(str(nb_path), as_version=4)) if c.kind != "markdown"]
    env = dict(os.environ, SAE_COURSE_PROFILE=profile, SAE_COURSE_THREADS=str(threads), PYTHONHASHSEED="0",
               MPLBACKEND="Agg")
    load0 = os.getloadavg()[0]
    t0 = time.monotonic()
    kernel = Kernel(nb_path.parent, env)
    runs, failed = [], None
    try:
        for c in cells:
            run = kernel.run(c.source, c.label, timeout, graded=c.kind == "graded")
            runs.append(run)
            print(f"  {c.label}: {run.seconds:.1f} s" + ("" if run.ok else f"  FAILED: {run.error[:200]}"),
                  file=sys.stderr, flush=True)
            if not run.ok:
                failed = f"{c.label}: {run.error[:200]}"
                break
    finally:
        kernel.shutdown()
    wall = time.monotonic() - t0
    cpu = sum(r.cpu_seconds or 0.0 for r in runs)
    slow = sorted(runs, key=lambda r: -r.seconds)[:top]
    return dict(section=section, wall=wall, cpu=cpu, load=(load0, os.getloadavg()[0]), cells=len(runs),
                failed=failed, slow=[(r.cell_id, r.seconds) for r in slow])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sections", nargs="*", help="default: every section in source/")
    ap.add_argument("--profile", default="full", choices=("full", "ci"))
    ap.add_argument("--threads", type=int, default=2, help="torch threads in the kernel (SAE_COURSE_THREADS)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds one cell may run")
    ap.add_argument("--top", type=int, default=3, help="slowest cells to list")
    a = ap.parse_args(argv)
    print(f"profile {a.profile}, {a.threads} torch thread(s), {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"{'section':24s} {'wall s':>8s} {'kernel cpu s':>13s} {'load before/after':>18s}  slowest cells")
    bad = 0
    for s in a.sections or sections():
        r = time_section(s, a.profile, a.threads, a.timeout, a.top)
        slow = ", ".join(f"{lab} {sec:.0f} s" for lab, sec in r["slow"])
        print(f"{s:24s} {r['wall']:8.0f} {r['cpu']:13.0f} {r['load'][0]:8.1f}/{r['load'][1]:<8.1f}  {slow}", flush=True)
        if r["failed"]:
            bad += 1
            print(f"  FAILED at {r['failed']}", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
