#!/usr/bin/env python
"""Benchmark: stock serial ``nbgrader autograde`` against the course's parallel sandboxed engine.

One synthetic cohort (``--n`` submissions of one assignment) is graded twice, in two copies of
a scratch course with their own gradebooks:

1. stock ``nbgrader autograde SECTION --force`` (one notebook after another, cold kernels);
2. ``sae-course autograde SECTION --no-feedback`` (the engine: parallel workers, bubblewrap
   sandbox, kernels forked from a warm template).

It prints, for each: wall time, throughput (notebooks/s), per-notebook overhead beyond the
student's own cells, and peak memory (sum of PSS over the command's process tree, sampled);
then the throughput ratio and whether every grade is identical; and writes the results into
``docs/performance.md`` (``--no-write`` to skip).

The default assignment (``--synthetic``) is the issue's: its locked setup cell imports torch,
einops, plotly, transformer_lens and sae_lens, and the student's own work is one tiny function
and its tests. ``--section 00_toy_models`` benchmarks a real section instead (solutions for
half the cohort, the release for the other half).

    python bench/bench_autograde.py                 # 40 synthetic submissions
    python bench/bench_autograde.py --ci            # the small run CI-sized machines can afford (10)
    python bench/bench_autograde.py --n 10 --no-write

Each run that writes ``docs/performance.md`` keeps the runs before it under "Earlier runs".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SYNTH = "bench_imports"
SETUP_IMPORTS = "import torch, einops, plotly, transformer_lens, sae_lens"


# ---------------------------------------------------------------------------------------------
# The cohort
# ---------------------------------------------------------------------------------------------

def _nbg(cell, grade_id, **kw):
    md = {"grade": False, "solution": False, "locked": False, "grade_id": grade_id, "schema_version": 3,
          "task": False}
    md.update(kw)
    cell.metadata["nbgrader"] = md
    return cell


def synthetic_notebook():
    cells = [
        new_markdown_cell("# Benchmark assignment\nThe setup imports the course's libraries."),
        _nbg(new_code_cell(SETUP_IMPORTS), "setup", locked=True),
        _nbg(new_code_cell("def inc(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION"),
             "inc", solution=True),
        _nbg(new_code_cell("assert inc(1) == 2"), "test_inc", grade=True, locked=True, points=1),
        _nbg(new_code_cell("assert inc(-1) == 0\n### BEGIN HIDDEN TESTS\nassert inc(41) == 42\n"
                           "### END HIDDEN TESTS"), "test_inc_hidden", grade=True, locked=True, points=1),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def nbgrader(root: Path, *args, env=None):
    return subprocess.run([str(BIN / "nbgrader"), *args], cwd=root, capture_output=True, text=True, env=env)


# nbgrader's stock autograde pipeline (the default here): the comparison is with stock nbgrader
# itself. --course-pipeline keeps the extra preprocessors the course's nbgrader_config.py adds.
STOCK_PIPELINE = """
from nbgrader.converters.autograde import Autograde as _A
c.Autograde.sanitize_preprocessors = list(_A.class_traits()["sanitize_preprocessors"].default())
c.Autograde.autograde_preprocessors = list(_A.class_traits()["autograde_preprocessors"].default())
"""


def make_course(root: Path, section: str | None, course_pipeline: bool = False) -> str:
    root.mkdir(parents=True)
    cfg = (REPO / "nbgrader_config.py").read_text()
    (root / "nbgrader_config.py").write_text(cfg if course_pipeline else cfg + "\n" + STOCK_PIPELINE)
    for d in ("gradebook", "submitted", "autograded", "feedback", "release"):
        (root / d).mkdir()
    if section is None:
        section = SYNTH
        (root / "source" / section).mkdir(parents=True)
        nbformat.write(synthetic_notebook(), str(root / "source" / section / f"{section}.ipynb"))
    else:
        shutil.copytree(REPO / "source" / section, root / "source" / section)
    p = nbgrader(root, "generate_assignment", section, "--force")
    if p.returncode != 0:
        sys.exit(f"generate_assignment failed:\n{p.stdout[-3000:]}{p.stderr[-3000:]}")
    return section


def submit_cohort(root: Path, section: str, n: int) -> None:
    from sae_course.grading.demo import answer_cells, solution_text

    release = nbformat.read(str(root / "release" / section / f"{section}.ipynb"), as_version=4)
    source = nbformat.read(str(root / "source" / section / f"{section}.ipynb"), as_version=4)
    answers = {gid: solution_text(source.cells[i].source) for gid, i in answer_cells(source).items()}
    for k in range(n):
        nb = nbformat.from_dict(json.loads(json.dumps(release)))
        if k % 2 == 0 or section == SYNTH:  # synthetic: everyone answers, every other one wrongly
            for gid, i in answer_cells(nb).items():
                text = answers[gid]
                if section == SYNTH and k % 4 == 2:
                    text = text.replace("x + 1", "x + 2")
                nb.cells[i].source = text
        d = root / "submitted" / f"student-{k:03d}" / section
        d.mkdir(parents=True)
        nbformat.write(nb, str(d / f"{section}.ipynb"))


# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------

def _tree(root_pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(p))
    out, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_measured(cmd: list[str], cwd: Path, env: dict) -> dict:
    """Run a command; wall time, output, and the peak PSS of its whole process tree."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = [0]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], sum(_pss_kib(p) for p in _tree(proc.pid)))
            stop.wait(0.25)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out = proc.stdout.read()
    proc.wait()
    wall = time.monotonic() - t0
    stop.set()
    th.join()
    return {"wall": wall, "rc": proc.returncode, "output": out, "peak_mib": peak[0] / 1024}


