"""Quality figures of the zoo, measured: ``python -m sae_course.zoo.build.evaluate [--quick] [--no-write]``.

Language model
  * ``lm_loss``: mean next-token cross-entropy (nats) on held-out (``val``) windows, every position.
  * ``unigram_loss``: the same targets under the train-set unigram distribution (add-one smoothed).
  * IOI (held-out prompts, balanced over the templates): ``logit(IO) - logit(S)`` at the last position;
    mean, fraction > 0, top-1 accuracy, mean p(IO).
  * Induction: BOS + a random span of ``span_len`` words + the same span again (words drawn from the
    whole vocabulary); top-1 accuracy and loss on the second copy (first token of the copy excluded,
    it is unpredictable) and, as a control, on the first copy. Plus the best induction-head score
    (mean attention from a token of the copy to the token after its earlier occurrence).

Every SAE / transcoder (on held-out windows, the SAE applied at every position, BOS included)
  * ``explained_variance``: 1 - sum|x - x_hat|^2 / sum|x - mean(x)|^2 over tokens (for a transcoder,
    x is ``hook_mlp_out`` and x_hat its prediction).
  * ``ce_recovered``: (CE_ablated - CE_spliced) / (CE_ablated - CE_clean), where spliced = the
    reconstruction replaces the activation (for a transcoder: replaces the MLP's output) and ablated
    = that activation set to zero.
  * ``l0``: mean number of active latents per token; ``dead_frac``: fraction of latents never active
    on ``n_dead_tokens`` held-out tokens.

The results go to ``weights/figures.json`` and the tables of ``docs/zoo.md`` (between the
``<!-- zoo:... -->`` markers).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import time
from collections import Counter
from pathlib import Path

import torch

from .. import corpus

# Thresholds of the issue (7); tests and the model card use these.
THRESHOLDS = {
    "ioi_frac_positive": 0.95,
    "explained_variance": 0.8,
    "ce_recovered": 0.9,
    "dead_frac": 0.10,
}


# ---------------------------------------------------------------------------------------------------
# Language model
# ---------------------------------------------------------------------------------------------------
@torch.no_grad()
def lm_loss(model, tokens: torch.Tensor, batch_size: int = 64) -> float:
    total, n = 0.0, 0
    for i in range(0, len(tokens), batch_size):
        b = tokens[i:i + batch_size]
        loss = model(b, return_type="loss", loss_per_token=True)
        total += loss.sum().item()
        n += loss.numel()
    return total / n


def unigram_loss(train_tokens: torch.Tensor, val_tokens: torch.Tensor, d_vocab: int) -> float:
    counts = torch.bincount(train_tokens[:, 1:].reshape(-1), minlength=d_vocab).double() + 1.0
    logp = (counts / counts.sum()).log()
    return -logp[val_tokens[:, 1:].reshape(-1)].mean().item()


def ioi_batches(model, examples: list[dict]):
    """Group prompts by token length so that each group is one batch without padding."""
    groups: dict[int, list[tuple[torch.Tensor, int, int]]] = {}
    for ex in examples:
        toks = model.to_tokens(ex["prompt"])[0]
        io = model.to_single_token(" " + ex["io"])
        s = model.to_single_token(" " + ex["s"])
        groups.setdefault(len(toks), []).append((toks, io, s))
    for items in groups.values():
        yield (torch.stack([t for t, _, _ in items]), torch.tensor([i for _, i, _ in items]),
               torch.tensor([s for _, _, s in items]))


@torch.no_grad()
def ioi_metrics(model, n: int = 600, seed: int = 0, split: str = "val") -> dict:
    from ..data import ioi_prompts

    examples = ioi_prompts(n, seed=seed, split=split)
    diffs, correct, p_io = [], [], []
    for toks, io, s in ioi_batches(model, examples):
        logits = model(toks)[:, -1]
        ar = torch.arange(len(io))
        diffs.append(logits[ar, io] - logits[ar, s])
        correct.append(logits.argmax(-1) == io)
        p_io.append(logits.softmax(-1)[ar, io])
    d = torch.cat(diffs)
    return {
        "ioi_n": len(d),
        "ioi_logit_diff": d.mean().item(),
        "ioi_frac_positive": (d > 0).float().mean().item(),
        "ioi_top1": torch.cat(correct).float().mean().item(),
        "ioi_p_io": torch.cat(p_io).mean().item(),
    }


@torch.no_grad()
def induction_metrics(model, n: int = 200, span_len: int = 30, seed: int = 0, split: str = "val") -> dict:
    from ..data import induction_tokens

    toks = induction_tokens(n, span_len, seed=seed, split=split, model=model)
    L = span_len
    logits, cache = model.run_with_cache(toks, names_filter=lambda name: name.endswith("hook_pattern"))
    logp = logits.log_softmax(-1)
    pred = logits.argmax(-1)
    # position t predicts token t+1. Second copy tokens sit at L+1 .. 2L; skip the first (L+1).
    tgt2 = slice(L + 2, 2 * L + 1)
    src2 = slice(L + 1, 2 * L)
    acc2 = (pred[:, src2] == toks[:, tgt2]).float().mean().item()
    loss2 = -logp[:, src2].gather(-1, toks[:, tgt2, None]).mean().item()
    tgt1, src1 = slice(2, L + 1), slice(1, L)
    acc1 = (pred[:, src1] == toks[:, tgt1]).float().mean().item()
    loss1 = -logp[:, src1].gather(-1, toks[:, tgt1, None]).mean().item()
    # induction score: attention from position q (in the copy) to q - L + 1
    scores = {}
    q = torch.arange(L + 1, 2 * L + 1)
    for layer in range(model.cfg.n_layers):
        pat = cache[f"blocks.{layer}.attn.hook_pattern"]  # batch head q k
        sc = pat[:, :, q, q - L + 1].mean(dim=(0, 2))
        for h in range(model.cfg.n_heads):
            scores[f"{layer}.{h}"] = sc[h].item()
    best = max(scores, key=scores.get)
    return {
        "induction_span_len": L,
        "induction_acc": acc2,
        "induction_loss": loss2,
        "first_copy_acc": acc1,
        "first_copy_loss": loss1,
        "best_induction_head": best,
        "best_induction_score": scores[best],
    }


# ---------------------------------------------------------------------------------------------------
# SAEs and transcoders
# ---------------------------------------------------------------------------------------------------
def output_hook(sae) -> str:
    return getattr(sae.cfg.metadata, "hook_name_out", None) or sae.cfg.metadata.hook_name


@torch.no_grad()
def evaluate_saes(model, saes: dict, tokens: torch.Tensor, dead_tokens: torch.Tensor | None = None,
                  batch_size: int = 32, progress: bool = False) -> dict:
    """Metrics for several SAEs at once (one cached forward pass per batch for EV / L0 / dead)."""
    from tqdm.auto import tqdm

    in_hooks = {n: s.cfg.metadata.hook_name for n, s in saes.items()}
    out_hooks = {n: output_hook(s) for n, s in saes.items()}
    needed = set(in_hooks.values()) | set(out_hooks.values())
    acc = {n: {"sse": 0.0, "sum": None, "sum2": 0.0, "n": 0, "l0": 0.0,
               "spliced": 0.0, "ablated": 0.0} for n in saes}
    clean_sum, ce_n = 0.0, 0
    batches = range(0, len(tokens), batch_size)
    for i in tqdm(batches, desc="eval SAEs", disable=not progress, leave=False):
        b = tokens[i:i + batch_size]
        clean_loss, cache = model.run_with_cache(b, return_type="loss", loss_per_token=True,
                                                 names_filter=lambda h: h in needed)
        clean_sum += clean_loss.sum().item()
        ce_n += clean_loss.numel()
        for n, sae in saes.items():
            a = acc[n]
            feats = sae.encode(cache[in_hooks[n]])
            recon = sae.decode(feats)
            x_out = cache[out_hooks[n]]
            target = x_out.reshape(x_out.shape[0] * x_out.shape[1], -1).double()
            r = recon.reshape(target.shape).double()
            a["sse"] += (target - r).pow(2).sum().item()
            a["sum"] = target.sum(0) if a["sum"] is None else a["sum"] + target.sum(0)
            a["sum2"] += target.pow(2).sum().item()
            a["n"] += target.shape[0]
            a["l0"] += (feats > 0).float().sum().item()

            def splice(act, hook, recon=recon):
                return recon.reshape(act.shape).to(act.dtype)

            def ablate(act, hook):
                return torch.zeros_like(act)

            a["spliced"] += model.run_with_hooks(b, return_type="loss", loss_per_token=True,
                                                 fwd_hooks=[(out_hooks[n], splice)]).sum().item()
            a["ablated"] += model.run_with_hooks(b, return_type="loss", loss_per_token=True,
                                                 fwd_hooks=[(out_hooks[n], ablate)]).sum().item()
    ce_clean = clean_sum / ce_n
    results = {}
    for n, sae in saes.items():
        a = acc[n]
        sst = a["sum2"] - a["sum"].pow(2).sum().item() / a["n"]
        spliced, ablated = a["spliced"] / ce_n, a["ablated"] / ce_n
        results[n] = {
            "explained_variance": 1.0 - a["sse"] / sst,
            "ce_clean": ce_clean,
            "ce_spliced": spliced,
            "ce_ablated": ablated,
            "ce_recovered": (ablated - spliced) / (ablated - ce_clean),
            "l0": a["l0"] / a["n"],
            "d_sae": sae.cfg.d_sae,
            "eval_tokens": int(tokens.numel()),
        }
    if dead_tokens is not None:
        fired = {n: torch.zeros(s.cfg.d_sae, dtype=torch.bool) for n, s in saes.items()}
        ins = set(in_hooks.values())
        for i in tqdm(range(0, len(dead_tokens), batch_size * 2), desc="dead latents", disable=not progress,
                      leave=False):
            _, cache = model.run_with_cache(dead_tokens[i:i + batch_size * 2], names_filter=lambda h: h in ins)
            for n, sae in saes.items():
                feats = sae.encode(cache[in_hooks[n]])
                fired[n] |= (feats > 0).reshape(-1, feats.shape[-1]).any(0)
        for n in saes:
            results[n]["dead_frac"] = 1.0 - fired[n].float().mean().item()
            results[n]["dead_tokens"] = int(dead_tokens.numel())
    return results


def sae_metrics(model, sae, tokens: torch.Tensor, dead_tokens: torch.Tensor | None = None,
                batch_size: int = 32) -> dict:
    """EV, CE clean/spliced/ablated/recovered and L0 of one SAE on ``tokens``; dead fraction on ``dead_tokens``."""
    return evaluate_saes(model, {"sae": sae}, tokens, dead_tokens, batch_size)["sae"]


# ---------------------------------------------------------------------------------------------------
# The whole zoo
# ---------------------------------------------------------------------------------------------------
EVAL_SIZES = {
    "full": {"lm_seqs": 256, "ioi": 600, "induction": 200, "sae_seqs": 128, "dead_seqs": 1024},
    "quick": {"lm_seqs": 32, "ioi": 120, "induction": 50, "sae_seqs": 16, "dead_seqs": 128},
}


def load_zoo_dir(weights_dir: str | Path):
    from sae_lens import SAE

    from ..loader import SITES, load_zoo_model

    weights_dir = Path(weights_dir)
    model = load_zoo_model(lm_dir=weights_dir / "lm", tokenizer_dir=weights_dir / "tokenizer")
    saes = {}
    for site in SITES:
        for p in sorted((weights_dir / "saes").glob(f"{site}_*")):
            if (p / "cfg.json").exists():
                saes[p.name] = SAE.load_from_disk(p)
    return model, saes


def evaluate_zoo(weights_dir: str | Path, size: str = "full", progress: bool = True, split: str = "val") -> dict:
    """Measure everything in the model card for the zoo in ``weights_dir``."""
    from ..data import zoo_tokens

    sz = EVAL_SIZES[size]
    t0 = time.time()
    model, saes = load_zoo_dir(weights_dir)
    load_s = time.time() - t0
    val = zoo_tokens(sz["lm_seqs"], 128, split=split, seed=0)
    train = zoo_tokens(2048, 128, split="train", seed=0)
    lm = {"lm_loss": lm_loss(model, val), "unigram_loss": unigram_loss(train, val, model.cfg.d_vocab),
          "lm_eval_tokens": int(val.numel())}
    lm.update(ioi_metrics(model, n=sz["ioi"], split=split))
    lm.update(induction_metrics(model, n=sz["induction"], split=split))
    from .structures import structure_metrics

    structures = structure_metrics(model, train, size=size)
    sae_toks = zoo_tokens(sz["sae_seqs"], 128, split=split, seed=1)
    dead_toks = zoo_tokens(sz["dead_seqs"], 128, split=split, seed=2)
    sae_res = evaluate_saes(model, saes, sae_toks, dead_toks, progress=progress)
    for n, sae in saes.items():
        sae_res[n].update({"class": type(sae).__name__, "hook_name": sae.cfg.metadata.hook_name,
                           "hook_name_out": getattr(sae.cfg.metadata, "hook_name_out", None),
                           "d_in": sae.cfg.d_in})
    return {"size": size, "split": split, "lm": lm, "structures": structures, "saes": sae_res, "model_load_s": round(load_s, 2),
            "zoo_mb": round(dir_size_mb(weights_dir), 2)}


def check_figures(fig: dict) -> list[str]:
    """The issue's quality bar; returns the list of failures (empty = all good)."""
    bad = []
    lm = fig["lm"]
    if not lm["lm_loss"] < 0.75 * lm["unigram_loss"]:
        bad.append(f"lm_loss {lm['lm_loss']:.3f} not well below unigram {lm['unigram_loss']:.3f}")
    if lm["ioi_frac_positive"] < THRESHOLDS["ioi_frac_positive"]:
        bad.append(f"IOI frac positive {lm['ioi_frac_positive']:.3f}")
    for n, r in fig["saes"].items():
        if r["explained_variance"] < THRESHOLDS["explained_variance"]:
            bad.append(f"{n} EV {r['explained_variance']:.3f}")
        if r["ce_recovered"] < THRESHOLDS["ce_recovered"]:
            bad.append(f"{n} CE recovered {r['ce_recovered']:.3f}")
        if r.get("dead_frac", 0.0) > THRESHOLDS["dead_frac"]:
            bad.append(f"{n} dead {r['dead_frac']:.3f}")
    return bad


