"""Rebuild the whole zoo from scratch: ``python -m sae_course.zoo.build`` (``make zoo``).

corpus -> tokenizer -> LM -> SAEs + transcoders -> evaluation -> model card (``docs/zoo.md``).

Deterministic: every random number comes from a fixed seed (corpus: ``random.Random`` seeded by
strings; torch: ``torch.manual_seed``), ``torch.use_deterministic_algorithms(True)``, and a fixed
thread count (2, or ``SAE_COURSE_THREADS``) because CPU float reductions depend on it. Runs offline
(``HF_HUB_OFFLINE=1``, wandb off). The new zoo is built in a temporary folder next to ``weights/`` and
swapped in only when every step has succeeded.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
import warnings
from pathlib import Path

from ..loader import WEIGHTS_DIR

SEED = 0


def _determinism(threads: int) -> None:
    import numpy as np
    import torch

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("WANDB_MODE", "disabled")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set in this process
        pass
    torch.use_deterministic_algorithms(True, warn_only=True)
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message=".*model_from_pretrained_kwargs.*")


def _train_saes(zoo_dir: Path, sae_scale: float, progress: bool, jobs: int = 1, threads: int = 2) -> None:
    """Every SAE and transcoder of ``train_saes.default_specs``, on the LM as the loader builds it; with
    ``jobs`` > 1, that many at a time in worker processes (the same files: see ``train_all_parallel``)."""
    import torch

    from ..loader import load_zoo_model
    from . import train_saes

    torch.manual_seed(SEED)
    model = load_zoo_model(lm_dir=zoo_dir / "lm", tokenizer_dir=zoo_dir / "tokenizer")
    specs = train_saes.default_specs(model.cfg.n_layers)
    if sae_scale != 1.0:
        for s in specs:
            s.steps = max(50, int(s.steps * sae_scale))
    if jobs > 1:
        train_saes.train_all_parallel(zoo_dir, specs, seed=SEED, jobs=jobs, threads_per_job=max(1, threads // jobs),
                                      transcoder_threads=threads, progress=progress)
    else:
        train_saes.train_all(model, zoo_dir / "saes", specs, seed=SEED, progress=progress)


def _swap_in(tmp: Path, out: Path) -> None:
    """Make every file readable by others, then replace ``out`` with the finished ``tmp``."""
    # safetensors writes 0600 files; the grading sandbox runs kernels as another user, who must read them.
    for f in tmp.rglob("*"):
        f.chmod(0o755 if f.is_dir() else 0o644)
    if out.exists():
        old = out.parent / (out.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old)
    else:
        tmp.rename(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sae_course.zoo.build", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(WEIGHTS_DIR), help="where the zoo goes (default: the package's weights/)")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("SAE_COURSE_THREADS", 2)))
    parser.add_argument("--sae-jobs", type=int, default=int(os.environ.get("SAE_COURSE_ZOO_JOBS", 2)),
                        help="SAEs trained at a time (runner SAEs on threads/jobs threads, transcoders on --threads: same weights)")
    parser.add_argument("--saes-only", action="store_true",
                        help="retrain only the SAEs and transcoders of the zoo in --out, on its LM (no card)")
    parser.add_argument("--lm-steps", type=int, default=None, help="override the LM's training steps")
    parser.add_argument("--sae-scale", type=float, default=1.0, help="scale every SAE's steps (quick test builds)")
    parser.add_argument("--no-card", action="store_true", help="don't update docs/zoo.md")
    parser.add_argument("--eval-size", choices=["full", "quick"], default="full")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    # OpenMP's default busy-waiting makes 2 threads ~10x slower on a busy machine; sleep instead.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    _determinism(args.threads)
    import torch
    from tqdm.auto import tqdm

    from .. import corpus
    from . import train_lm
    from ..tokenizer import build_tokenizer

    out = Path(args.out).resolve()
    if args.saes_only:  # e.g. to check that the SAE stage reproduces the committed files
        t0 = time.time()
        _train_saes(out, args.sae_scale, not args.quiet, jobs=args.sae_jobs, threads=args.threads)
        print(f"[zoo] SAEs and transcoders retrained in {time.time() - t0:.0f}s -> {out / 'saes'}")
        return 0
    tmp = out.parent / (out.name + ".building")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    progress = not args.quiet
    timings: dict[str, float] = {}
    t_all = time.time()
    steps = tqdm(total=5, desc="make zoo", disable=not progress, position=0)

    def done(name: str, t0: float) -> None:
        timings[name] = round(time.time() - t0, 1)
        steps.update(1)
        steps.set_postfix_str(f"{name} {timings[name]:.0f}s")
        if progress:
            tqdm.write(f"[zoo] {name}: {timings[name]:.1f}s")

    # 1-2. corpus (generated on the fly from seeds) and tokenizer
    t0 = time.time()
    build_tokenizer(tmp / "tokenizer")
    done("tokenizer", t0)

    # 3. language model
    t0 = time.time()
    tc = train_lm.LMTrainConfig(seed=SEED)
    if args.lm_steps:
        tc.steps = args.lm_steps
    train_lm.train_lm(tmp / "lm", tmp / "tokenizer", tc, progress=progress)
    done("lm", t0)

    # 4. SAEs (SAELens runner) and transcoders (own loop), on the processed model as it is loaded
    t0 = time.time()
    _train_saes(tmp, args.sae_scale, progress, jobs=args.sae_jobs, threads=args.threads)
    done("saes", t0)
    _swap_in(tmp, out)

    # 5. evaluation + model card
    from . import evaluate

    t0 = time.time()
    figures = evaluate.evaluate_zoo(out, size=args.eval_size, progress=progress)
    done("evaluate", t0)
    timings["total"] = round(time.time() - t_all, 1)
    figures["build"] = {"timings_s": timings, "threads": args.threads, "sae_jobs": args.sae_jobs, "seed": SEED,
                        "torch": torch.__version__, "vocab": len(corpus.vocabulary())}
    evaluate.write_figures(out, figures, card=not args.no_card)
    steps.update(1)
    steps.close()
    bad = evaluate.check_figures(figures)
    print(f"[zoo] built in {timings['total']:.0f}s -> {out} ({evaluate.dir_size_mb(out):.1f} MB); "
          f"quality {'OK' if not bad else 'FAILS: ' + '; '.join(bad)}")
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