def _ts(s: str) -> float:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def cell_times(root: Path, section: str) -> dict[str, dict[str, float]]:
    """Per student: seconds spent in the setup cell (the imports) and in the student's own cells
    (answers and tests), from nbclient's execution timestamps in the autograded notebooks."""
    out = {}
    for nb_path in sorted((root / "autograded").glob(f"*/{section}/{section}.ipynb")):
        nb = nbformat.read(str(nb_path), as_version=4)
        setup = own = 0.0
        for c in nb.cells:
            ex = c.get("metadata", {}).get("execution", {})
            if "iopub.execute_input" in ex and "shell.execute_reply" in ex:
                secs = _ts(ex["shell.execute_reply"]) - _ts(ex["iopub.execute_input"])
                gid = c.metadata.get("nbgrader", {}).get("grade_id")
                if gid == "setup" or SETUP_IMPORTS in c.source:
                    setup += secs
                else:
                    own += secs
        out[nb_path.parts[-3]] = {"setup": setup, "own": own}
    return out


def grades(root: Path) -> dict:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{root / 'gradebook' / 'gradebook.db'}", course_id="sae-course") as gb:
        for a in gb.assignments:
            for sub in a.submissions:
                for nb in sub.notebooks:
                    for g in nb.grades:
                        out[(sub.student.id, nb.name, g.name)] = (g.auto_score, g.needs_manual_grade)
    return out


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------

DOC_HEAD = """# Grading performance

How fast the course grades a cohort, measured by `bench/bench_autograde.py`, which grades the
same synthetic cohort twice in one run — with stock serial `nbgrader autograde` and with the
course's parallel, sandboxed engine (`sae-course autograde`) — and checks that every grade is
identical. Re-run it with the commands below (options: `--ci` for the small 10-submission run,
`--n`, `--section`, `--workers`, `--course-pipeline`, `--no-write` to print only); a run that writes
puts its results on top of this file and keeps the earlier runs below them.

```bash
.venv/bin/python bench/bench_autograde.py --n 1 --no-write   # a quick try: one notebook each way, prints the table
.venv/bin/python bench/bench_autograde.py --ci               # long: 10 notebooks each way (minutes), then rewrites this page
```

"""

