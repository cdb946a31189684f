#!/usr/bin/env python
"""Benchmark: stock serial ``nbgrader autograde`` against the course's parallel sandboxed engine.

For each section asked for, one cohort is graded twice, in two scratch courses with their own
gradebooks: (1) stock ``nbgrader autograde SECTION --force`` (one notebook after another, a cold
kernel each) and (2) ``sae-course autograde SECTION --no-feedback`` (the engine: parallel workers,
bubblewrap sandbox, kernels forked from warm templates that preloaded what the section's setup
cell loads). Per section it prints: the throughput ratio (engine / stock), the setup cell's time,
the notebook's own cells (everything after the setup cell), the overhead per notebook beyond
them (per job as a worker sees it, and cohort-level: wall × workers / notebooks − own cells),
the efficiency (own cell time ÷ (wall × workers)), the one-off template start, the peak memory
(sum of PSS over the command's process tree, sampled) and whether every grade is identical.

``--stock-n K`` lets stock nbgrader grade only the first K students of the cohort (it is the
slow side): its time per notebook is extrapolated to the cohort, the table says so, and grades
are compared on those K students. Real sections: half the cohort hands in the reference
solutions, half the untouched release. The synthetic assignment (``bench_imports``): its locked
setup cell imports torch, einops, plotly, transformer_lens and sae_lens, the student writes one
tiny function.

    python bench/bench_autograde.py --n 1 --no-write              # a quick try (synthetic)
    python bench/bench_autograde.py --sections all --n 40 --stock-n 4
    python bench/bench_autograde.py --ci                         # 10 synthetic submissions

Unless ``--no-write``, the table replaces the per-section block of ``docs/performance.md``
(between its markers); the rest of the page is left alone.
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

def measure_section(section: str | None, a, base: Path, env: dict, log=print) -> dict:
    """Grade one section's cohort both ways; the figures for its row of the table."""
    n, n_stock = a.n, min(a.n, a.stock_n or a.n)
    roots = {"stock": base / "stock", "engine": base / "engine"}
    real = section
    for name, r in roots.items():
        section = make_course(r, real, a.course_pipeline)
        submit_cohort(r, section, n_stock if name == "stock" else n)
    log(f"[bench] {section}: stock on {n_stock}, engine on {n} submission(s) in {base}")
    load0 = os.getloadavg()[0]
    log("[bench]   stock: nbgrader autograde (serial) ...")
    stock = run_measured([str(BIN / "nbgrader"), "autograde", section, "--force"], roots["stock"], env)
    log(f"[bench]     {stock['wall']:.1f} s (exit {stock['rc']})")
    cmd = [str(BIN / "sae-course"), "--root", str(roots["engine"]), "autograde", section, "--no-feedback"]
    if a.workers:
        cmd += ["--workers", str(a.workers)]
    if a.workers_per_gpu:
        cmd += ["--workers-per-gpu", str(a.workers_per_gpu)]
    cmd += a.engine_args.split()
    log(f"[bench]   engine: {' '.join(cmd[1:])} ...")
    engine = run_measured(cmd, roots["engine"], env)
    log(f"[bench]     {engine['wall']:.1f} s (exit {engine['rc']})")
    load1 = os.getloadavg()[0]
    if engine["rc"] != 0:
        log(engine["output"][-4000:])
    jobs, template_wait, workers = [], 0.0, None
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
    # The stock cohort is the engine's first n_stock students, with the same notebooks.
    g_engine_common = {k: v for k, v in g_engine.items() if k[0] in {key[0] for key in g_stock}}
    identical = g_stock == g_engine_common and len(g_stock) > 0 and len(ct["engine"]) == n
    mean = lambda d, f: sum(v[f] for v in d.values()) / max(1, len(d))  # noqa: E731
    own_total = sum(v["own"] for v in ct["engine"].values())
    stock_per_nb = stock["wall"] / max(1, len(ct["stock"]))
    engine_per_nb = engine["wall"] / max(1, len(ct["engine"]))
    return {
        "section": section, "n": len(ct["engine"]), "n_stock": len(ct["stock"]), "workers": workers,
        "stock_wall": stock["wall"], "engine_wall": engine["wall"],
        "stock_per_nb": stock_per_nb, "ratio": stock_per_nb / engine_per_nb if engine_per_nb else float("nan"),
        "setup_stock": mean(ct["stock"], "setup"), "setup_engine": mean(ct["engine"], "setup"),
        "own_stock": mean(ct["stock"], "own"), "own_engine": mean(ct["engine"], "own"),
        "overhead_stock": stock_per_nb - mean(ct["stock"], "own"),
        "overhead_job": (sum(jobs) / len(jobs) - mean(ct["engine"], "own")) if jobs else float("nan"),
        "overhead_cohort": engine["wall"] * workers / max(1, len(ct["engine"])) - mean(ct["engine"], "own"),
        "efficiency": own_total / (engine["wall"] * workers) if engine["wall"] else float("nan"),
        "template_wait": template_wait, "peak_stock": stock["peak_mib"], "peak_engine": engine["peak_mib"],
        "identical": identical, "grade_cells": len(g_stock), "load": (load0, load1),
        "rc": (stock["rc"], engine["rc"]),
    }


