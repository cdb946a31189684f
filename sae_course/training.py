"""Run SAELens's training runner offline, after checking the config for the usual mistakes.

Section 3 of the course builds a ``LanguageModelSAERunnerConfig`` (the student's own code) and
hands it here. This module is plumbing, not an answer:

* :func:`check_config` / :func:`validate_config` read a runner config against the model and the
  token tensor it will train on, and turn the failure modes we know of into one plain explanation
  (a buffer smaller than a batch, a ``d_in`` that is not the hook's width, an unknown hook, a
  warm-up longer than the run, too few tokens, ...) instead of a stack trace from deep inside
  SAELens.
* :func:`train_sae` runs ``LanguageModelSAETrainingRunner`` with ``override_model`` and
  ``override_dataset`` (no hub, no downloads), records training curves on the way (SAELens itself
  only logs to Weights & Biases), stops early and explains when *every* latent has died, and returns
  the trained SAE as an inference ``SAE`` plus its history.
* :func:`saelens_eval` runs SAELens's own evaluation (``run_evals``) on exactly the tokens you give
  it, so hand-written metrics can be compared with the library's.

Weights & Biases is off unless you ask for it: set ``WANDB_MODE=offline`` (runs are written under
``./wandb`` and can be synced later) or ``WANDB_MODE=online`` with ``WANDB_API_KEY`` set.
``setup_notebook`` sets ``WANDB_MODE=disabled`` when it is unset.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import difflib
import hashlib
import json
import math
import os
import signal
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import torch

__all__ = [
    "AllLatentsDead",
    "ConfigError",
    "ConfigReport",
    "TrainResult",
    "check_config",
    "clear_cache",
    "hook_width",
    "logging_config",
    "offline_kwargs",
    "saelens_eval",
    "tokens_dataset",
    "train_sae",
    "validate_config",
    "wandb_enabled",
]

# A run has collapsed when, over ``dead_check_steps`` steps, fewer than one token in ten has any active latent.
COLLAPSED_L0 = 0.1
SCHEDULERS = ("constant", "cosineannealing", "cosineannealingwarmrestarts")
HEAD_HOOKS = ("hook_q", "hook_k", "hook_v", "hook_z")


class ConfigError(ValueError):
    """A runner config that cannot train (or cannot train sensibly); the message says why."""


class AllLatentsDead(RuntimeError):
    """Training stopped because no latent fired for a while: the run can only get worse."""

    def __init__(self, message: str, history: dict | None = None):
        super().__init__(message)
        self.history = history or {}


# ---------------------------------------------------------------------------------------------------
# Weights & Biases
# ---------------------------------------------------------------------------------------------------
def wandb_enabled() -> bool:
    """True when the user asked for Weights & Biases logging.

    ``WANDB_MODE=offline`` (local files) or ``online``/``run`` turn it on; so does a ``WANDB_API_KEY``
    when ``WANDB_MODE`` is unset. ``disabled`` (the course default) or nothing turns it off.
    """
    mode = os.environ.get("WANDB_MODE", "").strip().lower()
    if mode in ("disabled", "dryrun-disabled", "off", "false", "0"):
        return False
    if mode in ("offline", "online", "run", "dryrun"):
        return True
    return bool(os.environ.get("WANDB_API_KEY"))


def logging_config(project: str = "sae-course", run_name: str | None = None, log_every: int = 10):
    """A ``LoggingConfig`` that logs to W&B only when :func:`wandb_enabled` says so."""
    from sae_lens import LoggingConfig

    return LoggingConfig(log_to_wandb=wandb_enabled(), wandb_project=project, run_name=run_name,
                         wandb_log_frequency=log_every, log_weights_to_wandb=False)


def offline_kwargs(project: str = "sae-course", run_name: str | None = None) -> dict:
    """The runner-config fields that only say *where* things come from and go, for offline training.

    Spread them into ``LanguageModelSAERunnerConfig(..., **offline_kwargs())``: the data is a pretokenized
    tensor passed to :func:`train_sae` (no dataset path, no streaming, windows already start with BOS), no
    output or checkpoint folders, W&B as :func:`wandb_enabled` says, and a quiet runner.
    """
    return dict(dataset_path="", is_dataset_tokenized=True, streaming=False, prepend_bos=False,
                output_path=None, checkpoint_path=None, logger=logging_config(project, run_name), verbose=False)


# ---------------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------------
@dataclass
class ConfigReport:
    """What :func:`check_config` found. ``errors`` stop a run; ``warnings`` are worth reading."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    facts: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def __str__(self) -> str:
        lines = []
        for e in self.errors:
            lines.append("ERROR: " + e)
        for w in self.warnings:
            lines.append("warning: " + w)
        return "\n".join(lines) if lines else "config OK"