DOC_TAIL = """
## What the numbers mean

* **Throughput**: graded notebooks per second of wall time for the whole command (gradebook
  bookkeeping, sanitizing, execution, saving grades; for the engine also starting its
  sandboxes and warm templates once per run).
* **Overhead per notebook, beyond the student's own cells**: for stock nbgrader, wall time per
  notebook minus the time the student's own cells (answers and tests) ran; it includes the
  kernel start and the setup cell's `import torch, einops, plotly, transformer_lens, sae_lens`,
  which every notebook pays again. For the engine, the same quantity per job as its workers
  see it (fork of a warm kernel, the setup cell — now nearly free, the imports are already
  done — teardown and the working-copy reset), plus, as the cohort-level figure, the engine's
  wall time × workers / notebooks minus the student's cell time (this also charges the
  one-off template start and the writer's share).
* **Peak memory**: the largest sum of PSS (proportional set size: pages shared between forked
  kernels and their template are split among them, not counted once per process) over the
  command's whole process tree, sampled every 0.25 s.

## How the engine gets there

* **Parallel workers, one writer** (`sae_course/grading/parallel.py`): nbgrader's own
  `Autograde` converter does the gradebook bookkeeping, the sanitizing pass and the
  grade-saving end of the pipeline in the command's process (the only gradebook writer); the
  middle (`Execute` … `LimitOutput`, where student code runs) runs on `--workers` slots at once
  (default: one per core, or `--workers-per-gpu` per GPU). Grades are identical to stock
  nbgrader's (checked here and in `tests/test_parallel.py` / `tests/test_postgres.py`).
* **Warm kernels** (`sae_course/grading/warm_kernel.py`): each slot has a template process,
  started once inside its sandbox, that has imported torch, einops, plotly, transformer_lens,
  sae_lens, `sae_course.config` and everything an IPython kernel imports while it starts
  (ipykernel's debugger pulls in debugpy), and frozen its heap (`gc.freeze`). Each notebook
  gets a kernel forked from it — never from another student's kernel — in a fresh user, PID
  and mount namespace, with its resource limits; the kernel starts on `ipc` sockets in ~0.2 s.
  jupyter_client's fixed waits (a 0.2 s IOPub flush when the kernel becomes ready, 0.1 s
  polling on shutdown) are skipped: the kernel is killed when the notebook is done and the
  template reports its exit at once.
* **Sandbox** (`sae_course/grading/sandbox.py`): bubblewrap, no network, read-only system,
  only the slot's scratch folders writable, no view of the course folders; limits on
  wall time (per cell and per notebook), address space, processes, file size and output.
  The sandbox costs nothing per notebook: it is set up once per slot, around the template.

## GPUs

The runs recorded on this page had no GPU, so every number here is CPU-only. On a
GPU runner the engine defaults to `--workers-per-gpu` (2) workers per visible GPU, pins each
local slot to one GPU (`CUDA_VISIBLE_DEVICES`), binds `/dev/nvidia*` into the sandbox and
skips the address-space limit (CUDA reserves huge virtual ranges); with `--ray`, each task
asks Ray for `1/workers-per-gpu` of a GPU. To find the right number of workers per GPU, grade
the same cohort with increasing `--workers-per-gpu` and keep the largest value that still
raises throughput without running out of GPU memory (and watch `nvidia-smi
--query-gpu=memory.used,utilization.gpu --format=csv` in another shell while it runs):

```bash
# needs: a GPU runner
for k in 1 2 3 4 6 8; do
    .venv/bin/python bench/bench_autograde.py --section 00_toy_models --n 40 --workers-per-gpu $k --no-write
done
```

The throughput per GPU stops growing once the GPU is saturated (utilization near 100 %) or
the kernels' GPU memory adds up to the card's; the warm template never initializes CUDA (a
forked child could not use it), so each kernel pays its own CUDA context (~300–500 MB).
"""


