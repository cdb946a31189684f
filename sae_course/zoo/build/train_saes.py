"""Train the zoo's SAEs and transcoders on the (processed) zoo LM.

* Residual-stream SAEs (``blocks.L.hook_resid_pre``) and attention-output SAEs (``blocks.L.attn.hook_z``,
  ``reshape_activations="hook_z"``, d_in = n_heads * d_head) are trained by SAELens's own
  ``LanguageModelSAETrainingRunner`` (``override_model`` = the zoo LM, ``override_dataset`` = pretokenized
  corpus windows, wandb off). They are standard ReLU SAEs with an L1 penalty, as the GPT-2 releases
  the hub mode loads (``gpt2-small-res-jb``, ``gpt2-small-hook-z-kk``).
* SAELens 6.54's runner trains SAEs only (one hook in, same hook out), so the MLP **transcoders**
  are trained here by a short loop of our own: a ``sae_lens.Transcoder`` (ReLU, L1 penalty weighted by
  decoder norms) reads ``blocks.L.ln2.hook_normalized`` (= the MLP's input, LayerNorm folded) and
  predicts ``blocks.L.hook_mlp_out``. It is saved with ``save_model`` and comes back from
  ``SAE.load_from_disk`` as a ``Transcoder`` whose ``metadata.hook_name_out`` is the MLP output hook.

Every SAE is saved with ``save_model`` (``cfg.json`` + ``sae_weights.safetensors``) in
``weights/saes/<site>_<layer>/``.
"""

from __future__ import annotations

import functools
import json
import math
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ...training import StopAtHook
from ..data import zoo_tokens


@dataclass
class SAESpec:
    site: str  # "resid_pre" | "attn_z" | "transcoder"
    layer: int
    d_sae: int = 512
    l1: float = 2.0
    lr: float = 1e-3
    steps: int = 1000
    batch_tokens: int = 2048
    extra: dict = field(default_factory=dict)
    family_member: bool = False  # an extra width of the width family: saved as <site>_<layer>_w<d_sae>

    @property
    def name(self) -> str:
        return f"{self.site}_{self.layer}" + (f"_w{self.d_sae}" if self.family_member else "")

    @property
    def hook(self) -> str:
        return {
            "resid_pre": f"blocks.{self.layer}.hook_resid_pre",
            "attn_z": f"blocks.{self.layer}.attn.hook_z",
            "transcoder": f"blocks.{self.layer}.ln2.hook_normalized",
        }[self.site]

    @property
    def hook_out(self) -> str | None:
        return f"blocks.{self.layer}.hook_mlp_out" if self.site == "transcoder" else None


# Settings tuned on this zoo, per site and layer (defaults for layers not listed). Chosen so that every SAE
# meets the model card's bar (EV >= 0.8, CE recovered >= 0.9, dead <= 10%):
# - resid_pre_0 is the token embedding alone (shortformer keeps positions out of the residual stream):
#   only 174 distinct inputs, so a narrower SAE (fewer dead latents) with a light L1 (less shrinkage);
# - resid_pre_1 and attn_z_0 lost too much loss at L1 = 2 (CE recovered ~0.83), so L1 = 1;
# - transcoder_1's output feeds the unembedding directly: at L1 = 2 it explained 97% of the variance
#   yet recovered only 72% of the loss, so a lighter L1 and longer training.
SPEC_OVERRIDES: dict[tuple[str, int], dict] = {
    ("resid_pre", 0): dict(d_sae=256, l1=0.5),
    ("resid_pre", 1): dict(l1=1.0),
    ("attn_z", 0): dict(l1=1.0),
    ("transcoder", 1): dict(l1=0.5, steps=4000),
}
SITE_DEFAULTS: dict[str, dict] = {
    "resid_pre": dict(d_sae=512, l1=2.0, steps=1000),
    "attn_z": dict(d_sae=512, l1=2.0, steps=1000),
    "transcoder": dict(d_sae=512, l1=2.0, steps=2000),
}