def _model_device(model) -> torch.device:
    try:
        return next(model.parameters()).device
    except StopIteration:  # pragma: no cover
        return torch.device("cpu")


@torch.no_grad()
def hook_width(model, hook_name: str, head_index: int | None = None) -> int:
    """The width of one token's activation at ``hook_name``, as SAELens's activation store sees it.

    Head hooks (``hook_z`` etc.) are flattened to ``n_heads * d_head`` unless ``head_index`` picks
    one head. Measured by running the model on two tokens, so it is right for any model.
    """
    toks = torch.zeros((1, 2), dtype=torch.long, device=_model_device(model))
    _, cache = model.run_with_cache(toks, names_filter=[hook_name])
    act = cache[hook_name]
    if head_index is not None and act.ndim == 4:
        act = act[:, :, head_index]
    return int(math.prod(act.shape[2:]))


def _known_hooks(model) -> list[str]:
    return sorted(getattr(model, "hook_dict", {}).keys())


def _steps(cfg) -> int:
    return int(cfg.training_tokens // max(1, cfg.train_batch_size_tokens))


def _sparsity_knob(sae_cfg) -> tuple[str | None, Any, int]:
    """(name, value, warm-up steps) of the sparsity coefficient, if the architecture has one."""
    for name in ("l1_coefficient", "l0_coefficient"):
        if hasattr(sae_cfg, name):
            warm = getattr(sae_cfg, name.replace("coefficient", "warm_up_steps"), 0)
            return name, getattr(sae_cfg, name), int(warm or 0)
    return None, None, 0


def check_config(cfg, model, tokens: torch.Tensor | None = None) -> ConfigReport:
    """Read ``cfg`` (a ``LanguageModelSAERunnerConfig``) against ``model`` and ``tokens``.

    Returns a :class:`ConfigReport`; nothing is trained. ``tokens`` is the ``[n_seqs, seq_len]``
    LongTensor the run will read (optional: the data checks are skipped without it).
    """
    from sae_lens import LanguageModelSAERunnerConfig

    rep = ConfigReport()
    E, W = rep.errors.append, rep.warnings.append

    if not isinstance(cfg, LanguageModelSAERunnerConfig):
        E(f"expected a LanguageModelSAERunnerConfig, got {type(cfg).__name__}. Build one with "
          "LanguageModelSAERunnerConfig(sae=<a *TrainingSAEConfig>, hook_name=..., ...).")
        return rep
    sae = cfg.sae
    arch = sae.architecture() if hasattr(sae, "architecture") else type(sae).__name__
    steps = _steps(cfg)
    rep.facts.update(architecture=arch, total_steps=steps)

    # --- the hook ---------------------------------------------------------------------------------
    hooks = _known_hooks(model)
    width = None
    if cfg.hook_name not in hooks:
        close = difflib.get_close_matches(cfg.hook_name, hooks, n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        E(f"hook_name={cfg.hook_name!r} is not a hook of this model.{hint} "
          f"The model has {model.cfg.n_layers} layers (0..{model.cfg.n_layers - 1}); see model.hook_dict "
          "for every name, e.g. 'blocks.0.hook_resid_pre', 'blocks.0.attn.hook_z', 'blocks.0.hook_mlp_out'.")
    else:
        width = hook_width(model, cfg.hook_name, cfg.hook_head_index)
        rep.facts["hook_width"] = width
        if sae.d_in != width:
            why = ""
            if any(h in cfg.hook_name for h in HEAD_HOOKS) and cfg.hook_head_index is None:
                why = (f" For {cfg.hook_name.split('.')[-1]} the store concatenates the heads: "
                       f"n_heads * d_head = {model.cfg.n_heads} * {model.cfg.d_head} = {width}.")
            elif "mlp.hook_" in cfg.hook_name:
                why = f" Inside the MLP (hook_pre/hook_post) the width is d_mlp = {model.cfg.d_mlp}, not d_model."
            E(f"sae.d_in={sae.d_in}, but activations at {cfg.hook_name!r} are {width} wide.{why} "
              f"Set d_in={width} (and d_sae to a multiple of it).")

    # --- SAE shape and sparsity -------------------------------------------------------------------
    if sae.d_sae <= 0 or sae.d_in <= 0:
        E(f"d_in={sae.d_in} and d_sae={sae.d_sae} must both be positive.")
    elif sae.d_sae < sae.d_in:
        W(f"d_sae={sae.d_sae} is smaller than d_in={sae.d_in}: an SAE is meant to be overcomplete "
          "(expansion factor d_sae/d_in of 4-32 is usual).")
    if arch in ("topk", "batchtopk"):
        k = getattr(sae, "k", None)
        if k is None or k < 1:
            E(f"k={k}: a TopK SAE keeps the k largest latents of each token, so k must be >= 1.")
        elif k > sae.d_sae:
            E(f"k={k} is larger than d_sae={sae.d_sae}: there are not that many latents to keep.")
        elif k >= sae.d_in:
            W(f"k={k} >= d_in={sae.d_in}: with that many active latents the SAE can copy its input "
              "without learning anything sparse.")
    knob, value, warm = _sparsity_knob(sae)
    if knob is not None:
        if value is None or value < 0:
            E(f"{knob}={value}: a sparsity coefficient must be >= 0.")
        elif value == 0:
            W(f"{knob}=0: nothing pushes the latents to be sparse; expect a dense, uninterpretable SAE.")
        if warm > steps > 0:
            E(f"{knob.replace('coefficient', 'warm_up_steps')}={warm} is longer than the whole run "
              f"({steps} steps): the sparsity penalty never reaches {knob}={value}. Warm-ups count "
              "optimizer steps, not tokens (a few % of the steps is usual).")
    if sae.normalize_activations == "none" and arch in ("standard", "gated"):
        W("normalize_activations='none' with an L1 penalty: the right l1_coefficient then depends on "
          "the activations' scale (which differs by hook and model). 'expected_average_only_in' "
          "rescales inputs to norm sqrt(d_in) so that one coefficient works everywhere.")

    # --- batches, buffer, steps -------------------------------------------------------------------
    ctx = cfg.context_size
    train_ctx = len(range(ctx)[slice(*cfg.seqpos_slice)]) if ctx > 0 else 0
    buffer_tokens = cfg.n_batches_in_buffer * train_ctx
    rep.facts.update(buffer_tokens=buffer_tokens)
    if cfg.train_batch_size_tokens <= 0:
        E(f"train_batch_size_tokens={cfg.train_batch_size_tokens} must be positive.")
    elif buffer_tokens < cfg.train_batch_size_tokens:
        need = math.ceil(cfg.train_batch_size_tokens / max(1, train_ctx))
        E(f"the activation buffer is smaller than one training batch. In this SAELens version the "
          f"buffer holds n_batches_in_buffer * context_size = {cfg.n_batches_in_buffer} * {train_ctx} = "
          f"{buffer_tokens} token activations, but each step needs train_batch_size_tokens = "
          f"{cfg.train_batch_size_tokens}. (SAELens would stop with 'Buffer size must be greater than or "
          f"equal to batch size'.) Use n_batches_in_buffer >= {need}; about twice that lets the buffer "
          "shuffle activations from different sequences.")
    if steps < 1:
        E(f"training_tokens={cfg.training_tokens} is less than one batch "
          f"(train_batch_size_tokens={cfg.train_batch_size_tokens}): the run would take zero steps.")
    elif steps < 20:
        W(f"only {steps} training steps: too few tokens to see anything but the first moments of "
          "training.")
    if cfg.lr <= 0:
        E(f"lr={cfg.lr} must be positive.")
    elif cfg.lr > 1e-2:
        W(f"lr={cfg.lr} is high for Adam on an SAE (1e-4 to 5e-3 is usual); expect spikes and dead latents.")
    if cfg.lr_scheduler_name.lower() not in SCHEDULERS:
        E(f"lr_scheduler_name={cfg.lr_scheduler_name!r} is not one of {SCHEDULERS}.")
    if cfg.lr_warm_up_steps < 0 or cfg.lr_decay_steps < 0:
        E("lr_warm_up_steps and lr_decay_steps must be >= 0.")
    elif steps >= 1 and cfg.lr_warm_up_steps + cfg.lr_decay_steps > steps:
        E(f"lr_warm_up_steps ({cfg.lr_warm_up_steps}) + lr_decay_steps ({cfg.lr_decay_steps}) is longer "
          f"than the run ({steps} steps = training_tokens // train_batch_size_tokens). Warm-up and decay "
          "count optimizer steps, not tokens.")
    norm_batches = cfg.n_batches_for_norm_estimate
    if sae.normalize_activations == "expected_average_only_in" and steps >= 1 and norm_batches > steps:
        E(f"n_batches_for_norm_estimate={norm_batches} is more than the {steps} training steps: the run "
          "would spend longer estimating the activations' norm than training. A few dozen batches "
          "estimate a mean norm well.")
    for name in ("feature_sampling_window", "dead_feature_window"):
        v = getattr(cfg, name)
        if v < 1:
            E(f"{name}={v} must be >= 1 (it counts steps).")
        elif steps >= 1 and v > steps:
            W(f"{name}={v} is longer than the run ({steps} steps): no latent can be counted as dead "
              "before training ends.")

    # --- sequences and data -----------------------------------------------------------------------
    n_ctx = model.cfg.n_ctx
    if ctx < 1:
        E(f"context_size={ctx} must be positive.")
    elif ctx > n_ctx:
        E(f"context_size={ctx} is longer than the model's n_ctx={n_ctx}: it has no positional "
          "embedding for the later positions.")
    if cfg.store_batch_size_prompts < 1:
        E(f"store_batch_size_prompts={cfg.store_batch_size_prompts} must be >= 1.")
    if tokens is not None:
        if not isinstance(tokens, torch.Tensor) or tokens.ndim != 2 or tokens.dtype not in (torch.long, torch.int):
            E("tokens must be a [n_seqs, seq_len] integer tensor.")
        else:
            n_seqs, seq_len = tokens.shape
            rep.facts.update(dataset_tokens=n_seqs * seq_len)
            if ctx > seq_len:
                E(f"context_size={ctx} is longer than the dataset's sequences ({seq_len} tokens).")
            if tokens.numel() and int(tokens.max()) >= model.cfg.d_vocab:
                E(f"the tokens go up to id {int(tokens.max())}, but the model's vocabulary has "
                  f"{model.cfg.d_vocab} entries: they come from another tokenizer.")
            if n_seqs < cfg.store_batch_size_prompts:
                E(f"the dataset has {n_seqs} sequences, fewer than one model batch "
                  f"(store_batch_size_prompts={cfg.store_batch_size_prompts}).")
            elif 0 < ctx <= seq_len and n_seqs * ctx < cfg.training_tokens:
                W(f"training_tokens={cfg.training_tokens} is more than the {n_seqs * ctx} tokens in the "
                  f"dataset: the run loops over it {cfg.training_tokens / (n_seqs * ctx):.1f} times.")

    # --- devices ----------------------------------------------------------------------------------
    mdev = _model_device(model)
    if torch.device(cfg.device).type != mdev.type:
        W(f"device={cfg.device!r} but the model is on {mdev}: activations are copied between devices "
          "every batch.")
    return rep


def validate_config(cfg, model, tokens: torch.Tensor | None = None, quiet: bool = False) -> ConfigReport:
    """:func:`check_config`, then raise :class:`ConfigError` listing every error (warnings are printed)."""
    rep = check_config(cfg, model, tokens)
    if not quiet:
        for w in rep.warnings:
            print("[config] warning: " + w)
    if rep.errors:
        n = len(rep.errors)
        head = "This config cannot train" + (f" ({n} problems):" if n > 1 else ":")
        raise ConfigError(head + "\n" + "\n".join(f"  - {e}" for e in rep.errors))
    return rep


# ---------------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------------
HISTORY_KEYS = ("step", "tokens", "loss", "mse_loss", "sparsity_loss", "l0", "explained_variance",
                "l2_ratio", "dead_frac", "dense_frac", "lr", "sparsity_coefficient")


@dataclass
class TrainResult:
    """A finished run.

    ``sae``: the trained SAE as an inference ``SAE`` (activation normalisation folded in, hook
    metadata set), ready for ``HookedSAETransformer.add_sae``. ``history``: lists keyed by
    :data:`HISTORY_KEYS`, one entry per logged step (see :func:`train_sae`). ``feature_density``:
    ``[d_sae]`` fraction of training tokens on which each latent fired, over the last
    ``feature_sampling_window`` steps. ``cfg``: the config that ran. ``seconds``: wall time.
    """

    sae: Any
    history: dict
    feature_density: torch.Tensor
    cfg: Any
    seconds: float
    notes: list = field(default_factory=list)
    training_sae: Any = None

    def final(self, key: str, frac: float = 0.2) -> float:
        """Mean of ``history[key]`` over the last ``frac`` of the logged points."""
        vals = self.history[key]
        n = max(1, int(round(len(vals) * frac)))
        return float(sum(vals[-n:]) / n)


def tokens_dataset(tokens: torch.Tensor):
    """A ``datasets.Dataset`` with one pretokenized ``input_ids`` row per sequence of ``tokens``."""
    from datasets import Dataset

    return Dataset.from_dict({"input_ids": tokens.detach().cpu().to(torch.int64).numpy()})


def _recording_trainer_class(log_every: int, history: dict, sink: dict, dead_check_steps: int,
                             stop_if_all_dead: bool, explain_dead):
    from sae_lens.training.sae_trainer import SAETrainer

    recent: list = []

    class RecordingTrainer(SAETrainer):
        """SAELens's trainer, plus a history of the metrics it would send to W&B."""

        def fit(self):
            sae = super().fit()
            if self.n_frac_active_samples > 0:
                sink["density"] = self.feature_sparsity.detach().float().cpu()
            return sae

        def step(self, batch):
            out = super().step(batch)
            i = self.n_training_steps  # 0-based index of the step just taken
            last = self.n_training_samples >= self.cfg.total_training_samples
            if stop_if_all_dead:
                with torch.no_grad():
                    acts = out.feature_acts
                    n_active = acts.coalesce().values().ne(0).sum() if acts.is_sparse else acts.ne(0).sum()
                    recent.append(n_active.item() / max(1, acts.shape[0]))
                    del recent[:-dead_check_steps]
            if (i + 1) % log_every == 0 or last or i == 0:
                self._record(out, i + 1)
            if stop_if_all_dead and i + 1 >= dead_check_steps and len(recent) == dead_check_steps:
                mean_l0 = sum(recent) / len(recent)
                if mean_l0 <= COLLAPSED_L0:
                    if history["step"] and history["step"][-1] != i + 1:
                        self._record(out, i + 1)
                    alive = int((self.n_forward_passes_since_fired < dead_check_steps).sum().item())
                    raise AllLatentsDead(explain_dead(i + 1, mean_l0, alive), history)
            return out

        @torch.no_grad()
        def _record(self, out, step):
            x = out.sae_in.float()
            x_hat = out.sae_out.float()
            acts = out.feature_acts
            if acts.is_sparse:
                acts = acts.to_dense()
            sse = (x_hat - x).pow(2).sum(-1)
            var = (x - x.mean(0)).pow(2).sum(-1)
            norm_in = x.norm(dim=-1).clamp_min(1e-8)
            dens = self.act_freq_scores / max(1, self.n_frac_active_samples)
            window = self.cfg.dead_feature_window
            sparsity_losses = [v for k, v in out.losses.items() if k != "mse_loss"]
            coeffs = self.get_coefficients()
            row = {
                "step": step,
                "tokens": self.n_training_samples,
                "loss": out.loss.item(),
                "mse_loss": out.losses["mse_loss"].item(),
                "sparsity_loss": float(sum(float(v) for v in sparsity_losses)) if sparsity_losses else 0.0,
                "l0": (acts != 0).float().sum(-1).mean().item(),
                "explained_variance": (1 - sse.mean() / var.mean().clamp_min(1e-12)).item(),
                "l2_ratio": (x_hat.norm(dim=-1) / norm_in).mean().item(),
                "dead_frac": (self.n_forward_passes_since_fired >= min(window, step)).float().mean().item()
                if step >= min(window, dead_check_steps) else 0.0,
                "dense_frac": (dens > 0.1).float().mean().item(),
                "lr": self.optimizer.param_groups[0]["lr"],
                "sparsity_coefficient": float(next(iter(coeffs.values()))) if coeffs else 0.0,
            }
            for k in HISTORY_KEYS:
                history[k].append(row[k])

    return RecordingTrainer


_CACHE: dict[str, TrainResult] = {}


def clear_cache() -> None:
    """Forget finished runs (``train_sae`` reuses a run whose config, model and tokens are the same)."""
    _CACHE.clear()


def _cache_key(cfg, model, tokens: torch.Tensor, extra: dict) -> str:
    d = cfg.to_dict()
    for k in ("checkpoint_path", "output_path", "verbose", "sae_lens_version", "sae_lens_training_version",
              "logger", "dataset_path", "model_name"):
        d.pop(k, None)
    h = hashlib.sha1()
    h.update(json.dumps(d, sort_keys=True, default=str).encode())
    h.update(json.dumps(extra, sort_keys=True, default=str).encode())
    h.update(str(id(model)).encode())
    t = tokens.detach().cpu().contiguous()
    h.update(str(tuple(t.shape)).encode())
    h.update(t.numpy().tobytes())
    return h.hexdigest()


def _to_inference_sae(training_sae, device):
    from sae_lens import SAE

    with tempfile.TemporaryDirectory() as d:
        training_sae.save_inference_model(d)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sae = SAE.load_from_disk(d, device=str(device))
    sae.eval()
    return sae



@contextlib.contextmanager
def _quiet_progress_bars():
    """Silence the progress bars SAELens draws while it trains (they go to stderr outside Jupyter widgets,
    and nbgrader gives 0 to a graded cell that writes to stderr)."""
    from sae_lens.training import activation_scaler, sae_trainer

    mods = [m for m in (sae_trainer, activation_scaler) if hasattr(m, "tqdm")]
    old = {m: m.tqdm for m in mods}
    for m in mods:
        m.tqdm = functools.partial(old[m], disable=True)
    try:
        yield
    finally:
        for m, t in old.items():
            m.tqdm = t


def train_sae(cfg, model, tokens: torch.Tensor, *, log_every: int | None = None, stop_if_all_dead: bool = True,
              reuse: bool = True, quiet: bool = False) -> TrainResult:
    """Validate ``cfg``, then train it with ``LanguageModelSAETrainingRunner`` on ``tokens``, offline.

    Args:
        cfg: a ``LanguageModelSAERunnerConfig``. It is copied, and the copy gets the offline plumbing:
            no output or checkpoint folders, W&B only if :func:`wandb_enabled`, ``reshape_activations``
            set for ``hook_z`` hooks, and the runner's own dataset path ignored (``tokens`` is used).
        model: the ``HookedSAETransformer`` (passed as ``override_model``).
        tokens: ``[n_seqs, seq_len]`` token ids (passed as ``override_dataset``).
        log_every: record the history every this many steps (default: about 100 points per run).
        stop_if_all_dead: stop with :class:`AllLatentsDead` (and an explanation) when the SAE has collapsed:
            over the last ``max(20, steps // 10)`` steps, its mean L0 was at most 0.1 (fewer than one token in
            ten had any active latent).
        reuse: return the earlier result when the same config has already trained on the same model
            and tokens in this process (training is seeded, so it would give the same SAE).
        quiet: no config warnings, notes or progress bars (SAELens's own bars included): nothing is
            written to stderr, as a graded cell needs.

    The history holds, per logged step, on that step's training batch: ``loss`` (total), ``mse_loss``,
    ``sparsity_loss`` (every other loss term), ``l0`` (mean active latents per token),
    ``explained_variance`` (1 - mean squared error / variance of the batch), ``l2_ratio`` (mean of
    |x_hat| / |x|: below 1 the reconstructions are shrunk), ``dead_frac`` (fraction of latents that have
    not fired for ``dead_feature_window`` steps, 0 until that many steps have passed), ``dense_frac``
    (fraction of latents firing on more than 10% of tokens so far in the current sampling window),
    ``lr`` and ``sparsity_coefficient`` (after warm-up schedules).
    """
    from sae_lens import LanguageModelSAETrainingRunner
    from sae_lens import llm_sae_training_runner as runner_mod

    validate_config(cfg, model, tokens, quiet=quiet)
    steps = _steps(cfg)
    log_every = log_every or max(1, steps // 100)
    dead_check_steps = max(20, steps // 10)
    key = _cache_key(cfg, model, tokens, {"log_every": log_every})
    if reuse and key in _CACHE:
        return _CACHE[key]

    notes: list[str] = []
    cfg = copy.deepcopy(cfg)
    if cfg.logger.log_to_wandb and not wandb_enabled():
        cfg.logger.log_to_wandb = False
        notes.append("W&B logging turned off (set WANDB_MODE=offline or online to keep it).")
    if any(cfg.hook_name.endswith(h) for h in HEAD_HOOKS[-1:]) and cfg.hook_head_index is None \
            and cfg.sae.reshape_activations != "hook_z":
        cfg.sae.reshape_activations = "hook_z"
        notes.append("reshape_activations='hook_z' set, so the trained SAE splices into hook_z directly.")
    cfg.output_path = None
    cfg.checkpoint_path = None
    cfg.n_checkpoints = 0
    cfg.save_final_checkpoint = False
    cfg.dataset_path = ""
    cfg.is_dataset_tokenized = True
    cfg.streaming = False
    cfg.verbose = False
    model_device = _model_device(model)
    cfg.llm_device = str(model_device)

    history = {k: [] for k in HISTORY_KEYS}
    # Measured once, for the explanation that follows a run in which every latent died.
    try:
        _, cache = model.run_with_cache(tokens[:4, : cfg.context_size].to(model_device), names_filter=[cfg.hook_name])
        mean_norm = cache[cfg.hook_name].flatten(2).norm(dim=-1).mean().item()
    except Exception:  # pragma: no cover - the check above has already run the hook
        mean_norm = float("nan")

    def explain_dead(step, mean_l0, alive):
        knob, value, warm = _sparsity_knob(cfg.sae)
        lines = [f"The SAE has collapsed: over the last {dead_check_steps} steps (up to step {step} of {steps}) it "
                 f"averaged L0 = {mean_l0:.3f} active latents per token, and only {alive} of its {cfg.sae.d_sae} "
                 "latents fired at all. It now outputs (almost) a constant, and a latent that never fires gets no "
                 "gradient to come back, so training stopped."]
        if knob is not None:
            scale = ("inputs rescaled to norm sqrt(d_in) = "
                     f"{math.sqrt(cfg.sae.d_in):.1f}" if cfg.sae.normalize_activations == "expected_average_only_in"
                     else f"raw inputs of mean norm {mean_norm:.2f} (normalize_activations="
                     f"{cfg.sae.normalize_activations!r})")
            lines.append(f"The usual cause: {knob}={value} is too large for {scale}. Each latent pays "
                         f"{knob} times its activation, so when that costs more than the reconstruction it "
                         "buys, switching off is optimal. Lower it (try 5-10x smaller), use "
                         "normalize_activations='expected_average_only_in', or warm the penalty up over a "
                         f"few % of the steps (now {warm} steps).")
        if cfg.lr > 3e-3:
            lines.append(f"lr={cfg.lr} is also high: large first steps can push every encoder bias negative.")
        return " ".join(lines)

    sink: dict = {}
    trainer_cls = _recording_trainer_class(log_every, history, sink, dead_check_steps, stop_if_all_dead,
                                           explain_dead)
    old_trainer = runner_mod.SAETrainer
    old_handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    bars = _quiet_progress_bars() if quiet else contextlib.nullcontext()
    torch.manual_seed(cfg.seed)
    t0 = time.time()
    runner_mod.SAETrainer = trainer_cls
    try:
        with bars, warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*fewer samples.*")
            warnings.filterwarnings("ignore", message=".*exhausted.*")
            warnings.filterwarnings("ignore", message=".*context_size.*discarded.*")
            warnings.filterwarnings("ignore", message=".*To copy construct from a tensor.*")
            import logging

            sae_logger = logging.getLogger("sae_lens")
            old_level = sae_logger.level
            sae_logger.setLevel(logging.CRITICAL)
            try:
                runner = LanguageModelSAETrainingRunner(cfg, override_dataset=tokens_dataset(tokens),
                                                        override_model=model)
                runner.activations_store.model = StopAtHook(model)
                trained = runner.run()
            finally:
                sae_logger.setLevel(old_level)
    finally:
        runner_mod.SAETrainer = old_trainer
        for s, h in old_handlers.items():
            try:
                signal.signal(s, h)
            except (ValueError, TypeError):  # pragma: no cover - not the main thread
                pass
    seconds = time.time() - t0

    density = sink.get("density", torch.zeros(cfg.sae.d_sae))
    result = TrainResult(sae=_to_inference_sae(trained, model_device), history=history,
                         feature_density=density, cfg=cfg, seconds=seconds, notes=notes, training_sae=trained)
    if not quiet:
        for n in notes:
            print("[train] " + n)
    if reuse:
        _CACHE[key] = result
    return result


class _Stop(Exception):
    """Raised by StopAtHook's temporary hook to end a forward pass once it has the activation."""


class StopAtHook:
    """The activation store's view of the model: ``run_with_cache`` ends the forward pass at the hook it reads.

    SAELens's store runs the model to the end of the hook's block (``stop_at_layer`` = layer + 1) and keeps only
    that hook. On a small model this forward pass is much of an SAE's training time, and for
    ``blocks.L.hook_resid_pre`` the whole of block L is computed for nothing. Stopping at the hook runs the same
    operations on the same batch up to it, so the store gets the same tensor, bit for bit, and the SAE the same
    weights (the zoo's committed SAEs, retrained this way, are identical). Everything else is the model's own."""

    def __init__(self, model):
        self._model = model

    def __getattr__(self, name):
        return getattr(self._model, name)

    def run_with_cache(self, tokens, names_filter, **kwargs):
        if not (isinstance(names_filter, (list, tuple)) and len(names_filter) == 1):
            return self._model.run_with_cache(tokens, names_filter=names_filter, **kwargs)
        cache = {}
        caller = threading.get_ident()

        def grab(act, hook):
            if threading.get_ident() != caller:  # hooks are the model's, not the thread's (SAELens can prefetch)
                return None
            cache[hook.name] = act.detach()
            raise _Stop

        try:
            with self._model.hooks(fwd_hooks=[(names_filter[0], grab)]):
                self._model(tokens, **kwargs)
        except _Stop:
            return None, cache
        raise RuntimeError(f"the forward pass never reached {names_filter[0]}")


# ---------------------------------------------------------------------------------------------------
# SAELens's own evaluation, on given tokens
# ---------------------------------------------------------------------------------------------------
_EVAL_CACHE: dict = {}


@torch.no_grad()
def saelens_eval(model, sae, tokens: torch.Tensor, batch_size: int = 16, reuse: bool = True) -> dict:
    """SAELens's ``run_evals`` on exactly ``tokens`` (every position, BOS included, nothing excluded).

    Returns a flat dict: ``l0``, ``l1``, ``mse`` (squared error summed over the activation dimensions,
    averaged over tokens), ``explained_variance``, ``explained_variance_legacy``, ``cossim``,
    ``l2_ratio``, ``relative_reconstruction_bias``, ``ce_clean``, ``ce_spliced``, ``ce_ablated``,
    ``ce_recovered`` and ``feature_density`` (a ``[d_sae]`` tensor: fraction of tokens on which each
    latent fired). ``tokens`` is cut to a whole number of batches of ``batch_size`` sequences. With
    ``reuse``, a second call with the same model, SAE (same weights) and tokens returns the first result.
    """
    from sae_lens.evals import EvalConfig, run_evals
    from sae_lens.training.activation_scaler import ActivationScaler
    from sae_lens.training.activations_store import ActivationsStore

    n_batches = tokens.shape[0] // batch_size
    if n_batches < 1:
        raise ValueError(f"need at least batch_size={batch_size} sequences, got {tokens.shape[0]}")
    tokens = tokens[: n_batches * batch_size]
    seq_len = tokens.shape[1]
    t = tokens.detach().cpu().contiguous()
    weights = hashlib.sha1(b"".join(p.detach().cpu().float().numpy().tobytes() for p in sae.parameters()))
    key = (id(model), id(sae), weights.hexdigest(), tuple(t.shape), hashlib.sha1(t.numpy().tobytes()).hexdigest(),
           batch_size)
    if reuse and key in _EVAL_CACHE:
        return dict(_EVAL_CACHE[key])
    hook = sae.cfg.metadata.hook_name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        store = ActivationsStore(
            model=model, dataset=tokens_dataset(tokens), streaming=False, hook_name=hook,
            hook_head_index=sae.cfg.metadata.hook_head_index, context_size=seq_len, d_in=sae.cfg.d_in,
            n_batches_in_buffer=2, total_training_tokens=tokens.numel(), store_batch_size_prompts=batch_size,
            train_batch_size_tokens=seq_len, prepend_bos=False, normalize_activations="none",
            device=torch.device(sae.device), dtype="float32",
        )
    eval_cfg = EvalConfig(
        batch_size_prompts=batch_size, n_eval_reconstruction_batches=n_batches,
        n_eval_sparsity_variance_batches=n_batches, compute_ce_loss=True, compute_l2_norms=True,
        compute_sparsity_metrics=True, compute_variance_metrics=True,
        compute_featurewise_density_statistics=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        metrics, feature_metrics = run_evals(sae, store, model, ActivationScaler(), eval_cfg,
                                             exclude_special_tokens=False)
    flat = {}
    for group in metrics.values():
        flat.update(group)
    out = {
        "l0": flat["l0"], "l1": flat["l1"], "mse": flat["mse"],
        "explained_variance": flat["explained_variance"],
        "explained_variance_legacy": flat["explained_variance_legacy"],
        "cossim": flat["cossim"], "l2_ratio": flat["l2_ratio"],
        "relative_reconstruction_bias": flat["relative_reconstruction_bias"],
        "ce_clean": flat["ce_loss_without_sae"], "ce_spliced": flat["ce_loss_with_sae"],
        "ce_ablated": flat["ce_loss_with_ablation"], "ce_recovered": flat["ce_loss_score"],
        "feature_density": torch.tensor(feature_metrics["feature_density"]),
    }
    if reuse:
        _EVAL_CACHE[key] = dict(out)
    return out
