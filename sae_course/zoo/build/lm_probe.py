"""Probe a zoo LM for the corpus structures of zoo v2 (a development tool; prints one JSON object).

    python -m sae_course.zoo.build.lm_probe [WEIGHTS_DIR | zoo] [SAE_DIR | zoo]

WEIGHTS_DIR holds ``lm/`` and ``tokenizer/`` (a build's output); ``zoo`` (the default) is the committed zoo.
An SAE at ``blocks.1.hook_resid_pre`` (a directory saved by SAELens, or ``zoo`` for the committed one)
adds the SAE-direction variants of patch scoping.

Measured: LM loss (val); IOI logit difference / top-1; induction top-1 on repeated random spans of 30, 10
and 5 words (long prefix) and on bigram repeats (short prefix: a pair (a, b) that came back after a
different word); days and months: next / previous / "k days after X" (per k, and where it wraps round);
circularity of the mean residual of the cycle's words at three sites: the share of the between-word
variance in the plane of the first Fourier mode over the cyclic order (chance 2/(n-1)), whether the angles
go round in order, the winding number, next to the best plane (top two principal components); definitions
("W is a kind of"); patch scoping into definition prompts and into an identity (induction) prompt
"A B C <placeholder> D E F G A B C", replacing the residual or adding a direction at several scales;
fruit p(property | "The F was"). Sections that need the v2 vocabulary are skipped for a v1 model.
"""
import json
import math
import os
import random
import sys
import time

import torch

from pathlib import Path

from sae_course.zoo import corpus
from sae_course.zoo.build import evaluate
from sae_course.zoo.data import zoo_tokens
from sae_course.zoo.loader import load_zoo_model

SITE = "blocks.1.hook_resid_pre"


