"""Did the zoo LM learn the corpus's advanced structures? Measured figures for the model card.

* **Cycles** (days, months): top-1 accuracy of "The day after X is" -> X+1 and of "The day k days after X
  is" -> X+k (wrapping around), and whether the model's representation of the cycle is a circle: the
  residual stream at the day (month) word, averaged over contexts, projected on the plane of the first
  Fourier mode over the cyclic order (``circle_fourier_frac``: share of the between-word variance in it,
  chance ``2/(n-1)``; ``circle_fourier_order``: the angles go round in order) and on its top two principal
  components (``circle_var2``, ``circle_order``): see :func:`circle_geometry`.
* **Kinds** (definitions over the category hierarchy): top-1 accuracy of "W is a kind of" -> the
  category word, per category; and patch scoping's precondition: the residual stream of W taken from
  other contexts and patched into "<unk> is a kind of" at the unknown word makes the model say W's
  category (accuracy over every member).
* **Fruit absorption set-up**: the share of fruit tokens that the three most frequent fruits take in the
  train split, and p(general property word) after "The F was" for frequent and rare fruits.
* **Short- versus long-prefix induction**: top-1 accuracy on the second word of a pair that came back
  after a different word (short prefix, one word matches) next to the repeated-span accuracy (long
  prefix) that ``evaluate.induction_metrics`` reports.
"""

from __future__ import annotations

import math
import random

import torch

from .. import corpus

SITE = "blocks.1.hook_resid_pre"


def _tok(model, word: str) -> int:
    return model.to_single_token(" " + word)


@torch.no_grad()
def _top1(model, prompts: list[str], targets: list[str]) -> float:
    hits = 0
    for p, t in zip(prompts, targets):
        logits = model(model.to_tokens(p))[0, -1]
        hits += int(logits.argmax().item() == _tok(model, t))
    return hits / max(1, len(prompts))


def _cycle_prompts(unit: str, k: int | None) -> tuple[list[str], list[str]]:
    cycle = corpus.DAYS if unit == "day" else corpus.MONTHS
    n = len(cycle)
    prompts, targets = [], []
    for i, x in enumerate(cycle):
        if k is None:
            prompts.append(f"The {unit} after {x} is")
            targets.append(cycle[(i + 1) % n])
        else:
            for kk in (range(2, min(n, 11)) if k == 0 else [k]):
                prompts.append(f"The {unit} {corpus.NUMBERS[kk - 1]} {unit}s after {x} is")
                targets.append(cycle[(i + kk) % n])
    return prompts, targets


@torch.no_grad()
def circle_metrics(model, unit: str, n_contexts: int = 24, site: str = SITE) -> dict:
    """The cycle's words (mean residual over contexts at ``site``) on their top-2 principal components."""
    cycle = corpus.DAYS if unit == "day" else corpus.MONTHS
    rng = random.Random(f"zoo-circle-{unit}")
    means = []
    for x in cycle:
        acts = []
        for _ in range(n_contexts):
            words = corpus.cycle_sentence(rng, unit=unit, template_index=rng.choice([0, 1, 2, 3]),
                                          start=cycle.index(x))
            text = corpus.render(words)
            toks = model.to_tokens(text)
            pos = (toks[0] == _tok(model, x)).nonzero()[0, 0].item()
            _, cache = model.run_with_cache(toks, names_filter=lambda name: name == site)
            acts.append(cache[site][0, pos])
        means.append(torch.stack(acts).mean(0))
    return circle_geometry(torch.stack(means))


def _in_cyclic_order(angles: torch.Tensor) -> bool:
    """Going round in angle visits the words in their cyclic order (either direction)."""
    n = len(angles)
    order = torch.argsort(angles).tolist()
    start = order.index(0)
    rolled = order[start:] + order[:start]
    return rolled == list(range(n)) or rolled == [0] + list(range(n - 1, 0, -1))


def circle_geometry(means: torch.Tensor) -> dict:
    """How circular ``means`` ([n, d], one row per word, in cyclic order) is.

    ``circle_fourier_frac``: share of the between-word variance in the plane of the first Fourier mode over
    the cyclic order (the plane a perfect circle in that order lies in; a random plane holds about
    ``2 / (n - 1)``); ``circle_fourier_order``: the words' angles in that plane go round in order.
    ``circle_var2`` / ``circle_order``: the same for the best plane (top two principal components).
    """
    n = means.shape[0]
    m = means - means.mean(0)
    theta = torch.arange(n, dtype=m.dtype) * 2 * math.pi / n
    basis, _ = torch.linalg.qr(torch.stack([(m * torch.cos(theta)[:, None]).sum(0),
                                            (m * torch.sin(theta)[:, None]).sum(0)], 1))
    pf = m @ basis
    _, s, vh = torch.linalg.svd(m, full_matrices=False)
    pp = m @ vh[:2].T
    return {"circle_fourier_frac": ((pf ** 2).sum() / (m ** 2).sum()).item(), "circle_chance": 2 / (n - 1),
            "circle_fourier_order": _in_cyclic_order(torch.atan2(pf[:, 1], pf[:, 0])),
            "circle_var2": ((s[:2] ** 2).sum() / (s ** 2).sum()).item(),
            "circle_order": _in_cyclic_order(torch.atan2(pp[:, 1], pp[:, 0]))}


