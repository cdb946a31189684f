"""How long the first ``load_model()`` takes in a fresh Python process, library imports included.

Each repetition starts a new interpreter (nothing cached in memory but the OS page cache) and times,
in order: ``import torch``, ``import transformer_lens``, ``import sae_lens``, then ``load_model(mode="zoo")``
(the zoo LM and tokenizer built as a ``HookedSAETransformer``), then the first ``load_sae``.
It also reports the ten slowest imports from ``python -X importtime`` of the whole first call.

    .venv/bin/python bench/bench_load_model.py [--reps 5]

Prints one line per repetition and the medians; nothing is timed in a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, time
t0 = time.perf_counter()
import torch
t1 = time.perf_counter()
import transformer_lens
t2 = time.perf_counter()
import sae_lens
t3 = time.perf_counter()
from sae_course.zoo import load_model, load_sae
t4 = time.perf_counter()
model = load_model(mode="zoo")
t5 = time.perf_counter()
sae = load_sae("resid_pre", 1, mode="zoo")
t6 = time.perf_counter()
print("TIMES" + json.dumps({"import torch": t1 - t0, "import transformer_lens": t2 - t1,
      "import sae_lens": t3 - t2, "import sae_course.zoo": t4 - t3, "load_model (weights)": t5 - t4,
      "first load_sae": t6 - t5, "total": t6 - t0}))
"""

FIRST_CALL = r"""
from sae_course.zoo import load_model
load_model(mode="zoo")
"""


def run_child(code: str, extra: list[str] | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, SAE_COURSE_MODE="zoo", HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, *(extra or []), "-c", code], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def slowest_imports(n: int = 10) -> list[tuple[float, str]]:
    proc = run_child(FIRST_CALL, ["-X", "importtime"])
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cum_us, name = line[len("import time:"):].split("|", 2)
        rows.append((int(cum_us) / 1e6, name.rstrip()))
    # root imports only: importtime indents a nested import's name by two spaces per level
    roots = [(t, name[1:]) for t, name in rows if name.startswith(" ") and not name.startswith("  ")]
    return sorted(roots, reverse=True)[:n]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args(argv)
    results = []
    for i in range(args.reps):
        proc = run_child(CHILD)
        if proc.returncode != 0:
            print(proc.stderr[-2000:], file=sys.stderr)
            return 1
        t = json.loads(proc.stdout.split("TIMES", 1)[1])
        results.append(t)
        print(f"rep {i + 1}: " + ", ".join(f"{k} {v:.2f}s" for k, v in t.items()))
    print("median over", args.reps, "fresh processes:")
    for k in results[0]:
        print(f"  {k:<26} {statistics.median(r[k] for r in results):6.2f} s")
    print("slowest root imports of a first load_model() (python -X importtime, cumulative):")
    for t, name in slowest_imports():
        print(f"  {t:6.2f} s  {name}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (cores: {os.cpu_count()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