def write_doc(path: Path, latest: str) -> None:
    """Rewrite the page with ``latest`` on top; the previous latest run moves to "Earlier runs"."""
    path.parent.mkdir(parents=True, exist_ok=True)
    earlier = []
    if path.is_file():
        old = path.read_text()
        end = old.find("## What the numbers mean")
        end = len(old) if end < 0 else end
        if "## Latest run" in old:
            a = old.index("## Latest run") + len("## Latest run")
            b = old.find("## Earlier runs", a)
            prev = old[a:(b if 0 <= b < end else end)].strip()
            if prev:
                earlier.append("### " + prev.split(",", 1)[0].strip() + "\n\n" + prev)
        if "## Earlier runs" in old:
            a = old.index("## Earlier runs") + len("## Earlier runs")
            rest = old[a:end].strip()
            if rest:
                earlier.append(rest)
    body = DOC_HEAD + "## Latest run\n\n" + latest.strip() + "\n"
    if earlier:
        body += "\n## Earlier runs\n\n" + "\n\n".join(earlier) + "\n"
    path.write_text(body + DOC_TAIL)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=None, help="submissions (default 40; 10 with --ci)")
    ap.add_argument("--ci", action="store_true", help="the small run: 10 submissions (minutes on 2 cores)")
    ap.add_argument("--section", help="a real section of source/ instead of the synthetic assignment")
    ap.add_argument("--workers", type=int, help="engine workers (default: the engine's own default)")
    ap.add_argument("--workers-per-gpu", type=int)
    ap.add_argument("--engine-args", default="", help="extra `sae-course autograde` flags")
    ap.add_argument("--out", default=str(REPO / "docs" / "performance.md"))
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/performance.md alone")
    ap.add_argument("--keep", action="store_true", help="keep the scratch courses")
    ap.add_argument("--course-pipeline", action="store_true",
                    help="grade with the course's full nbgrader_config.py (its extra preprocessors) "
                         "instead of nbgrader's stock pipeline")
    a = ap.parse_args(argv)
    if a.n is None:
        a.n = 10 if a.ci else 40

    base = Path(tempfile.mkdtemp(prefix="sae-bench-"))
    env = {**os.environ, "SAE_COURSE_PROFILE": os.environ.get("SAE_COURSE_PROFILE", "ci"),
           "HF_HUB_OFFLINE": "1", "WANDB_MODE": "disabled"}
    env.pop("SAE_COURSE_DB_URL", None)
    env.pop("SAE_COURSE_ROOT", None)
    load0 = os.getloadavg()
    try:
        roots = {"stock": base / "stock", "engine": base / "engine"}
        section = None
        for r in roots.values():
            section = make_course(r, a.section, a.course_pipeline)
            submit_cohort(r, section, a.n)
        print(f"[bench] {a.n} submissions of {section} in {base}")
        print("[bench] 1/2 stock: nbgrader autograde (serial) ...", flush=True)
        stock = run_measured([str(BIN / "nbgrader"), "autograde", section, "--force"], roots["stock"], env)
        print(f"[bench]     {stock['wall']:.1f} s (exit {stock['rc']})", flush=True)
        load_mid = os.getloadavg()
        cmd = [str(BIN / "sae-course"), "--root", str(roots["engine"]), "autograde", section, "--no-feedback"]
        if a.workers:
            cmd += ["--workers", str(a.workers)]
        if a.workers_per_gpu:
            cmd += ["--workers-per-gpu", str(a.workers_per_gpu)]
        cmd += a.engine_args.split()
        print(f"[bench] 2/2 engine: {' '.join(cmd[1:])} ...", flush=True)
        engine = run_measured(cmd, roots["engine"], env)
        print(f"[bench]     {engine['wall']:.1f} s (exit {engine['rc']})", flush=True)
        load1 = os.getloadavg()
        if engine["rc"] != 0:
            print(engine["output"][-4000:])
        jobs, template_wait = [], 0.0
        workers = None
        for line in engine["output"].splitlines():
            if "graded in" in line and "(cells" in line:
                w = float(line.split("graded in")[1].split(" s")[0])
                waited = float(line.split("waited ")[1].split(" s")[0]) if "waited " in line else 0.0
                template_wait = max(template_wait, waited)
                jobs.append(w - waited)
            if "worker(s)" in line and workers is None:
                try:
                    workers = int(line.split("submission(s), ")[1].split(" worker")[0])
                except (IndexError, ValueError):
                    pass
        workers = workers or a.workers or len(os.sched_getaffinity(0))

        ct = {k: cell_times(r, section) for k, r in roots.items()}
        g_stock, g_engine = grades(roots["stock"]), grades(roots["engine"])
        identical = g_stock == g_engine and len(g_stock) > 0
        n_stock, n_engine = len(ct["stock"]), len(ct["engine"])
        own = {k: sum(v["own"] for v in ct[k].values()) / max(1, len(ct[k])) for k in ct}
        setup = {k: sum(v["setup"] for v in ct[k].values()) / max(1, len(ct[k])) for k in ct}
        thr_stock = n_stock / stock["wall"]
        thr_engine = n_engine / engine["wall"]
        ratio = thr_engine / thr_stock if thr_stock else float("nan")
        ovh_stock = stock["wall"] / max(1, n_stock) - own["stock"]
        ovh_engine_job = (sum(jobs) / len(jobs) - own["engine"]) if jobs else float("nan")
        ovh_engine_cohort = engine["wall"] * workers / max(1, n_engine) - own["engine"]
        diffs = sorted(k for k in set(g_stock) | set(g_engine) if g_stock.get(k) != g_engine.get(k))

        ncpu = len(os.sched_getaffinity(0))
        mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        rows = [
            ("notebooks graded", f"{n_stock}", f"{n_engine}"),
            ("wall time", f"{stock['wall']:.1f} s", f"{engine['wall']:.1f} s"),
            ("throughput", f"{thr_stock:.3f} notebooks/s", f"{thr_engine:.3f} notebooks/s"),
            ("setup cell (`import torch, …`) per notebook", f"{setup['stock']:.2f} s", f"{setup['engine']:.3f} s"),
            ("student's own cells per notebook", f"{own['stock']:.3f} s", f"{own['engine']:.3f} s"),
            ("overhead per notebook beyond the student's cells", f"{ovh_stock:.2f} s",
             f"{ovh_engine_job:.2f} s per job; {ovh_engine_cohort:.2f} s cohort-level"),
            ("one-off start (warm templates importing, in parallel)", "—", f"{template_wait:.1f} s"),
            ("peak memory (PSS, process tree)", f"{stock['peak_mib']:.0f} MiB", f"{engine['peak_mib']:.0f} MiB"),
        ]
        table = ["| | stock `nbgrader autograde` (serial) | `sae-course autograde` (engine) |", "|---|---|---|"]
        table += [f"| {r[0]} | {r[1]} | {r[2]} |" for r in rows]
        summary = (f"**Throughput ratio (engine / stock): {ratio:.2f}×**, grades "
                   f"{'identical' if identical else 'DIFFERENT'} ({len(g_stock)} grade cells compared"
                   f"{'' if identical else f'; {len(diffs)} differ, e.g. {diffs[:3]}'}).")
        versions = []
        for mod in ("nbgrader", "jupyter_client", "ipykernel", "torch", "transformer_lens", "sae_lens"):
            try:
                versions.append(f"{mod} {__import__(mod).__version__}")
            except Exception:  # noqa: BLE001
                pass
        latest = "\n".join([
            f"{dt.datetime.now():%Y-%m-%d %H:%M}, {a.n} submissions of `{section}`"
            f"{' (synthetic: the setup cell imports torch, einops, plotly, transformer_lens, sae_lens; the student writes one function)' if section == SYNTH else ''}, "
            f"engine with {workers} worker(s) (`{' '.join(cmd[3:])}`); "
            f"{'the course' + chr(39) + 's full nbgrader_config.py' if a.course_pipeline else 'nbgrader' + chr(39) + 's stock autograde pipeline'} for both.",
            "",
            f"Machine: {ncpu} CPU cores, {mem_gib:.0f} GiB RAM, no GPU, {platform.platform()}; "
            f"load average {load0[0]:.1f} when the run started, {load_mid[0]:.1f} between the two runs and "
            f"{load1[0]:.1f} at the end (1-minute averages; above the core count, other work was running on this "
            f"machine and every absolute time is inflated, both columns alike). {', '.join(versions)}.",
            "",
            *table,
            "",
            summary,
            "",
            "Targets on this 2-core machine: ratio ≥ 1.8 with identical grades; overhead per notebook under 1 s.",
        ])
        print()
        print(latest)
        if not a.no_write:
            write_doc(Path(a.out), latest)
            print(f"\n[bench] wrote {a.out}")
        return 0 if identical and stock["rc"] == 0 and engine["rc"] == 0 else 1
    finally:
        if not a.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
