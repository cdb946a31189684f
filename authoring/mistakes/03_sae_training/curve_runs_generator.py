"""Authoring tool (not shipped with the release): regenerate the mystery runs of section 3's exercise 3.3.

Trains, on the zoo model's residual stream entering layer 1 and with the CI profile's sizes, one reference run
and five short runs that each carry one configuration mistake, and writes their logged metrics (without
the configs, the learning rate or the sparsity coefficient) to ``sae_course/curve_runs.py``. Which mistake
is behind which run lives only here and in the master notebook's solution and hidden tests.

    .venv/bin/python authoring/mistakes/03_sae_training/curve_runs_generator.py

Seeded: a second run on the same machine and library versions writes the same file.
"""

from __future__ import annotations

import math
import os
import pprint
import sys
from pathlib import Path

from sae_lens import LanguageModelSAERunnerConfig, StandardTrainingSAEConfig

from sae_course import training
from sae_course.config import setup_notebook
from sae_course.zoo import describe, load_model, zoo_tokens

ROOT = Path(__file__).resolve().parents[3]
OUT = ROOT / "sae_course" / "curve_runs.py"
KEYS = ("step", "mse_loss", "sparsity_loss", "l0", "explained_variance", "l2_ratio", "dead_frac", "dense_frac")
BATCH, STEPS, CONTEXT = 512, 120, 128
# name -> (mistake, changes to the reference run). The reference: standard SAE, 4x, L1 = 2 warmed up over 10% of
# the steps, lr 1e-3 warmed up over 5% and decayed to lr/10 over the last 20%, 120 steps of 512 tokens.
RUNS = {
    "reference": (None, {}),
    "run A": ("l1_too_low", {"l1": 0.03}),
    "run B": ("lr_too_high", {"lr": 0.05, "warm": 0.0}),
    "run C": ("too_few_steps", {"steps": 16}),
    "run D": ("l1_too_high", {"l1": 40.0}),
    "run E": ("lr_too_low", {"lr": 2e-5}),
}


def config(model, info, hook, l1=2.0, lr=1e-3, warm=0.05, steps=STEPS):
    d = model.cfg.d_model
    sae = StandardTrainingSAEConfig(d_in=d, d_sae=4 * d, l1_coefficient=l1, l1_warm_up_steps=steps // 10,
                                    normalize_activations="expected_average_only_in")
    return LanguageModelSAERunnerConfig(
        sae=sae, model_name=info["model_name"], hook_name=hook, training_tokens=steps * BATCH,
        train_batch_size_tokens=BATCH, context_size=CONTEXT, store_batch_size_prompts=16,
        n_batches_in_buffer=math.ceil(2 * BATCH / CONTEXT), lr=lr, lr_scheduler_name="constant",
        lr_warm_up_steps=round(warm * steps), lr_decay_steps=steps // 5, lr_end=lr / 10,
        feature_sampling_window=max(1, steps // 4), dead_feature_window=max(1, steps // 4),
        n_batches_for_norm_estimate=min(20, steps), device="cpu", seed=0, **training.offline_kwargs())


def generate(names=None) -> dict:
    """The logged metrics of the runs ``names`` (default: all), rounded to 4 significant digits."""
    setup_notebook(seed=0, quiet=True)
    old_mode = os.environ.get("SAE_COURSE_MODE")
    os.environ["SAE_COURSE_MODE"] = "zoo"  # the runs are the zoo model's, whatever the machine can reach
    try:
        model = load_model(device="cpu")
    finally:
        if old_mode is None:
            os.environ.pop("SAE_COURSE_MODE")
        else:
            os.environ["SAE_COURSE_MODE"] = old_mode
    info = describe("zoo")
    hook = "blocks.1.hook_resid_pre"
    tokens = zoo_tokens(2_400, CONTEXT, split="train", seed=3, model=model)
    out = {}
    for name in names or RUNS:
        change = RUNS[name][1]
        r = training.train_sae(config(model, info, hook, **change), model, tokens, stop_if_all_dead=False,
                               quiet=True, log_every=max(1, change.get("steps", STEPS) // 40))
        out[name] = {k: [float(f"{v:.4g}") for v in r.history[k]] for k in KEYS}
        out[name]["step"] = [int(v) for v in r.history["step"]]
    return out


def main() -> None:
    out = generate()
    for name, h in out.items():
        print(name, {k: h[k][-1] for k in KEYS}, file=sys.stderr)
    body = pprint.pformat(out, width=118, compact=True, sort_dicts=False)
    OUT.write_text(
        '"""Logged metrics of six short SAE training runs on the zoo model (section 3, exercise 3.3).\n\n'
        "Written by authoring/mistakes/03_sae_training/curve_runs_generator.py (seeded); do not edit by hand.\n"
        "Each run's metrics are those of ``training.train_sae``'s history (on that step's training batch).\n"
        '"""\n\nimport copy\n\n'
        f"_RUNS = {body}\n\n\n"
        "def curve_runs() -> dict:\n"
        '    """{run name: {metric: list of floats per logged step}} (a fresh copy on each call)."""\n'
        "    return copy.deepcopy(_RUNS)\n")
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