# Feature splitting: the residual SAE of layer 1 in several widths, all with that SAE's recipe
# (same L1, learning rate, steps and batch; only d_sae changes). The standard resid_pre_1 is one member.
# 384 is the narrowest that meets the card's CE-recovered bar with this recipe (128: 0.82, 256: 0.90).
WIDTH_FAMILY = {"site": "resid_pre", "layer": 1, "widths": [384, 512, 768, 1024, 2048]}


def default_specs(n_layers: int) -> list[SAESpec]:
    specs = [SAESpec(site, layer, **{**SITE_DEFAULTS[site], **SPEC_OVERRIDES.get((site, layer), {})})
             for site in ("resid_pre", "attn_z", "transcoder") for layer in range(n_layers)]
    site, layer = WIDTH_FAMILY["site"], WIDTH_FAMILY["layer"]
    base = next(s for s in specs if (s.site, s.layer) == (site, layer))
    for width in WIDTH_FAMILY["widths"]:
        if width != base.d_sae:
            specs.append(SAESpec(site, layer, **{**SITE_DEFAULTS[site], **SPEC_OVERRIDES.get((site, layer), {}),
                                                 "d_sae": width}, family_member=True))
    return specs


CONTEXT_SIZE = 128


def sae_dataset(n_seqs: int, seed: int = 0):
    """Pretokenized train windows as a ``datasets.Dataset`` with an ``input_ids`` column."""
    from datasets import Dataset

    toks = zoo_tokens(n_seqs, CONTEXT_SIZE, split="train", seed=seed + 101)
    return Dataset.from_dict({"input_ids": toks.tolist()})