def dir_size_mb(path: str | Path) -> float:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 2**20


# ---------------------------------------------------------------------------------------------------
# Writing: figures.json and the model card tables
# ---------------------------------------------------------------------------------------------------
CARD = Path(__file__).resolve().parents[3] / "docs" / "zoo.md"


def lm_table(fig: dict) -> str:
    lm = fig["lm"]
    rows = [
        ("LM loss, held-out (nats/token)", f"{lm['lm_loss']:.3f}"),
        ("Unigram baseline (nats/token)", f"{lm['unigram_loss']:.3f}"),
        ("IOI: mean logit(IO) - logit(S)", f"{lm['ioi_logit_diff']:.2f}"),
        ("IOI: fraction with logit diff > 0", f"{lm['ioi_frac_positive']:.3f} (n={lm['ioi_n']})"),
        ("IOI: top-1 = IO / mean p(IO)", f"{lm['ioi_top1']:.3f} / {lm['ioi_p_io']:.3f}"),
        (f"Induction: top-1 accuracy on the repeat (span {lm['induction_span_len']})",
         f"{lm['induction_acc']:.3f} (loss {lm['induction_loss']:.3f})"),
        ("Control: top-1 accuracy on the first copy", f"{lm['first_copy_acc']:.3f} (loss {lm['first_copy_loss']:.3f})"),
        ("Best induction head (layer.head): score", f"{lm['best_induction_head']}: {lm['best_induction_score']:.3f}"),
    ]
    out = ["| Language model | measured |", "|---|---|"]
    out += [f"| {a} | {b} |" for a, b in rows]
    return "\n".join(out)


