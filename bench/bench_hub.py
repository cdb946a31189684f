"""Submit-to-feedback latency of the course hub, per section (CI profile), and the hub's overhead.

    .venv/bin/python bench/bench_hub.py [--sections 00_toy_models ...] [--keep]

Starts the hub (hub/start.py) on free ports of 127.0.0.1 over a scratch copy of the course in
/tmp/hub-bench-*, then submits the reference solutions as a student with ``nbgrader submit`` (what
the Assignment List's Submit button runs), one submission at a time, and times each until the
autograder service has released the feedback into the exchange: first the first section once with
the service cold (it pays for the warm templates' imports), then every section once with the
service warm (what every later submission sees).

The notebook's own run time is measured separately by the engine, for that very submission (its
``[grade] <section>/<student>: graded in W s (cells C s ...)`` line in the service's log): C is the
time the notebook's cells ran in the kernel, W the engine's whole job (fork of a warm kernel, the
setup cell, saving). The hub's overhead is the latency minus C: polling, ``collect``, the engine's
pre-flight and bookkeeping, the gradebook, ``generate_feedback`` and ``release_feedback``.
The load average (1 minute) is printed next to each figure: on a shared machine it inflates them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def solved_release(course: Path, section: str) -> nbformat.NotebookNode:
    from sae_course.grading.demo import answer_cells, solution_text

    src = nbformat.read(course / "source" / section / f"{section}.ipynb", as_version=4)
    rel = nbformat.read(course / "release" / section / f"{section}.ipynb", as_version=4)
    sol = {gid: solution_text(src.cells[i].source) for gid, i in answer_cells(src).items()}
    for cell in rel.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in sol:
            cell.source = sol[gid]
    return rel


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sections", nargs="*", help="default: every section of source/")
    ap.add_argument("--timeout", type=float, default=900, help="seconds to wait for one feedback")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    a = ap.parse_args()
    from conftest import copy_course

    sections = a.sections or sorted(p.name for p in (ROOT / "source").iterdir() if p.is_dir())
    tmp = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    course = copy_course(tmp / "course", sections)
    state = tmp / "state"
    exchange = state / "exchange" / "sae-course"
    env = dict(os.environ, SAE_COURSE_PROFILE="ci", SAE_HUB_POLL="1", SAE_HUB_BUDGET="0",
               SAE_HUB_API_PORT=str(free_port()), SAE_HUB_PROXY_API_PORT=str(free_port()),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    port = free_port()
    log_path = tmp / "hub.log"
    log = log_path.open("w")
    t_start = time.time()
    proc = subprocess.Popen([sys.executable, str(ROOT / "hub" / "start.py"), "--course", str(course), "--state",
                             str(state), "--port", str(port), "--sections", *sections],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    rows = []
    load0 = os.getloadavg()[0]
    try:
        while True:
            assert proc.poll() is None, log_path.read_text()[-3000:]
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/hub/api", timeout=5)
                if "watching" in log_path.read_text():
                    break
            except OSError:
                pass
            time.sleep(1)
        startup = time.time() - t_start
        print(f"[bench] hub up in {startup:.1f} s (prepare: gradebook, release to the exchange)", flush=True)
        exe = Path(sys.executable).parent / "nbgrader"
        plan = [(sections[0], "first (cold service)")] + [(s_, "warm") for s_ in sections]
        for section, rnd in plan:
            time.sleep(1.1)  # a new submission timestamp
            home = tmp / "home" / section
            (home / section).mkdir(parents=True, exist_ok=True)
            for f in (course / "release" / section).iterdir():
                if f.is_file():
                    shutil.copy(f, home / section / f.name)
            nbformat.write(solved_release(course, section), str(home / section / f"{section}.ipynb"))
            before = set((exchange / "feedback").glob("*.html")) if (exchange / "feedback").is_dir() else set()
            subprocess.run([str(exe), "submit", section, f"--Exchange.root={state / 'exchange'}",
                            "--course=sae-course", "--student=bench1"], cwd=home, check=True,
                           capture_output=True, env=dict(env, HOME=str(home)))
            t0 = time.time()
            while not (set((exchange / "feedback").glob("*.html")) - before if (exchange / "feedback").is_dir() else set()):
                assert proc.poll() is None, log_path.read_text()[-3000:]
                assert time.time() - t0 < a.timeout, f"no feedback for {section}:\n{log_path.read_text()[-3000:]}"
                time.sleep(0.2)
            latency = time.time() - t0
            for _ in range(60):  # the service logs the score just after the release
                text = log_path.read_text()
                if re.search(rf"{re.escape(section)}/bench1: feedback released \(score", text[text.rfind("grading " + section):]):
                    break
                time.sleep(0.5)
            m = re.findall(rf"\[grade\] {re.escape(section)}/bench1: graded in ([\d.]+) s \(cells ([\d.]+) s"
                           rf"(?:, waited ([\d.]+) s)?", text)
            wall, cells, waited = (float(m[-1][0]), float(m[-1][1]), float(m[-1][2] or 0)) if m else (None, None, None)
            sc = re.findall(rf"{re.escape(section)}/bench1: feedback released \(score \[([\d.]+), ([\d.]+)\]\)", text)
            load = os.getloadavg()[0]
            rows.append((section, rnd, latency, cells, wall, waited, sc[-1] if sc else None, load))
            print(f"[bench] {section} ({rnd}): submit to feedback {latency:.1f} s; notebook's own cells {cells} s "
                  f"(engine job {wall} s); score {sc[-1] if sc else '?'}; load {load:.1f}", flush=True)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    load1 = os.getloadavg()[0]
    print()
    print(f"{dt.datetime.now():%Y-%m-%d %H:%M}, CI profile, one submission at a time (reference solutions), "
          f"{os.cpu_count()} CPU cores, {platform.platform()}; load average {load0:.1f} at the start, "
          f"{load1:.1f} at the end; hub start-up {startup:.1f} s")
    print()
    print("| section | service | submit → feedback released | notebook's own cells (engine) | engine job | "
          "hub overhead (latency − cells) | of which waiting for the warm template | score | load avg |")
    print("|---|---|---|---|---|---|---|---|---|")
    for section, rnd, latency, cells, wall, waited, sc, load in rows:
        over = f"{latency - cells:.1f} s" if cells is not None else "?"
        score = f"{float(sc[0]):g} / {float(sc[1]):g}" if sc else "?"
        print(f"| `{section}` | {rnd} | {latency:.1f} s | {cells if cells is not None else '?'} s | "
              f"{wall if wall is not None else '?'} s | {over} | {waited if waited is not None else '?'} s | "
              f"{score} | {load:.1f} |")


if __name__ == "__main__":
    main()
