"""Train the zoo language model: a small GPT-2-style ``HookedTransformer`` on the synthetic corpus.

:mod:`sae_course.zoo.build` (``make zoo``) calls :func:`train_lm` after building the tokenizer.

Architecture: GPT-2's blocks (attention + GELU MLP, pre-LayerNorm, learned positional embeddings)
with two choices made for learning speed on a CPU budget, both keeping GPT-2's hook names:

* ``positional_embedding_type="shortformer"``: the learned positional embedding (``hook_pos_embed``)
  is added to the queries' and keys' inputs only, not to the residual stream. With positions in the
  residual stream (GPT-2's "standard"), the project's runs showed no in-context copying (IOI) after
  3M tokens; with shortformer, IOI is solved at ~1500 steps and induction follows.
* ``normalization_type="LNPre"`` from the start (LayerNorm without a learned scale/bias): this is the
  form ``from_pretrained`` gives GPT-2 after folding, and it can't be folded afterwards because
  shortformer adds positions after ln1.

After training the weights are processed the way ``HookedTransformer.from_pretrained`` processes GPT-2
(writing weights centred, unembedding centred; ``W_pos`` is left alone since it doesn't write to the
residual stream), checked to leave the predictions unchanged, and saved. So
``blocks.L.ln2.hook_normalized`` is exactly the MLP's input, as in the processed GPT-2.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from .. import corpus
from ..data import zoo_tokens

# Constructor kwargs of HookedTransformerConfig, as stored in lm/config.json.
MODEL_CONFIG: dict = {
    "model_name": "zoo-lm",
    "n_layers": 2,
    "d_model": 128,
    "n_heads": 4,
    "d_head": 32,
    "d_mlp": 512,
    "n_ctx": 128,
    "d_vocab": None,  # filled in from the vocabulary
    "act_fn": "gelu",
    "normalization_type": "LNPre",
    "positional_embedding_type": "shortformer",
    "original_architecture": "GPT2LMHeadModel",
    "default_prepend_bos": True,
    "tokenizer_prepends_bos": False,
    "seed": 0,
}


@dataclass
class LMTrainConfig:
    steps: int = 4000  # zoo v2: the induction/IOI phase change comes at ~2100 steps; 3000 left too few after it
    batch_size: int = 24
    seq_len: int = 128
    lr: float = 3e-3
    warmup_steps: int = 200
    weight_decay: float = 0.01
    betas: tuple = (0.9, 0.98)
    grad_clip: float = 1.0
    train_seqs: int | None = None  # distinct packed windows (default: steps * batch_size, one epoch)
    seed: int = 0
    log_every: int = 250
    extra: dict = field(default_factory=dict)


def model_config(d_vocab: int, **overrides) -> dict:
    cfg = dict(MODEL_CONFIG)
    cfg["d_vocab"] = d_vocab
    cfg.update(overrides)
    return cfg


def make_model(cfg_dict: dict, tokenizer=None):
    from transformer_lens import HookedTransformer, HookedTransformerConfig

    return HookedTransformer(HookedTransformerConfig(**cfg_dict), tokenizer=tokenizer)


def _lr_at(step: int, tc: LMTrainConfig) -> float:
    if step < tc.warmup_steps:
        return tc.lr * (step + 1) / tc.warmup_steps
    progress = (step - tc.warmup_steps) / max(1, tc.steps - tc.warmup_steps)
    return tc.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def train_lm(out_dir: str | Path, tokenizer_dir: str | Path, tc: LMTrainConfig | None = None,
             progress: bool = True, on_log=None) -> dict:
    """Train, process and save the model to ``out_dir`` (config.json + model.safetensors)."""
    from ..tokenizer import load_tokenizer

    tc = tc or LMTrainConfig()
    torch.manual_seed(tc.seed)
    tok = load_tokenizer(tokenizer_dir)
    d_vocab = len(corpus.vocabulary())
    assert len(tok) == d_vocab, (len(tok), d_vocab)
    cfg_dict = model_config(d_vocab, seed=tc.seed, n_ctx=max(MODEL_CONFIG["n_ctx"], tc.seq_len))
    if cfg_dict["positional_embedding_type"] == "shortformer":
        # LayerNorm weights can't be folded past shortformer's post-LN positional term: train LNPre.
        cfg_dict["normalization_type"] = "LNPre"
    model = make_model(cfg_dict)

    t0 = time.time()
    data = zoo_tokens(tc.train_seqs or tc.steps * tc.batch_size, tc.seq_len, "train", tc.seed)
    t_data = time.time() - t0
    running, log = _train_loop(model, data, tc, progress, on_log, t0)
    train_s = time.time() - t0

    _process_weights(model, data[:8])
    cfg_dict = dict(cfg_dict)
    cfg_dict["normalization_type"] = model.cfg.normalization_type  # "LNPre"
    meta = {"train": {k: v for k, v in asdict(tc).items() if k != "extra"}, "data_s": round(t_data, 1),
            "train_s": round(train_s, 1), "final_loss_ema": running, "log": log}
    _save(model, cfg_dict, meta, Path(out_dir))
    return meta


def _train_loop(model, data: torch.Tensor, tc: LMTrainConfig, progress: bool, on_log, t0: float):
    """AdamW over shuffled epochs of ``data`` with the warm-up + cosine schedule; (loss EMA, log)."""
    from tqdm.auto import tqdm

    model.train()
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if p.ndim >= 2 and "embed" not in name else no_decay).append(p)
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": tc.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=tc.lr, betas=tc.betas,
    )
    gen = torch.Generator().manual_seed(tc.seed)
    perm = torch.randperm(len(data), generator=gen)
    pos = 0
    log = []
    bar = tqdm(range(tc.steps), desc="LM", disable=not progress, mininterval=2.0)
    running = None
    for step in bar:
        if pos + tc.batch_size > len(perm):
            perm = torch.randperm(len(data), generator=gen)
            pos = 0
        batch = data[perm[pos:pos + tc.batch_size]]
        pos += tc.batch_size
        for g in opt.param_groups:
            g["lr"] = _lr_at(step, tc)
        loss = model(batch, return_type="loss")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), tc.grad_clip)
        opt.step()
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        if step % 20 == 0:
            bar.set_postfix(loss=f"{running:.3f}")
        if on_log is not None and ((step + 1) % tc.log_every == 0 or step + 1 == tc.steps):
            model.eval()
            entry = {"step": step + 1, "loss": running, "wall_s": time.time() - t0}
            entry.update(on_log(model) or {})
            log.append(entry)
            if progress:
                tqdm.write(json.dumps(entry))
            model.train()
    model.eval()
    return running, log


def _process_weights(model, check: torch.Tensor) -> None:
    """Process the weights as HookedTransformer.from_pretrained does for GPT-2; fail if predictions move."""
    with torch.no_grad():
        before = model(check).log_softmax(-1)
        W_pos = model.W_pos.detach().clone()
    model.process_weights_(fold_ln=True, center_writing_weights=True, center_unembed=True)
    if model.cfg.positional_embedding_type == "shortformer":
        # shortformer adds W_pos to the attention inputs only (after LayerNorm): it doesn't write to
        # the residual stream, so centring it would change the model. Put it back.
        with torch.no_grad():
            model.pos_embed.W_pos.copy_(W_pos)
    with torch.no_grad():
        after = model(check).log_softmax(-1)
    err = (before - after).abs().max().item()
    if err > 1e-3:
        raise RuntimeError(f"weight processing changed the model's predictions (max |d log p| = {err:.2e})")


def _save(model, cfg_dict: dict, meta: dict, out_dir: Path) -> None:
    from safetensors.torch import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    state = {k: v.contiguous() for k, v in model.state_dict().items()
             if not (k.endswith("attn.mask") or k.endswith("attn.IGNORE"))}
    save_file(state, str(out_dir / "model.safetensors"))
    with open(out_dir / "config.json", "w") as f:
        json.dump(cfg_dict, f, indent=2, sort_keys=True)
    with open(out_dir / "training.json", "w") as f:
        json.dump(meta, f, indent=2)