def main() -> None:
    torch.set_num_threads(int(os.environ.get("EVAL_THREADS", "1")))
    t0 = time.time()
    arg = sys.argv[1] if len(sys.argv) > 1 else "zoo"
    if arg in ("zoo", "v1"):
        model = load_zoo_model()
    else:
        model = load_zoo_model(lm_dir=Path(arg) / "lm", tokenizer_dir=Path(arg) / "tokenizer")
    sae = None
    if len(sys.argv) > 2:
        from sae_lens import SAE
        if sys.argv[2] == "zoo":
            from sae_course.zoo.loader import load_sae
            sae = load_sae("resid_pre", 1, mode="zoo")
        else:
            sae = SAE.load_from_disk(sys.argv[2], device="cpu")
    V = set(corpus.vocabulary())
    HAS_V2 = "Monday" in V
    R: dict = {"model": arg, "sae": sys.argv[2] if len(sys.argv) > 2 else None}


    def tok(w):
        return model.to_single_token(" " + w)


    @torch.no_grad()
    def top1_batch(prompts, targets):
        toks = model.to_tokens(prompts)
        logits = model(toks)[:, -1]
        return (logits.argmax(-1) == torch.tensor([tok(t) for t in targets])).float().mean().item()


    # ---------------- LM, IOI, long-prefix induction ----------------
    with torch.no_grad():
        val = zoo_tokens(32, 128, split="val", seed=0)
        R["lm_loss"] = evaluate.lm_loss(model, val)
        ioi = evaluate.ioi_metrics(model, n=240)
        R.update({k: ioi[k] for k in ("ioi_logit_diff", "ioi_frac_positive", "ioi_top1")})
        for L in (30, 10, 5):
            ind = evaluate.induction_metrics(model, n=60, span_len=L)
            R[f"induction_acc_span{L}"] = ind["induction_acc"]
            if L == 30:
                R["best_induction_head"] = [ind["best_induction_head"], ind["best_induction_score"]]


    # ---------------- short-prefix induction (bigram repeats: corpus.bigram_doc over the whole vocabulary) ----------------
    @torch.no_grad()
    def short_prefix(n=120):
        pool = [w for w in corpus.vocabulary() if w not in corpus.SPECIAL_TOKENS]
        rng = random.Random("zoo2-bigram-eval")
        hits = total = fh = ft = 0
        for _ in range(n):
            words = corpus.bigram_doc(rng, pool=pool)
            toks = model.to_tokens(" " + " ".join(words))[0]
            pred = model(toks[None])[0].argmax(-1)
            ids = toks.tolist()
            pairs = [(ids[t], ids[t + 1]) for t in range(1, len(ids) - 1)]
            seen = set()
            for j in range(1, len(ids) - 1):
                pair = (ids[j], ids[j + 1])
                if pairs.count(pair) < 2:
                    continue
                if pair in seen:
                    hits += int(pred[j].item() == pair[1]); total += 1
                else:
                    fh += int(pred[j].item() == pair[1]); ft += 1
                seen.add(pair)
        return {"short_prefix_acc": hits / max(1, total), "short_prefix_first_acc": fh / max(1, ft), "short_prefix_n": total}


    R.update(short_prefix())


    # ---------------- cycles ----------------
    @torch.no_grad()
    def site_means(unit, sites, n_contexts=16):
        cycle = corpus.DAYS if unit == "day" else corpus.MONTHS
        rng = random.Random(f"zoo2-circle-{unit}")
        out = {s: [] for s in sites}
        for i, x in enumerate(cycle):
            acc = {s: [] for s in sites}
            for _ in range(n_contexts):
                words = corpus.cycle_sentence(rng, unit=unit, template_index=rng.choice([0, 1, 2, 3]), start=i)
                toks = model.to_tokens(corpus.render(words))
                pos = (toks[0] == tok(x)).nonzero()[0, 0].item()
                _, cache = model.run_with_cache(toks, names_filter=lambda n: n in sites)
                for s in sites:
                    acc[s].append(cache[s][0, pos])
            for s in sites:
                out[s].append(torch.stack(acc[s]).mean(0))
        return {s: torch.stack(v) for s, v in out.items()}


    def in_order(angles):
        n = len(angles)
        order = torch.argsort(angles).tolist()
        st = order.index(0)
        rolled = order[st:] + order[:st]
        return rolled == list(range(n)) or rolled == [0] + list(range(n - 1, 0, -1))


    def winding(angles):
        n = len(angles)
        d = [(angles[(i + 1) % n] - angles[i] + math.pi) % (2 * math.pi) - math.pi for i in range(n)]
        same = max(sum(1 for x in d if x > 0), sum(1 for x in d if x < 0)) / n
        return abs(sum(d)) / (2 * math.pi), same


    def circle(M):
        n = M.shape[0]
        M = M - M.mean(0)
        tot = (M ** 2).sum()
        th = torch.arange(n) * 2 * math.pi / n
        B = torch.stack([(M * torch.cos(th)[:, None]).sum(0), (M * torch.sin(th)[:, None]).sum(0)], 1)
        Q, _ = torch.linalg.qr(B)
        P = M @ Q
        ang = torch.atan2(P[:, 1], P[:, 0])
        w, same = winding(ang.tolist())
        u, s, vh = torch.linalg.svd(M, full_matrices=False)
        Pp = M @ vh[:2].T
        angp = torch.atan2(Pp[:, 1], Pp[:, 0])
        wp, samep = winding(angp.tolist())
        return {"fourier_frac": ((P ** 2).sum() / tot).item(), "chance": 2 / (n - 1), "fourier_in_order": in_order(ang),
                "fourier_winding": round(w, 2), "fourier_steps_same_dir": same,
                "pca2_frac": ((s[:2] ** 2).sum() / (s ** 2).sum()).item(), "pca_in_order": in_order(angp),
                "pca_winding": round(wp, 2)}


    @torch.no_grad()
    def k_after(unit):
        cycle = corpus.DAYS if unit == "day" else corpus.MONTHS
        n = len(cycle)
        per_k = {}
        for k in range(2, min(n, 11)):
            prompts = [f"The {unit} {corpus.NUMBERS[k - 1]} {unit}s after {x} is" for x in cycle]
            targets = [cycle[(i + k) % n] for i in range(n)]
            per_k[k] = top1_batch(prompts, targets)
            # does it wrap? accuracy where i + k >= n
        wrap = []
        for k in range(2, min(n, 11)):
            for i, x in enumerate(cycle):
                if i + k >= n:
                    wrap.append(top1_batch([f"The {unit} {corpus.NUMBERS[k - 1]} {unit}s after {x} is"], [cycle[(i + k) % n]]))
        return per_k, sum(wrap) / len(wrap)


    if HAS_V2:
        sites = ["blocks.0.hook_resid_pre", SITE, "blocks.1.hook_resid_post"]
        for unit in ("day", "month"):
            cyc = corpus.DAYS if unit == "day" else corpus.MONTHS
            n = len(cyc)
            R[f"{unit}_next_acc"] = top1_batch([f"The {unit} after {x} is" for x in cyc], [cyc[(i + 1) % n] for i in range(n)])
            R[f"{unit}_before_acc"] = top1_batch([f"The {unit} before {x} is" for x in cyc], [cyc[(i - 1) % n] for i in range(n)])
            per_k, wrap = k_after(unit)
            R[f"{unit}_k_after_acc"] = sum(per_k.values()) / len(per_k)
            R[f"{unit}_k_after_per_k"] = per_k
            R[f"{unit}_k_after_wrap_acc"] = wrap
            means = site_means(unit, sites)
            R[f"{unit}_circle"] = {s: circle(m) for s, m in means.items()}


    # ---------------- patch scoping ----------------
    @torch.no_grad()
    def resid_at(words, template="Then {w} was there.", site=SITE):
        prompts = [template.format(w=w) for w in words]
        toks = model.to_tokens(prompts)
        _, cache = model.run_with_cache(toks, names_filter=lambda n: n == site)
        pos = template.split().index("{w}") + 1
        return cache[site][:, pos]


    @torch.no_grad()
    def run_patched(toks, pos, vecs, mode, site=SITE):
        def hook(act, hook):
            if mode == "replace":
                act[:, pos] = vecs
            elif mode == "add":
                act[:, pos] = act[:, pos] + vecs
            return act
        return model.run_with_hooks(toks, fwd_hooks=[(site, hook)] if mode != "none" else [])[:, -1]


    def directions(words):
        """raw residuals, centred residual directions and SAE top-latent decoder directions for ``words``."""
        v = resid_at(words)
        d = v - v.mean(0)
        out = {"raw": v, "centred": d}
        if sae is not None:
            with torch.no_grad():
                f = sae.encode(v)
                fz = f - f.mean(0)  # the latent most specific to this word (not the ones every word fires)
                top = fz.argmax(-1)
                dec = sae.W_dec[top] * f.gather(1, top[:, None])
                out["sae_top"] = dec
                out["sae_top_ids"] = top
                out["sae_recon_centred"] = sae.decode(f) - sae.decode(f).mean(0)
        return out


    SCALES = [1, 2, 4, 8, 16]


    def sweep(toks_fn, words, targets_fn, pos):
        """accuracy of each variant: replace with raw residual; add centred / SAE directions at several scales."""
        dirs = directions(words)
        tgt = torch.tensor([tok(t) for t in targets_fn(words)])
        toks = toks_fn(words)
        res = {}
        def acc(mode, vecs):
            logits = run_patched(toks, pos, vecs, mode)
            return round((logits.argmax(-1) == tgt).float().mean().item(), 3)
        res["none"] = acc("none", None)
        res["replace_raw"] = acc("replace", dirs["raw"])
        for a in SCALES:
            res[f"add_centred_x{a}"] = acc("add", a * dirs["centred"])
        if sae is not None:
            res["replace_sae_recon"] = acc("replace", dirs["sae_recon_centred"] + dirs["raw"].mean(0))
            for a in SCALES:
                res[f"add_sae_top_x{a}"] = acc("add", a * dirs["sae_top"])
            for a in (1, 2, 4, 8):
                res[f"add_sae_recon_centred_x{a}"] = acc("add", a * dirs["sae_recon_centred"])
        return res


    UNK = "<|unk|>"
    if HAS_V2:
        members = [(k, w) for k, ws in corpus.KINDS.items() for w in ws]
        words = [w for _, w in members]
        cat = {w: k for k, w in members}
        targets = lambda ws: [cat[w] for w in ws]
        ps = {}
        for ph in [p for p in (UNK, "it", "ball") if p in corpus.vocabulary()]:
            for name, tmpl in [("kind_of", "{P} is a kind of"), ("is_a", "{P} is a"),
                               ("said_kind_of", "Mary said, {P} is a kind of")]:
                t = tmpl.format(P=ph)
                pos = model.to_str_tokens(t).index(ph)
                toks = model.to_tokens([t] * len(words))
                ps[f"{ph}|{name}"] = sweep(lambda ws: toks, words, targets, pos)
        R["kind_def_acc"] = {k: top1_batch([f"{w} is a kind of" for w in ws], [k] * len(ws)) for k, ws in corpus.KINDS.items()}
        R["patch_kinds"] = ps  # accuracy over all members (names, places dominate the count)
        R["patch_kinds_n"] = len(words)

    # identity via induction: "A B C <unk> D E F G A B C" -> the patched word
    id_words = ([w for ws in corpus.KINDS.values() for w in ws] if HAS_V2 else
                corpus.NAMES + corpus.PLACES + corpus.OBJECTS + corpus.ANIMALS)
    pool = [w for w in corpus.vocabulary() if w not in corpus.SPECIAL_TOKENS and w.isalpha()]
    PH = next(w for w in ["yes", "seven", "red", "cup"] if w in corpus.vocabulary() and w not in id_words)
    id_res = {UNK: [], PH: []}
    ctrl = []
    for rep in range(3):
        rng = random.Random(f"zoo2-identity-{rep}")
        A = rng.sample([w for w in pool if w != PH], 3); D = rng.sample([w for w in pool if w != PH], 4)
        for ph in (UNK, PH):
            tmpl = " ".join(A + [ph] + D + A)
            pos = model.to_str_tokens(tmpl).index(ph)
            toks = model.to_tokens([tmpl] * len(id_words))
            id_res[ph].append(sweep(lambda ws: toks, id_words, lambda ws: ws, pos))
        # positive control: the real word in place of the placeholder
        ctrl.append(top1_batch([" ".join(A + [w] + D + A) for w in id_words], id_words))
    R["patch_identity_placeholder"] = PH
    R["patch_identity"] = {ph: {k: round(sum(r[k] for r in rs) / len(rs), 3) for k in rs[0]} for ph, rs in id_res.items()}
    R["patch_identity_control_real_word"] = sum(ctrl) / len(ctrl)
    R["patch_identity_n"] = len(id_words)

    if HAS_V2:
        with torch.no_grad():
            props = [tok(p) for p in corpus.FRUIT_PROPERTIES]
            pp = []
            for f in corpus.FRUITS:
                pp.append(model(model.to_tokens(f"The {f} was"))[0, -1].softmax(-1)[props].sum().item())
            R["fruit_p_property_frequent"] = sum(pp[:3]) / 3
            R["fruit_p_property_rare"] = sum(pp[-3:]) / 3

    R["eval_s"] = round(time.time() - t0, 1)


    def clean(o):
        if isinstance(o, dict):
            return {str(k): clean(v) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return [clean(v) for v in o]
        if isinstance(o, float):
            return round(o, 4)
        if isinstance(o, torch.Tensor):
            return clean(o.tolist())
        return o


    print(json.dumps(clean(R), indent=1))


if __name__ == "__main__":
    main()