def train_runner_sae(model, spec: SAESpec, dataset, out_dir: Path, seed: int = 0, progress: bool = True):
    """One SAE with SAELens's ``LanguageModelSAETrainingRunner``; saved to ``out_dir`` by the runner."""
    from sae_lens import (
        LanguageModelSAERunnerConfig,
        LanguageModelSAETrainingRunner,
        LoggingConfig,
        StandardTrainingSAEConfig,
    )

    d_in = model.cfg.d_model if spec.site == "resid_pre" else model.cfg.n_heads * model.cfg.d_head
    sae_cfg = StandardTrainingSAEConfig(
        d_in=d_in,
        d_sae=spec.d_sae,
        l1_coefficient=spec.l1,
        l1_warm_up_steps=spec.steps // 5,
        normalize_activations="expected_average_only_in",
        reshape_activations="hook_z" if spec.site == "attn_z" else "none",
        **spec.extra.get("sae", {}),
    )
    batch = spec.batch_tokens
    prompts = max(8, batch // CONTEXT_SIZE)
    cfg = LanguageModelSAERunnerConfig(
        sae=sae_cfg,
        model_name="zoo-lm",
        hook_name=spec.hook,
        dataset_path="",
        is_dataset_tokenized=True,
        streaming=False,
        context_size=CONTEXT_SIZE,
        prepend_bos=True,
        training_tokens=spec.steps * batch,
        train_batch_size_tokens=batch,
        store_batch_size_prompts=prompts,
        n_batches_in_buffer=max(2, math.ceil(4 * batch / CONTEXT_SIZE / prompts)) * 4,
        lr=spec.lr,
        lr_warm_up_steps=spec.steps // 20,
        lr_decay_steps=spec.steps // 5,
        feature_sampling_window=spec.steps // 2,
        dead_feature_window=spec.steps // 2,
        n_eval_batches=2,
        eval_batch_size_prompts=8,
        n_batches_for_norm_estimate=20,
        logger=LoggingConfig(log_to_wandb=False),
        device="cpu",
        seed=seed,
        output_path=str(out_dir),
        checkpoint_path=None,
        verbose=progress,
        **spec.extra.get("runner", {}),
    )
    runner = LanguageModelSAETrainingRunner(cfg, override_model=model, override_dataset=dataset)
    runner.activations_store.model = StopAtHook(model)  # the same activations, without the layers after the hook
    return runner.run()


def collect_mlp_acts(model, layers: list[int], n_seqs: int, seed: int = 0, batch_size: int = 32):
    """MLP input (ln2.hook_normalized) and output (hook_mlp_out) for ``layers`` on train windows."""
    toks = zoo_tokens(n_seqs, CONTEXT_SIZE, split="train", seed=seed + 202)
    names = [f"blocks.{layer}.{h}" for layer in layers for h in ("ln2.hook_normalized", "hook_mlp_out")]
    acts = {n: [] for n in names}
    with torch.no_grad():
        for i in range(0, len(toks), batch_size):
            _, cache = model.run_with_cache(toks[i:i + batch_size], names_filter=lambda n: n in acts)
            for n in names:
                acts[n].append(cache[n].reshape(-1, cache[n].shape[-1]).clone())
    return {n: torch.cat(v) for n, v in acts.items()}


def train_transcoder(x_in: torch.Tensor, x_out: torch.Tensor, spec: SAESpec, seed: int = 0,
                     progress: bool = True):
    """A ``sae_lens.Transcoder`` fit by Adam on (MLP in, MLP out) pairs with an L1 penalty.

    Inputs and outputs are scaled to mean squared norm d (as SAELens's ``expected_average_only_in``);
    the scales are folded into the weights at the end so the saved transcoder works on raw activations.
    """
    from sae_lens import Transcoder, TranscoderConfig
    from sae_lens.saes.sae import SAEMetadata
    from tqdm.auto import tqdm

    g = torch.Generator().manual_seed(seed)
    d_in, d_out = x_in.shape[1], x_out.shape[1]
    s_in = math.sqrt(d_in) / x_in.norm(dim=-1).pow(2).mean().sqrt().item()
    s_out = math.sqrt(d_out) / x_out.norm(dim=-1).pow(2).mean().sqrt().item()
    # parameters (trained in scaled space)
    torch.manual_seed(seed)
    W_dec = torch.randn(spec.d_sae, d_out, generator=g)
    W_dec = 0.1 * W_dec / W_dec.norm(dim=-1, keepdim=True)
    W_enc = torch.randn(d_in, spec.d_sae, generator=g) / math.sqrt(d_in)
    b_enc = torch.zeros(spec.d_sae)
    b_dec = (x_out * s_out).mean(0).clone()
    params = [p.requires_grad_() for p in (W_enc, b_enc, W_dec, b_dec)]
    opt = torch.optim.Adam(params, lr=spec.lr, betas=(0.9, 0.999))
    n = len(x_in)
    warm = max(1, spec.steps // 20)
    l1_warm = max(1, spec.steps // 5)
    decay_from = int(spec.steps * 0.8)
    last_fired = torch.zeros(spec.d_sae, dtype=torch.long)
    bar = tqdm(range(spec.steps), desc=f"transcoder L{spec.layer}", disable=not progress, mininterval=2.0)
    stats = {}
    for step in bar:
        lr = spec.lr * min(1.0, (step + 1) / warm)
        if step >= decay_from:
            lr *= max(0.0, (spec.steps - step) / (spec.steps - decay_from))
        for group in opt.param_groups:
            group["lr"] = lr
        idx = torch.randint(0, n, (spec.batch_tokens,), generator=g)
        xi, xo = x_in[idx] * s_in, x_out[idx] * s_out
        acts = torch.relu(xi @ W_enc + b_enc)
        pred = acts @ W_dec + b_dec
        mse = (pred - xo).pow(2).sum(-1).mean()
        sparsity = (acts * W_dec.norm(dim=-1)).sum(-1).mean()
        l1 = spec.l1 * min(1.0, (step + 1) / l1_warm)
        loss = mse + l1 * sparsity
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            fired = (acts > 0).any(0)
            last_fired[fired] = step
        if step % 50 == 0:
            with torch.no_grad():
                ev = 1 - (pred - xo).pow(2).sum() / (xo - xo.mean(0)).pow(2).sum()
                stats = {"mse": mse.item(), "ev": ev.item(), "l0": (acts > 0).float().sum(-1).mean().item(),
                         "dead": (step - last_fired > 500).float().mean().item() if step > 500 else 0.0}
            bar.set_postfix({k: f"{v:.3f}" for k, v in stats.items()})

    cfg = TranscoderConfig(
        d_in=d_in, d_sae=spec.d_sae, d_out=d_out, apply_b_dec_to_input=False,
        normalize_activations="none", dtype="float32", device="cpu",
        metadata=SAEMetadata(
            hook_name=spec.hook, hook_name_out=spec.hook_out, model_name="zoo-lm",
            context_size=CONTEXT_SIZE, prepend_bos=True, dataset_path="sae_course.zoo.corpus",
        ),
    )
    tc = Transcoder(cfg)
    with torch.no_grad():
        # scaled: pred_s = relu(s_in x W_enc + b_enc) W_dec + b_dec ; raw output = pred_s / s_out
        tc.W_enc.copy_(W_enc * s_in)
        tc.b_enc.copy_(b_enc)
        tc.W_dec.copy_(W_dec / s_out)
        tc.b_dec.copy_(b_dec / s_out)
    return tc, stats


def train_all(model, out_dir: str | Path, specs: list[SAESpec] | None = None, seed: int = 0,
              progress: bool = True, only: list[str] | None = None) -> dict:
    """Train every spec (or those named in ``only``) and save them under ``out_dir/<site>_<layer>``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    specs = specs or default_specs(model.cfg.n_layers)
    if only:
        specs = [s for s in specs if s.name in only]
    timings = {}
    runner_specs = [s for s in specs if s.site != "transcoder"]
    tc_specs = [s for s in specs if s.site == "transcoder"]
    if runner_specs:
        t0 = time.time()
        dataset = sae_dataset(_dataset_rows(specs), seed)
        timings["dataset_s"] = round(time.time() - t0, 1)
        for spec in runner_specs:
            t0 = time.time()
            _train_and_save(model, spec, out_dir / spec.name, seed, progress, dataset=dataset)
            timings[spec.name] = round(time.time() - t0, 1)
    if tc_specs:
        t0 = time.time()
        n_seqs = tc_specs[0].extra.get("n_seqs", 1000)
        acts = collect_mlp_acts(model, sorted({s.layer for s in tc_specs}), n_seqs, seed)
        timings["mlp_acts_s"] = round(time.time() - t0, 1)
        for spec in tc_specs:
            t0 = time.time()
            _train_and_save(model, spec, out_dir / spec.name, seed, progress, acts=acts)
            timings[spec.name] = round(time.time() - t0, 1)
    with open(out_dir / "training.json", "w") as f:
        json.dump({"specs": [_spec_dict(s) for s in specs], "timings_s": timings}, f, indent=2)
    return timings


def _dataset_rows(specs: list[SAESpec]) -> int:
    """Rows of the runner's token dataset: enough for the longest runner SAE (every runner SAE reads it)."""
    runner = [s for s in specs if s.site != "transcoder"]
    return min(max(s.steps * s.batch_tokens for s in runner) // CONTEXT_SIZE + 64, 20_000) if runner else 0


def _train_and_save(model, spec: SAESpec, dest: Path, seed: int, progress: bool, dataset=None, acts=None) -> None:
    """One SAE (SAELens's runner, on ``dataset``) or transcoder (own loop, on ``acts``), saved as the zoo keeps it."""
    if dest.exists():
        shutil.rmtree(dest)
    if spec.site != "transcoder":
        torch.manual_seed(seed)
        train_runner_sae(model, spec, dataset, dest, seed=seed, progress=progress)
        _tidy(dest)
        _clean_cfg(dest)
    else:
        tc, _ = train_transcoder(acts[f"blocks.{spec.layer}.ln2.hook_normalized"],
                                 acts[f"blocks.{spec.layer}.hook_mlp_out"], spec, seed=seed, progress=progress)
        dest.mkdir(parents=True)
        tc.save_model(str(dest))


def train_all_parallel(zoo_dir: str | Path, specs: list[SAESpec], seed: int = 0, jobs: int = 2,
                       threads_per_job: int = 1, transcoder_threads: int = 2, progress: bool = True) -> dict:
    """``train_all`` with ``jobs`` SAEs at a time, each in its own process, longest first.

    Every SAE re-seeds torch and reads the same dataset as in ``train_all`` (its size is set by all the runner
    specs), so the files are those ``train_all`` writes, provided the thread counts allow it: the runner's SAEs
    come out the same on one thread as on two (all eight checked bit for bit), the transcoder loop does not
    (layer 1's differs on one thread), so transcoders get ``transcoder_threads``, the build's own count."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from tqdm.auto import tqdm

    zoo_dir = Path(zoo_dir)
    out_dir = zoo_dir / "saes"
    out_dir.mkdir(parents=True, exist_ok=True)
    n_rows = _dataset_rows(specs)
    tc_specs = [s for s in specs if s.site == "transcoder"]
    tc_layers = sorted({s.layer for s in tc_specs})
    n_seqs = tc_specs[0].extra.get("n_seqs", 1000) if tc_specs else 0
    # rough cost per step, measured: the runner's forward pass to the hook weighs about 600 latents, a transcoder
    # step about 450
    order = sorted(specs, key=lambda s: -s.steps * (450 if s.site == "transcoder" else 600 + s.d_sae))
    timings: dict[str, float] = {}
    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: no torch thread pool inherited
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        futures = [pool.submit(_train_one, str(zoo_dir), s, n_rows, tc_layers, n_seqs, seed,
                               transcoder_threads if s.site == "transcoder" else threads_per_job)
                   for s in order]
        bar = tqdm(total=len(futures), desc=f"SAEs ({jobs} at a time)", disable=not progress)
        for fut in as_completed(futures):
            name, secs = fut.result()
            timings[name] = secs
            bar.update(1)
            bar.set_postfix_str(f"{name} {secs:.0f}s")
        bar.close()
    timings = {s.name: timings[s.name] for s in specs}
    with open(out_dir / "training.json", "w") as f:
        json.dump({"specs": [_spec_dict(s) for s in specs], "timings_s": timings, "jobs": jobs,
                   "threads_per_job": threads_per_job, "transcoder_threads": transcoder_threads}, f, indent=2)
    return timings


def _train_one(zoo_dir: str, spec: SAESpec, n_rows: int, tc_layers: list[int], n_seqs: int, seed: int,
               threads: int) -> tuple[str, float]:
    """One SAE or transcoder of ``train_all_parallel``, in a worker process: as ``train_all`` trains it."""
    from ..loader import load_zoo_model
    from .__main__ import _determinism

    _determinism(threads)
    zoo = Path(zoo_dir)
    torch.manual_seed(seed)
    model = load_zoo_model(lm_dir=zoo / "lm", tokenizer_dir=zoo / "tokenizer")
    t0 = time.time()
    if spec.site != "transcoder":
        _train_and_save(model, spec, zoo / "saes" / spec.name, seed, False, dataset=_worker_dataset(n_rows, seed))
    else:
        _train_and_save(model, spec, zoo / "saes" / spec.name, seed, False,
                        acts=collect_mlp_acts(model, tc_layers, n_seqs, seed))
    return spec.name, round(time.time() - t0, 1)


@functools.lru_cache(maxsize=1)
def _worker_dataset(n_rows: int, seed: int):
    """A worker's token dataset, built once for all the SAEs it trains (train_all also reuses one for all)."""
    return sae_dataset(n_rows, seed)


def _spec_dict(s: SAESpec) -> dict:
    return {"name": s.name, "site": s.site, "layer": s.layer, "hook": s.hook, "hook_out": s.hook_out,
            "d_sae": s.d_sae, "l1": s.l1, "lr": s.lr, "steps": s.steps, "batch_tokens": s.batch_tokens,
            "extra": s.extra}


def _clean_cfg(dest: Path) -> None:
    """Runner metadata that doesn't apply to the zoo: the override model had no from_pretrained kwargs
    (left in, they make every load warn) and the dataset was the corpus, not a hub path."""
    path = dest / "cfg.json"
    cfg = json.loads(path.read_text())
    meta = cfg.setdefault("metadata", {})
    meta["model_from_pretrained_kwargs"] = {}
    meta["dataset_path"] = "sae_course.zoo.corpus"
    meta["model_class_name"] = "HookedSAETransformer"
    # sorted: the runner's key order varies between runs, and make zoo must rebuild every byte
    path.write_text(json.dumps(cfg, sort_keys=True))


def _tidy(dest: Path) -> None:
    """Keep what ``SAE.load_from_disk`` needs plus the small sparsity log; drop the runner config."""
    for p in dest.iterdir():
        if p.name not in ("cfg.json", "sae_weights.safetensors", "sparsity.safetensors"):
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink()