def table(rows: list[dict]) -> str:
    head = ("| section | cohort (engine / stock measured) | workers | stock s per notebook | engine wall | "
            "throughput ratio | setup cell per notebook (stock / engine) | own cells per notebook (stock / engine) | "
            "overhead per notebook: per job / cohort-level | efficiency | one-off template start | "
            "peak memory (stock / engine) | grades | load avg (start → end) |")
    out = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for r in rows:
        out.append(
            f"| `{r['section']}` | {r['n']} / {r['n_stock']} | {r['workers']} | {r['stock_per_nb']:.1f} s | "
            f"{r['engine_wall']:.1f} s | **{r['ratio']:.1f}×** | {r['setup_stock']:.2f} s / {r['setup_engine']:.3f} s | "
            f"{r['own_stock']:.2f} s / {r['own_engine']:.2f} s | {r['overhead_job']:.2f} s / "
            f"{r['overhead_cohort']:.2f} s | "
            f"**{100 * r['efficiency']:.0f} %** | {r['template_wait']:.1f} s | "
            f"{r['peak_stock']:.0f} / {r['peak_engine']:.0f} MiB | "
            f"{'identical' if r['identical'] else 'DIFFERENT'} ({r['grade_cells']} cells) | "
            f"{r['load'][0]:.1f} → {r['load'][1]:.1f} |")
    return "\n".join(out)


SECTIONS_START = "<!-- bench_autograde: per-section table (start) -->"
SECTIONS_END = "<!-- bench_autograde: per-section table (end) -->"


def write_sections(path: Path, text: str) -> None:
    """Replace the per-section block of the page (between its markers) with ``text``; the rest of
    the page is left as it is. Without the markers, the block goes before "What the numbers mean"."""
    old = path.read_text() if path.is_file() else ""
    block = f"{SECTIONS_START}\n{text.strip()}\n{SECTIONS_END}"
    if SECTIONS_START in old and SECTIONS_END in old:
        a, b = old.index(SECTIONS_START), old.index(SECTIONS_END) + len(SECTIONS_END)
        new = old[:a] + block + old[b:]
    else:
        cut = old.find("## What the numbers mean")
        cut = len(old) if cut < 0 else cut
        new = old[:cut] + block + "\n\n" + old[cut:]
    path.write_text(new)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=None, help="submissions per section (default 40; 10 with --ci)")
    ap.add_argument("--stock-n", type=int, default=None,
                    help="submissions stock nbgrader grades per section (default: all of --n); fewer is "
                         "extrapolated per notebook, and the table says how many were measured")
    ap.add_argument("--ci", action="store_true", help="the small run: 10 submissions (minutes on 2 cores)")
    ap.add_argument("--sections", nargs="+", metavar="SECTION",
                    help="sections of source/ to benchmark (`all`: every real section and the synthetic "
                         f"one; `{SYNTH}`: the synthetic one; default: the synthetic one only)")
    ap.add_argument("--section", help="one real section (same as --sections SECTION)")
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
    names = a.sections or ([a.section] if a.section else [SYNTH])
    if "all" in names:
        names = [SYNTH] + sorted(p.name for p in (REPO / "source").iterdir()
                                 if (p / f"{p.name}.ipynb").is_file())
    env = {**os.environ, "SAE_COURSE_PROFILE": os.environ.get("SAE_COURSE_PROFILE", "ci"),
           "HF_HUB_OFFLINE": "1", "WANDB_MODE": "disabled"}
    env.pop("SAE_COURSE_DB_URL", None)
    env.pop("SAE_COURSE_ROOT", None)
    rows, started = [], dt.datetime.now()
    for name in names:
        base = Path(tempfile.mkdtemp(prefix="sae-bench-"))
        try:
            rows.append(measure_section(None if name == SYNTH else name, a, base, env,
                                        log=lambda *m: print(*m, flush=True)))
            print(table(rows[-1:]), flush=True)
        finally:
            if not a.keep:
                shutil.rmtree(base, ignore_errors=True)
    ncpu = len(os.sched_getaffinity(0))
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = []
    for mod in ("nbgrader", "torch", "transformer_lens", "sae_lens"):
        try:
            versions.append(f"{mod} {__import__(mod).__version__}")
        except Exception:  # noqa: BLE001
            pass
    extrapolated = any(r["n_stock"] < r["n"] for r in rows)
    text = "\n".join([
        f"### Per section ({started:%Y-%m-%d %H:%M}, `bench/bench_autograde.py "
        f"{' '.join(argv if argv is not None else sys.argv[1:])}`)",
        "",
        f"Machine: {ncpu} CPU cores, {mem_gib:.0f} GiB RAM, no GPU; profile "
        f"`{env['SAE_COURSE_PROFILE']}`; {', '.join(versions)}; "
        f"{'the course' + chr(39) + 's full nbgrader_config.py' if a.course_pipeline else 'nbgrader' + chr(39) + 's stock autograde pipeline'} for both. "
        "Load average: the 1-minute figure at the start and end of each section (above the core count, "
        "other work shared the machine and every absolute time is inflated, both columns alike).",
        "",
        table(rows),
        "",
        ("Stock nbgrader was measured on fewer submissions than the engine (the second number of the "
         "cohort column); its time per notebook is extrapolated to the cohort, and its grades are "
         "compared with the engine's for the students both graded." if extrapolated else
         "Both graded the same cohort; every grade compared."),
        "Half of each real section's cohort hands in the reference solutions, half the untouched release "
        "(the synthetic one: everyone answers, every fourth wrongly).",
    ])
    print()
    print(text)
    if not a.no_write:
        write_sections(Path(a.out), text)
        print(f"\n[bench] wrote the per-section table into {a.out}")
    ok = all(r["identical"] and r["rc"] == (0, 0) for r in rows)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