@torch.no_grad()
def kind_metrics(model, site: str = SITE, target: str = "Mary said, it is a kind of", placeholder: str = "it",
                 scale: float = 1.0) -> dict:
    """Definition accuracy per category and patch scoping into a definition prompt.

    W's residual at ``site`` is taken at W in "Then W was there." (a context that does not define it).
    ``kind_patch_acc``: that residual replaces the placeholder's; ``kind_patch_add_acc``: ``scale`` times
    (W's residual minus the mean over all members) is added to the placeholder's residual instead, so the
    placeholder keeps what layer 0 wrote there (its position and previous-token information, which layer 1's
    attention needs to find it). Accuracy: the top-1 next word after ``target`` is W's category.
    """
    members = [(kind, w) for kind, ws in corpus.KINDS.items() for w in ws]
    words = [w for _, w in members]
    acc = {kind: _top1(model, [f"{w} is a kind of" for w in ws], [kind] * len(ws)) for kind, ws in corpus.KINDS.items()}
    _, cache = model.run_with_cache(model.to_tokens([f"Then {w} was there." for w in words]),
                                    names_filter=lambda name: name == site)
    vecs = cache[site][:, 2]  # BOS, "Then", W
    toks = model.to_tokens([target] * len(words))
    pos = model.to_str_tokens(target).index(placeholder)
    want = torch.tensor([_tok(model, kind) for kind, _ in members])

    def run(new_act):
        def patch(act, hook):
            act[:, pos] = new_act(act[:, pos])
            return act
        hit = model.run_with_hooks(toks, fwd_hooks=[(site, patch)])[:, -1].argmax(-1) == want
        return {kind: hit[[i for i, (k, _) in enumerate(members) if k == kind]].float().mean().item()
                for kind in corpus.KINDS}

    replaced = run(lambda a: vecs)
    added = run(lambda a: a + scale * (vecs - vecs.mean(0)))
    mean = lambda d: sum(d.values()) / len(d)  # noqa: E731
    return {"kind_acc": acc, "kind_patch_acc": replaced, "kind_patch_add_acc": added,
            "kind_acc_mean": mean(acc), "kind_patch_acc_mean": mean(replaced), "kind_patch_add_acc_mean": mean(added)}


@torch.no_grad()
def fruit_metrics(model, train_tokens: torch.Tensor) -> dict:
    ids = [_tok(model, f) for f in corpus.FRUITS]
    counts = torch.stack([(train_tokens == i).sum() for i in ids]).double()
    share_top3 = (counts[:3].sum() / counts.sum()).item()
    props = [_tok(model, p) for p in corpus.FRUIT_PROPERTIES]
    p_prop = []
    for f in corpus.FRUITS:
        probs = model(model.to_tokens(f"The {f} was"))[0, -1].softmax(-1)
        p_prop.append(probs[props].sum().item())
    return {"fruit_counts": {f: int(c) for f, c in zip(corpus.FRUITS, counts.tolist())},
            "fruit_share_top3": share_top3,
            "fruit_p_property_frequent": sum(p_prop[:3]) / 3, "fruit_p_property_rare": sum(p_prop[-3:]) / 3}


@torch.no_grad()
def short_prefix_metrics(model, n: int = 200, split: str = "val") -> dict:
    """Accuracy on b at a later (a, b) whose preceding word differs: one word of prefix matches."""
    rng = corpus._rng(split, 0, "bigram-eval")
    hits = total = first_hits = first_total = 0
    for _ in range(n):
        words = corpus.bigram_doc(rng)
        toks = model.to_tokens(corpus.render(words))[0]
        pred = model(toks[None])[0].argmax(-1)
        seen: dict[tuple[int, int], int] = {}
        for j in range(1, len(toks) - 1):
            pair = (toks[j].item(), toks[j + 1].item())
            repeated_pair = sum(1 for t in range(1, len(toks) - 1) if (toks[t].item(), toks[t + 1].item()) == pair) > 1
            if not repeated_pair:
                continue
            if pair in seen:
                hits += int(pred[j].item() == pair[1])
                total += 1
            else:
                first_hits += int(pred[j].item() == pair[1])
                first_total += 1
            seen[pair] = j
    return {"short_prefix_acc": hits / max(1, total), "short_prefix_first_acc": first_hits / max(1, first_total),
            "short_prefix_n": total}


def structure_metrics(model, train_tokens: torch.Tensor, size: str = "full") -> dict:
    out: dict = {}
    for unit in ("day", "month"):
        p1, t1 = _cycle_prompts(unit, None)
        pk, tk = _cycle_prompts(unit, 0)  # every k from two to the cycle's length - 1
        out[f"{unit}_next_acc"] = _top1(model, p1, t1)
        out[f"{unit}_k_after_acc"] = _top1(model, pk, tk)
        c = circle_metrics(model, unit, n_contexts=24 if size == "full" else 6)
        out.update({f"{unit}_{k}": v for k, v in c.items()})
    out.update(kind_metrics(model))
    out.update(fruit_metrics(model, train_tokens))
    out.update(short_prefix_metrics(model, n=200 if size == "full" else 40))
    return out