def structures_table(fig: dict) -> str:
    st = fig.get("structures")
    if not st:
        return "(not measured)"
    pct = lambda v: f"{100 * v:.0f}%"  # noqa: E731
    rows = []
    for unit, n in (("day", 7), ("month", 12)):
        rows.append((f"{unit}s: 'The {unit} after X is' -> next (top-1, {n} prompts)", pct(st[f"{unit}_next_acc"])))
        rows.append((f"{unit}s: 'The {unit} k {unit}s after X is' -> X+k, wrapping (top-1)", pct(st[f"{unit}_k_after_acc"])))
        yn = lambda b: "yes" if b else "no"  # noqa: E731
        if f"{unit}_circle_fourier_frac" in st:
            rows.append((f"{unit}s: share of the mean residual's (blocks.1.hook_resid_pre) between-word variance in the "
                         f"first Fourier mode's plane (chance {st[f'{unit}_circle_chance']:.2f}) / in cyclic order",
                         f"{st[f'{unit}_circle_fourier_frac']:.2f} / {yn(st[f'{unit}_circle_fourier_order'])}"))
        rows.append((f"{unit}s: variance of the mean residual (blocks.1.hook_resid_pre) on its top 2 PCs / in cyclic order",
                     f"{st[f'{unit}_circle_var2']:.2f} / {yn(st[f'{unit}_circle_order'])}"))
    rows.append(("definitions: 'W is a kind of' -> W's category (top-1, mean over 8 categories)",
                 pct(st["kind_acc_mean"])))
    rows.append(("... per category", ", ".join(f"{k} {pct(v)}" for k, v in st["kind_acc"].items())))
    rows.append(("patch scoping: W's residual (blocks.1.hook_resid_pre, another context) replacing 'it' in 'Mary said, it is a kind of'",
                 pct(st["kind_patch_acc_mean"]) + " (" + ", ".join(f"{k} {pct(v)}" for k, v in st["kind_patch_acc"].items()) + ")"))
    if "kind_patch_add_acc" in st:
        rows.append(("patch scoping: W's centred residual added to 'it' there (scale 1)",
                     pct(st["kind_patch_add_acc_mean"]) + " ("
                     + ", ".join(f"{k} {pct(v)}" for k, v in st["kind_patch_add_acc"].items()) + ")"))
    rows.append(("fruit: share of fruit tokens taken by the 3 most frequent (banana, orange, lemon), train split",
                 pct(st["fruit_share_top3"])))
    rows.append(("fruit: p(sweet/ripe/sour/juicy) after 'The F was', 3 frequent / 3 rare fruits",
                 f"{st['fruit_p_property_frequent']:.2f} / {st['fruit_p_property_rare']:.2f}"))
    rows.append(("short-prefix induction: b after a pair (a, b) came back after a different word (top-1)",
                 f"{pct(st['short_prefix_acc'])} (n={st['short_prefix_n']}; first occurrence {pct(st['short_prefix_first_acc'])})"))
    out = ["| Corpus structure | measured |", "|---|---|"] + [f"| {a} | {b} |" for a, b in rows]
    return "\n".join(out)


def sae_table(fig: dict) -> str:
    out = ["| SAE | class | reads -> writes | d_in x d_sae | explained var | CE recovered (clean / spliced / zero-abl) | L0 | dead |",
           "|---|---|---|---|---|---|---|---|"]
    for n, r in fig["saes"].items():
        hooks = r["hook_name"] + (f" -> {r['hook_name_out']}" if r.get("hook_name_out") else "")
        out.append(
            f"| `{n}` | {r['class']} | `{hooks}` | {r['d_in']} x {r['d_sae']} | {r['explained_variance']:.3f} | "
            f"{r['ce_recovered']:.3f} ({r['ce_clean']:.3f} / {r['ce_spliced']:.3f} / {r['ce_ablated']:.3f}) | "
            f"{r['l0']:.1f} | {100 * r['dead_frac']:.1f}% |"
        )
    return "\n".join(out)


def build_table(fig: dict) -> str:
    b = fig.get("build", {})
    t = b.get("timings_s", {})
    rows = [("zoo size on disk", f"{fig['zoo_mb']:.2f} MB"),
            ("model + tokenizer load time (imports excluded)", f"{fig['model_load_s']:.2f} s")]
    for k in ("tokenizer", "lm", "saes", "evaluate", "total"):
        if k in t:
            rows.append((f"build time: {k}", f"{t[k]:.0f} s"))
    if b:
        rows.append(("threads / seed / torch", f"{b.get('threads')} / {b.get('seed')} / {b.get('torch')}"))
    out = ["| Build | |", "|---|---|"] + [f"| {a} | {v} |" for a, v in rows]
    return "\n".join(out)


def _replace_block(text: str, name: str, body: str) -> str:
    start, end = f"<!-- zoo:{name}:start -->", f"<!-- zoo:{name}:end -->"
    pat = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if not pat.search(text):
        return text
    return pat.sub(lambda _: f"{start}\n{body}\n{end}", text)


def write_figures(weights_dir: str | Path, fig: dict, card: bool = True) -> None:
    with open(Path(weights_dir) / "figures.json", "w") as f:
        json.dump(fig, f, indent=2, sort_keys=True)
    if card and CARD.exists():
        text = CARD.read_text()
        text = _replace_block(text, "lm", lm_table(fig))
        text = _replace_block(text, "saes", sae_table(fig))
        text = _replace_block(text, "structures", structures_table(fig))
        text = _replace_block(text, "build", build_table(fig))
        CARD.write_text(text)


def main(argv: list[str] | None = None) -> int:
    import os

    from ..loader import WEIGHTS_DIR

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    p = argparse.ArgumentParser(description="Measure the zoo's quality figures.")
    p.add_argument("--weights", default=str(WEIGHTS_DIR))
    p.add_argument("--quick", action="store_true", help="small evaluation sets")
    p.add_argument("--no-write", action="store_true", help="print only")
    args = p.parse_args(argv)
    torch.set_num_threads(int(os.environ.get("SAE_COURSE_THREADS", 2)))
    fig = evaluate_zoo(args.weights, size="quick" if args.quick else "full")
    old = Path(args.weights) / "figures.json"
    if old.exists():
        prev = json.loads(old.read_text())
        if "build" in prev:
            fig["build"] = prev["build"]
    print(lm_table(fig))
    print()
    print(sae_table(fig))
    if not args.no_write:
        write_figures(args.weights, fig)
    bad = check_figures(fig)
    print("quality:", "OK" if not bad else "FAILS: " + "; ".join(bad))
    return 0 if not bad else 1


if __name__ == "__main__":
    raise SystemExit(main())
