# %% [markdown]
# # Section 4 — Understanding SAE latents, a deeper dive
#
# Section 1 read one latent at a time: its top examples, its logit effects, a dashboard. This section asks
# questions about **many latents at once**, and about how trustworthy our reading of them is.
#
# | part | exercises |
# |---|---|
# | feature splitting | 4.1 matching latents across widths · 4.2 the splitting tree · 4.3 token profiles · 4.4 effective number of tokens · 4.5 a graded prediction about split latents |
# | latent maps | 4.6 a UMAP of decoder directions · 4.7 cluster purity against word categories |
# | autointerp | 4.8 the explainer prompt · 4.9 detection score · 4.10 simulation score · 4.11 scoring an explanation |
# | meta-SAEs | 4.12 training an SAE on decoder directions · 4.13 do siblings share meta-latents? · 4.14 a graded prediction |
# | patch scoping | 4.15 patching a direction into a definition prompt · 4.16 picking the scale by self-similarity · 4.17 a graded prediction |
# | feature absorption | 4.18 a probe for the category · 4.19 where the general latent was absorbed · 4.20 a graded prediction |
#
# **Feature splitting.** Train SAEs of several widths on the same activations with the same recipe and compare
# them: a direction the narrow SAE spends one latent on is often covered, in the wider SAE, by a few latents that
# each take a narrower slice of what the single one did. Which wide latents descend from which narrow one is read
# off their decoder directions.
#
# **Latent maps.** Thousands of decoder directions are easier to survey as a picture: UMAP lays them out in 2-D
# so that close directions stay close, and HDBSCAN finds the dense clumps. Here the corpus tells us what each
# latent *should* be about (its word categories), so we can measure how well the clusters line up with it.
#
# **Autointerp.** Ask a language model to explain a latent from its examples, then *score* the explanation: give
# the explanation (not the examples) to a scorer and see whether it predicts which held-out texts make the latent
# fire (*detection*) and how strongly each token does (*simulation*). The course ships two backends behind one
# interface (`sae_course.autointerp`): any OpenAI-compatible endpoint when you set `SAE_COURSE_LLM_URL`, and an
# offline one that knows only the corpus's word categories. The offline scorer reads an explanation literally, so
# a wrong or vague explanation scores low with it.
#
# **Meta-SAEs.** The decoder directions of a wide SAE are themselves data; an SAE trained on them finds
# *meta-latents*, shared building blocks of many latents.
#
# **Patch scoping.** Put a latent's decoder direction into a prompt that asks the model what something is
# ("Mary said, *it* is a kind of") and read the answer: the model explains the latent in its own words. The zoo's
# corpus defines eight categories in such sentences, so the answer can be checked.
#
# **Feature absorption.** A general latent ("a fruit") can stay silent on the words where a specific latent ("banana")
# took its direction over. The zoo's fruit words are planted for this: a few are frequent, most are rare.
#
# **Run time.** Every part included (zoo v2), one torch thread on an idle 2-core CPU with no GPU
# (`bench/bench_notebooks.py`, 2026-12-01): the whole notebook, with the solutions, ran in 48 s in the CI profile
# (`SAE_COURSE_PROFILE=ci`; 53 s of kernel CPU, umap's threads add some) and in 72 s in the full profile (larger
# meta-SAE, more steps; 83 s of kernel CPU). A fresh environment's first `import umap` adds about 30 s while numba
# compiles. No GPU figure exists.
#
# **How the notebook is graded.** Write your code between the lines of each answer cell (replace
# `raise NotImplementedError()`). A visible test follows every answer; a locked graded test then runs hidden
# checks on other inputs and on the loaded SAEs. Later exercises call earlier ones, so work in order.
#
# **Which model.** Offline, the course's *zoo*: a two-layer model with one token per word and a *width family*,
# residual SAEs of several widths at one site trained with one recipe (`describe()["width_family"]`). With
# `SAE_COURSE_MODE=hub` the same code runs on GPT-2 small and the narrowest members of its public feature-splitting
# release. Read widths, hooks and sizes from the objects; never hard-code them.

# %% setup id=setup
import os
import warnings

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import plotly.express as px
import plotly.graph_objects as go
import torch
from torch import Tensor, nn
# tqdm.notebook, not tqdm.auto: the same class in the kernel and in the grader's own process, and a widget in
# Jupyter, so progress bars never write to stderr.
from tqdm.notebook import tqdm

from sae_course import checks, plots
from sae_course.autointerp import MARK_CLOSE, MARK_OPEN, OfflineBackend, backend_from_env
from sae_course.config import setup_notebook, sized
from sae_course.zoo import corpus, describe, load_model, load_sae, resolve_mode, word_category, zoo_tokens

SETUP = setup_notebook(seed=0)
device = SETUP.device
plots.use_offline_renderer()
# UMAP and numba warn about threading choices on stderr; nothing here depends on them.
warnings.filterwarnings("ignore", module="umap")
warnings.filterwarnings("ignore", module="numba")
warnings.filterwarnings("ignore", module="pynndescent")

MODE = resolve_mode()
INFO = describe()
model = load_model(device=device)
model.eval()
for _p in model.parameters():
    _p.requires_grad_(False)

# The width family: narrowest first. (The hub's family goes up to ~100k latents; we take its narrowest members.)
FAMILY = INFO["width_family"]
WIDTHS = sorted(int(w) for w in FAMILY["widths"])[: sized(full=4, ci=3)]
saes = {w: load_sae(FAMILY["site"], FAMILY["layer"], width=w, device=device) for w in WIDTHS}
for _s in saes.values():
    _s.eval()
    for _p in _s.parameters():
        _p.requires_grad_(False)
HOOK = saes[WIDTHS[0]].cfg.metadata.hook_name
DECODERS = [saes[w].W_dec.detach().float().clone() for w in WIDTHS]  # [width, d_model] each, narrowest first

# Held-out corpus windows (each starts with BOS), their residual stream at the family's site, and every SAE's latents.
tokens = zoo_tokens(sized(full=256, ci=96), seq_len=64, split="val", model=model).to(device)
with torch.no_grad():
    _, _cache = model.run_with_cache(tokens, names_filter=[HOOK])
    RESID = _cache[HOOK]
    ACTS = {w: saes[w].encode(RESID).float() for w in WIDTHS}  # [batch, seq, width]
del _cache
# Flattened over (window, position), BOS positions left out (the windows pack several documents, each opening with
# BOS, and many latents fire mostly there): what the latents do on words.
BOS_ID = int(tokens[0, 0])
WORDS = (tokens != BOS_ID).reshape(-1)
FLAT_IDS = tokens.reshape(-1)[WORDS]
FLAT_ACTS = {w: a.reshape(-1, w)[WORDS] for w, a in ACTS.items()}
# A local vocabulary: the distinct tokens of the sample (GPT-2's 50k-token vocabulary would not fit in a profile).
VOCAB_IDS, FLAT_INDEX = torch.unique(FLAT_IDS, return_inverse=True)
VOCAB_STR = [model.tokenizer.decode([int(i)]) for i in VOCAB_IDS]

# The corpus's word categories ("function" for everything else: the, to, was, ...).
CATEGORY_NAMES = [c for c in corpus.CATEGORIES if c != "special"] + ["function"]


def category_index(tok: str) -> int:
    cat = word_category(tok.strip())
    return CATEGORY_NAMES.index(cat) if cat in CATEGORY_NAMES else CATEGORY_NAMES.index("function")


VOCAB_CATEGORY = torch.tensor([category_index(s) for s in VOCAB_STR], device=device)
# GPT-2's string tokens carry their leading space (" cat"); the zoo's words do not ("cat").
TOKENS_CARRY_SPACES = model.to_str_tokens("a b", prepend_bos=False)[-1].startswith(" ")


def join_tokens(str_tokens) -> str:
    """The text of a list of string tokens (spaces between words for the zoo, as they are for GPT-2)."""
    return ("" if TOKENS_CARRY_SPACES else " ").join(str_tokens)


print(f"mode={MODE}  width family: {FAMILY['site']} layer {FAMILY['layer']}, widths {WIDTHS}  hook {HOOK}")
print(f"sample: {tuple(tokens.shape)} tokens, {len(VOCAB_IDS)} distinct; categories: {CATEGORY_NAMES}")

# %% [markdown]
# ## Part 1 — Feature splitting
#
# ### Exercise 4.1 — matching latents across widths
# > Difficulty: ●●○○○ · Importance: ●●●●○
#
# A latent *is* its decoder direction as far as the model is concerned: it writes $f_i \, d_i$ into the residual
# stream. Two latents of different SAEs that write (almost) the same direction do (almost) the same thing, so we
# match latents by the **cosine similarity** of their decoder rows. Decoder rows need not have unit norm: normalise
# them before comparing.
#
# Write `match_latents`: for every latent of the wider SAE, the narrower SAE's latent with the largest cosine
# similarity, and that cosine.

# %% solution id=ex01_match
def match_latents(dec_narrow: Tensor, dec_wide: Tensor) -> tuple[Tensor, Tensor]:
    """For every latent of the wider SAE, its closest latent of the narrower SAE by decoder direction.

    dec_narrow: [n_narrow, d_model], dec_wide: [n_wide, d_model]; rows are decoder directions (any norm).
    Returns (parent [n_wide] long, cos [n_wide] float): for wide latent j, the narrow latent whose direction has
    the largest cosine similarity with its own, and that cosine.
    """
    ### BEGIN SOLUTION
    narrow = dec_narrow / dec_narrow.norm(dim=-1, keepdim=True).clamp_min(1e-8)
    wide = dec_wide / dec_wide.norm(dim=-1, keepdim=True).clamp_min(1e-8)
    cos, parent = (wide @ narrow.T).max(dim=-1)
    return parent, cos
    ### END SOLUTION

# %% visible id=ex01_match_visible
_a = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
_b = torch.tensor([[3.0, 0.1], [0.1, -1.0], [0.5, 0.6]])
_par, _cos = match_latents(_a, _b)
checks.assert_shape(_par, (3,), "parent")
checks.assert_shape(_cos, (3,), "cos")
checks.assert_true(_par.tolist() == [0, 0, 1], "parent of a small hand-made case (decoder rows of different norms)")
checks.assert_true(bool((_cos <= 1 + 1e-6).all()), "cosines are at most 1: did you normalise the rows?")
PARENT, PARENT_COS = match_latents(DECODERS[0], DECODERS[1])
print(f"width {WIDTHS[1]} -> width {WIDTHS[0]}: median best cosine {PARENT_COS.median():.2f}, "
      f"{(PARENT_COS > 0.9).float().mean():.0%} of wide latents above 0.9")
fig = px.histogram(x=PARENT_COS.cpu().numpy(), nbins=40, title="best decoder cosine of each wide latent with a narrow one",
                   labels={"x": "cosine"})
fig.show()

# %% graded id=ex01_match_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
_ac, _at, _ash, _plain = _chk.assert_close, _chk.assert_true, _chk.assert_shape, _chk.plain
_teq = torch.equal


def _t():
    def closest(small, big):
        s_unit = small / small.norm(dim=1, keepdim=True)
        b_unit = big / big.norm(dim=1, keepdim=True)
        sim = torch.einsum("jd,id->ji", b_unit, s_unit)
        return sim.argmax(dim=1), sim.amax(dim=1)

    g = torch.Generator().manual_seed(41)
    for n_small, n_big, d in [(6, 15, 5), (40, 90, 16)]:
        small = torch.randn(n_small, d, generator=g) * torch.rand(n_small, 1, generator=g).mul(4).add(0.2)
        pick = torch.randint(0, n_small, (n_big,), generator=g)
        big = (small[pick] + 0.6 * torch.randn(n_big, d, generator=g)) * torch.rand(n_big, 1, generator=g).mul(5).add(0.1)
        big[: n_big // 4] *= -1
        want_p, want_c = closest(small, big)
        small_in, big_in = small.clone(), big.clone()
        got = _plain(match_latents(small_in, big_in), "match_latents' output")
        _at(isinstance(got, tuple) and len(got) == 2, "match_latents should return a pair (parent, cos)")
        gp, gc = got
        _ash(gp, (n_big,), "parent (one per wide latent)")
        _at(_teq(gp.long(), want_p), f"parent: wrong narrow latent for some wide latents ({n_small} narrow, {n_big} wide, rows of different norms)")
        _ac(gc.float(), want_c, "cos: the best cosine of each wide latent", atol=1e-5)
        _at(_teq(small_in, small) and _teq(big_in, big), "match_latents must not change its inputs")
    want_p, want_c = closest(DECODERS[0].clone(), DECODERS[-1].clone())
    gp, gc = _plain(match_latents(DECODERS[0].clone(), DECODERS[-1].clone()), "match_latents' output")
    _at((gp.long() == want_p).float().mean().item() > 0.999, "parent: wrong on the loaded width family")
    _ac(gc.float(), want_c, "cos on the loaded width family", atol=1e-4)


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4.2 — the splitting tree
# > Difficulty: ●●○○○ · Importance: ●●●●○
#
# With more than two widths, the family makes a tree: each latent of SAE $i+1$ hangs from its best match in SAE $i$
# (the next narrower one, not the narrowest). A wide latent whose best cosine is low has no real parent: it is a
# direction the narrower SAE did not have at all. Mark it with parent `-1`.
#
# Write `splitting_tree`: one parent tensor per adjacent pair of widths.

# %% solution id=ex02_tree
def splitting_tree(decoders: list[Tensor], min_cos: float) -> list[Tensor]:
    """The splitting tree of a width family.

    decoders: decoder matrices [width_i, d_model], narrowest first.
    Returns a list of len(decoders) - 1 long tensors: parents[i][j] is the latent of SAE i that latent j of SAE i+1
    descends from (its best match by decoder cosine), or -1 when that best cosine is below min_cos.
    """
    ### BEGIN SOLUTION
    parents = []
    for narrow, wide in zip(decoders[:-1], decoders[1:]):
        parent, cos = match_latents(narrow, wide)
        parents.append(torch.where(cos >= min_cos, parent, torch.full_like(parent, -1)))
    return parents
    ### END SOLUTION

# %% visible id=ex02_tree_visible
MIN_COS = 0.6
TREE = splitting_tree(DECODERS, MIN_COS)
checks.assert_true(isinstance(TREE, list) and len(TREE) == len(DECODERS) - 1, "one parent tensor per adjacent pair of widths")
for _i, _par in enumerate(TREE):
    checks.assert_shape(_par, (WIDTHS[_i + 1],), f"parents of the width-{WIDTHS[_i + 1]} latents")


def children_of(parents: Tensor, n_narrow: int) -> list[list[int]]:
    """children[i] = the wide latents whose parent is narrow latent i (orphans, parent -1, belong to nobody)."""
    out = [[] for _ in range(n_narrow)]
    for j, p in enumerate(parents.tolist()):
        if p >= 0:
            out[p].append(j)
    return out


CHILDREN = children_of(TREE[0], WIDTHS[0])
_counts = torch.tensor([len(c) for c in CHILDREN])
print(f"{WIDTHS[0]} -> {WIDTHS[1]}: {(TREE[0] < 0).sum().item()} orphans; narrow latents with 0/1/2/3+ children: "
      f"{[(_counts == k).sum().item() for k in (0, 1, 2)] + [(_counts >= 3).sum().item()]}")
fig = px.histogram(x=_counts.numpy(), title=f"children per width-{WIDTHS[0]} latent in the width-{WIDTHS[1]} SAE",
                   labels={"x": "number of children"})
fig.show()

# %% graded id=ex02_tree_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
_at, _ash, _plain = _chk.assert_true, _chk.assert_shape, _chk.plain
_teq = torch.equal


def _t():
    def tree_ref(mats, thr):
        levels = []
        for k in range(len(mats) - 1):
            lo = mats[k] / mats[k].norm(dim=1, keepdim=True)
            hi = mats[k + 1] / mats[k + 1].norm(dim=1, keepdim=True)
            best, arg = (hi @ lo.T).max(dim=1)
            arg[best < thr] = -1
            levels.append(arg)
        return levels

    g = torch.Generator().manual_seed(42)
    d = 12
    mats = [torch.randn(5, d, generator=g)]
    for n in (11, 23, 40):
        src = mats[-1][torch.randint(0, mats[-1].shape[0], (n,), generator=g)]
        mats.append(src + 0.7 * torch.randn(n, d, generator=g))
    for thr in (0.45, 0.7):
        want = tree_ref([m.clone() for m in mats], thr)
        got = _plain(splitting_tree([m.clone() for m in mats], thr), "splitting_tree's output")
        _at(isinstance(got, (list, tuple)) and len(got) == len(mats) - 1, "splitting_tree should return one tensor per adjacent pair")
        for k, (gk, wk) in enumerate(zip(got, want)):
            _ash(gk, tuple(wk.shape), f"parents of level {k + 1}")
            _at(_teq(gk.long(), wk), f"level {k + 1} of a 4-width random family (min_cos={thr}): some parents (or -1 orphans) are wrong")
    want = tree_ref([m.clone() for m in DECODERS], 0.6)
    got = _plain(splitting_tree([m.clone() for m in DECODERS], 0.6), "splitting_tree's output")
    for gk, wk in zip(got, want):
        _at(_teq(gk.long(), wk), "the loaded width family's tree is wrong")


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4.3 — what a latent responds to: its token profile
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# On this corpus every word is one token, so a simple and honest summary of a latent is *where its activation
# goes*: of all the activation it spends on the sample, which share lands on each vocabulary token. Use the
# sample's local vocabulary (`FLAT_INDEX` gives, for each flattened position, its index into `VOCAB_IDS`).
#
# Write `token_profile`. A latent that never fires gets a row of zeros (not NaN).

# %% solution id=ex03_profile
def token_profile(acts: Tensor, token_index: Tensor, n_vocab: int) -> Tensor:
    """Where each latent's activation goes, by vocabulary entry.

    acts: [n_positions, d_sae] activations (>= 0); token_index: [n_positions] long, the vocabulary entry at each position.
    Returns [d_sae, n_vocab]: row i is latent i's summed activation on each entry divided by its total activation,
    so rows sum to 1 (rows of zeros for latents that never fire).
    """
    ### BEGIN SOLUTION
    mass = torch.zeros(acts.shape[1], n_vocab, dtype=acts.dtype, device=acts.device)
    mass.index_add_(1, token_index, acts.T)
    total = mass.sum(dim=1, keepdim=True)
    return torch.where(total > 0, mass / total.clamp_min(1e-12), torch.zeros_like(mass))
    ### END SOLUTION

# %% visible id=ex03_profile_visible
_p = token_profile(torch.tensor([[1.0, 0.0], [3.0, 0.0], [0.0, 0.0]]), torch.tensor([0, 1, 1]), 3)
checks.assert_close(_p, torch.tensor([[0.25, 0.75, 0.0], [0.0, 0.0, 0.0]]), "a hand-made case with a dead latent")
PROFILES = {w: token_profile(FLAT_ACTS[w], FLAT_INDEX, len(VOCAB_IDS)) for w in WIDTHS}


def category_profile(profile: Tensor) -> Tensor:
    """[d_sae, n_vocab] token profile -> [d_sae, n_categories]: the share of activation on each word category."""
    out = torch.zeros(profile.shape[0], len(CATEGORY_NAMES), dtype=profile.dtype, device=profile.device)
    return out.index_add_(1, VOCAB_CATEGORY, profile)


def top_tokens(profile: Tensor, latent: int, k: int = 5) -> str:
    share, idx = profile[latent].topk(k)
    return ", ".join(f"{VOCAB_STR[i].strip()!r} {s:.0%}" for s, i in zip(share.tolist(), idx.tolist()) if s > 0)


# A few split families: a narrow latent and its children, with what each responds to.
_used = (FLAT_ACTS[WIDTHS[0]] > 0).float().mean(0) > 0.01  # parents that fire on at least 1% of the words
_fams = sorted((i for i in range(WIDTHS[0]) if _used[i]), key=lambda i: -len(CHILDREN[i]))[:4]
for _i in _fams:
    print(f"narrow {_i:4d}: {top_tokens(PROFILES[WIDTHS[0]], _i)}")
    for _j in CHILDREN[_i]:
        print(f"   child {_j:4d} (cos {PARENT_COS[_j]:.2f}): {top_tokens(PROFILES[WIDTHS[1]], _j)}")

# %% graded id=ex03_profile_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
_ac, _at, _ash, _plain = _chk.assert_close, _chk.assert_true, _chk.assert_shape, _chk.plain
_tisfin = torch.isfinite


def _t():
    def prof_ref(a, ix, nv):
        onehot = torch.nn.functional.one_hot(ix, nv).to(a.dtype)  # [n, nv]
        m = a.T @ onehot
        s = m.sum(1, keepdim=True)
        return m / s.where(s > 0, torch.ones_like(s))

    g = torch.Generator().manual_seed(43)
    n, d, nv = 300, 9, 14
    a = torch.relu(torch.randn(n, d, generator=g) - 0.8) * torch.rand(1, d, generator=g).mul(3)
    a[:, 4] = 0.0
    ix = torch.randint(0, nv, (n,), generator=g)
    ix[ix == 7] = 3  # an entry nobody uses
    want = prof_ref(a.clone(), ix.clone(), nv)
    got = _plain(token_profile(a.clone(), ix.clone(), nv), "token_profile's output")
    _ash(got, (d, nv), "token_profile: [d_sae, n_vocab]")
    _at(bool(_tisfin(got).all()), "token_profile has NaN or inf entries (a latent that never fires?)")
    _ac(got.float(), want, "token_profile on random activations with a dead latent", atol=1e-5)
    w0 = WIDTHS[0]
    want = prof_ref(FLAT_ACTS[w0].clone(), FLAT_INDEX.clone(), len(VOCAB_IDS))
    got = _plain(token_profile(FLAT_ACTS[w0].clone(), FLAT_INDEX.clone(), len(VOCAB_IDS)), "token_profile's output")
    _ac(got.float(), want, "token_profile of the narrowest SAE on the sample", atol=1e-4)


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4.4 — how many tokens does a latent respond to?
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# A profile that puts all its mass on one token is a one-token latent; one spread evenly over 20 tokens responds to
# 20. The **effective number of tokens** $\exp(H)$, with $H = -\sum_v p_v \log p_v$ the entropy of the profile
# (terms with $p_v = 0$ count 0), says this in one number. Give 0 to a latent that never fires (row of zeros).

# %% solution id=ex04_effective
def effective_tokens(profile: Tensor) -> Tensor:
    """[d_sae, n_vocab] token profile -> [d_sae]: exp(entropy) of each row (natural log); 0 for all-zero rows."""
    ### BEGIN SOLUTION
    p = profile.clamp_min(0)
    ent = -(torch.where(p > 0, p * p.clamp_min(1e-30).log(), torch.zeros_like(p))).sum(dim=-1)
    alive = p.sum(dim=-1) > 0
    return torch.where(alive, ent.exp(), torch.zeros_like(ent))
    ### END SOLUTION

# %% visible id=ex04_effective_visible
_e = effective_tokens(torch.tensor([[1.0, 0.0, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25], [0.0, 0.0, 0.0, 0.0]]))
checks.assert_close(_e, torch.tensor([1.0, 4.0, 0.0]), "one token, four even tokens, a dead latent", atol=1e-5)
EFFECTIVE = {w: effective_tokens(PROFILES[w]) for w in WIDTHS}
for _w in WIDTHS:
    print(f"width {_w:5d}: median effective number of tokens {EFFECTIVE[_w].median():.1f}")

# %% graded id=ex04_effective_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
_ac, _at, _ash, _plain = _chk.assert_close, _chk.assert_true, _chk.assert_shape, _chk.plain


def _t():
    def eff_ref(pr):
        logs = torch.log(pr.where(pr > 0, torch.ones_like(pr)))
        h = -(pr * logs).sum(1)
        return h.exp() * (pr.sum(1) > 0).to(pr.dtype)

    g = torch.Generator().manual_seed(44)
    raw = torch.rand(7, 30, generator=g) ** 6
    raw[2] = 0.0
    raw[3, 1:] = 0.0
    raw[5, ::2] = 0.0
    pr = raw / raw.sum(1, keepdim=True).where(raw.sum(1, keepdim=True) > 0, torch.ones(7, 1))
    want = eff_ref(pr.clone())
    got = _plain(effective_tokens(pr.clone()), "effective_tokens' output")
    _ash(got, (7,), "effective_tokens: one number per latent")
    _ac(got.float(), want, "effective number of tokens of random profiles (one dead, one single-token)", atol=1e-4)
    w1 = WIDTHS[-1]
    want = eff_ref(PROFILES[w1].clone())
    got = _plain(effective_tokens(PROFILES[w1].clone()), "effective_tokens' output")
    _ac(got.float(), want, "effective number of tokens of the widest SAE's profiles", atol=1e-3, rtol=1e-3)


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4.5 — checkpoint: what does splitting do? (a graded prediction)
# > Difficulty: ●●○○○ · Importance: ●●●●○
#
# Look at the families printed under 4.3. Take the narrow latents that split (two or more children in the next
# width) and compare each child with its parent. Predict, **before running the measurement below**:
#
# * `"tokens"`: does a child respond to a `"narrower"` or a `"broader"` set of tokens than its parent (effective
#   number of tokens, child over parent, median over all children of split parents: below 1 is narrower)?
# * `"frequency"`: does a child fire `"less"` or `"more"` often than its parent (fraction of word positions where
#   it is active, the same median ratio: below 1 is less)?
#
# Write your answer as a literal dict. It is graded against the measurement on the loaded SAEs.

# %% solution id=ex05_split_predict
def split_prediction() -> dict:
    """{"tokens": "narrower" | "broader", "frequency": "less" | "more"}."""
    ### BEGIN SOLUTION
    # The key is measured, so that it holds for whichever model is loaded; a student writes the dict by hand.
    # On the zoo's family: children respond to narrower token sets and fire less often than their parents.
    words = {"tokens": ("narrower", "broader"), "frequency": ("less", "more")}
    eff0, eff1 = effective_tokens(PROFILES[WIDTHS[0]]), effective_tokens(PROFILES[WIDTHS[1]])
    fr0, fr1 = (FLAT_ACTS[WIDTHS[0]] > 0).float().mean(0), (FLAT_ACTS[WIDTHS[1]] > 0).float().mean(0)
    pairs = [(i, j) for i, kids in enumerate(CHILDREN) if len(kids) >= 2 for j in kids]
    out = {}
    for key, (lo, hi) in {"tokens": (eff0, eff1), "frequency": (fr0, fr1)}.items():
        ratio = torch.tensor([float(hi[j] / lo[i].clamp_min(1e-9)) for i, j in pairs]).median().item()
        out[key] = words[key][0] if ratio < 1 else words[key][1]
    return out
    ### END SOLUTION

# %% visible id=ex05_split_predict_visible
SPLIT_PREDICTION = split_prediction()
checks.assert_true(isinstance(SPLIT_PREDICTION, dict) and set(SPLIT_PREDICTION) == {"tokens", "frequency"},
                   'split_prediction() should return {"tokens": ..., "frequency": ...}')
checks.assert_true(SPLIT_PREDICTION["tokens"] in ("narrower", "broader"), '"tokens": "narrower" or "broader"')
checks.assert_true(SPLIT_PREDICTION["frequency"] in ("less", "more"), '"frequency": "less" or "more"')
_freq = {w: (FLAT_ACTS[w] > 0).float().mean(0) for w in WIDTHS[:2]}
_pairs = [(i, j) for i, kids in enumerate(CHILDREN) if len(kids) >= 2 for j in kids]
_tok_ratio = torch.tensor([(EFFECTIVE[WIDTHS[1]][j] / EFFECTIVE[WIDTHS[0]][i].clamp_min(1e-9)).item() for i, j in _pairs])
_fr_ratio = torch.tensor([(_freq[WIDTHS[1]][j] / _freq[WIDTHS[0]][i].clamp_min(1e-9)).item() for i, j in _pairs])
print(f"{len(_pairs)} children of split parents: median child/parent effective tokens {_tok_ratio.median():.2f}, "
      f"firing frequency {_fr_ratio.median():.2f}   (you predicted {SPLIT_PREDICTION})")
fig = go.Figure([go.Histogram(x=_tok_ratio.clamp_min(1e-3).log2().numpy(), name="effective tokens", opacity=0.6),
                 go.Histogram(x=_fr_ratio.clamp_min(1e-3).log2().numpy(), name="firing frequency", opacity=0.6)])
fig.update_layout(barmode="overlay", title="child / parent, log2 (0 = same as the parent)", xaxis_title="log2 ratio")
fig.show()

# %% graded id=ex05_split_predict_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
_at, _plain = _chk.assert_true, _chk.plain
_dict_items, _isinstance, _dict = dict.items, isinstance, dict


def _t():
    def ent_exp(pr):
        h = -(pr * torch.log(pr.where(pr > 0, torch.ones_like(pr)))).sum(1)
        return h.exp() * (pr.sum(1) > 0).to(pr.dtype)

    def prof(a):
        oh = torch.nn.functional.one_hot(FLAT_INDEX, len(VOCAB_IDS)).to(a.dtype)
        m = a.T @ oh
        s = m.sum(1, keepdim=True)
        return m / s.where(s > 0, torch.ones_like(s))

    lo_w, hi_w = WIDTHS[0], WIDTHS[1]
    lo_d = DECODERS[0] / DECODERS[0].norm(dim=1, keepdim=True)
    hi_d = DECODERS[1] / DECODERS[1].norm(dim=1, keepdim=True)
    best, arg = (hi_d @ lo_d.T).max(dim=1)
    arg[best < 0.6] = -1
    n_kids = torch.bincount(arg[arg >= 0], minlength=lo_w)
    sel = (arg >= 0) & (n_kids[arg.clamp_min(0)] >= 2)
    kid_ix, par_ix = sel.nonzero().flatten(), arg[sel]
    truth = {}
    for key, lo_v, hi_v, names in [
        ("tokens", ent_exp(prof(FLAT_ACTS[lo_w])), ent_exp(prof(FLAT_ACTS[hi_w])), ("narrower", "broader")),
        ("frequency", (FLAT_ACTS[lo_w] > 0).float().mean(0), (FLAT_ACTS[hi_w] > 0).float().mean(0), ("less", "more")),
    ]:
        r = (hi_v[kid_ix] / lo_v[par_ix].clamp_min(1e-9)).median().item()
        truth[key] = names[0] if r < 1 else names[1]
    got = split_prediction()
    _at(_isinstance(got, _dict), "split_prediction() should return a dict")
    got = {_plain(k, "a key"): _plain(v, "a prediction") for k, v in _dict_items(got)}
    _at(set(got) == {"tokens", "frequency"}, 'split_prediction() needs the keys "tokens" and "frequency"')
    wrong = sorted(k for k in truth if got[k] != truth[k])
    _at(not wrong, f"these predictions do not match the measurement on the loaded SAEs: {wrong}")


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ## Part 2 — Latent maps
#
# ### Exercise 4.6 — a UMAP of decoder directions
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# UMAP builds a graph of each point's nearest neighbours and lays it out in a few dimensions so that neighbours stay
# together. For decoder directions the natural distance is the **cosine** one. Put every SAE of the family in one
# map (stack the decoders, narrowest first, rows normalised to unit length), so that a narrow latent can be seen
# next to its children.
#
# Write `latent_map` with `umap.UMAP(n_components=n_components, n_neighbors=UMAP_NEIGHBORS, min_dist=0.05,
# metric="cosine", n_epochs=UMAP_EPOCHS, random_state=seed, n_jobs=1)`. (A `random_state` makes UMAP deterministic,
# and single-threaded.) Return its `fit_transform` output.

# %% visible id=umap_setup
import umap  # noqa: E402  (first import compiles numba code: it takes a while)
from sklearn.cluster import HDBSCAN  # noqa: E402

UMAP_NEIGHBORS = 15
UMAP_EPOCHS = sized(full=200, ci=60)

# %% solution id=ex06_map
def latent_map(decoders: list[Tensor], n_components: int = 2, seed: int = 0) -> np.ndarray:
    """UMAP of every decoder direction of the family: [sum of widths, n_components] numpy array, rows in the order
    of ``decoders`` (narrowest first)."""
    ### BEGIN SOLUTION
    stacked = torch.cat([d / d.norm(dim=-1, keepdim=True) for d in decoders]).cpu().numpy()
    reducer = umap.UMAP(n_components=n_components, n_neighbors=UMAP_NEIGHBORS, min_dist=0.05, metric="cosine",
                        n_epochs=UMAP_EPOCHS, random_state=seed, n_jobs=1)
    return reducer.fit_transform(stacked)
    ### END SOLUTION

# %% visible id=ex06_map_visible
MAP2 = latent_map(DECODERS, n_components=2, seed=0)
checks.assert_shape(torch.as_tensor(MAP2), (sum(WIDTHS), 2), "latent_map: one 2-D point per latent of the family")
MAP_WIDTH = np.concatenate([np.full(w, w) for w in WIDTHS])
MAP_CATEGORY = np.concatenate([category_profile(PROFILES[w]).argmax(1).cpu().numpy() for w in WIDTHS])
fig = px.scatter(x=MAP2[:, 0], y=MAP2[:, 1], color=[CATEGORY_NAMES[c] for c in MAP_CATEGORY],
                 symbol=[str(w) for w in MAP_WIDTH], opacity=0.7,
                 title="decoder directions of the width family (colour: the word category a latent spends most on)",
                 labels={"color": "category", "symbol": "width"})
fig.show()

# %% graded id=ex06_map_test points=2
### BEGIN HIDDEN TESTS
import numpy as np
import torch
import umap
import sae_course.checks as _chk
_ac, _at, _ash, _plain = _chk.assert_close, _chk.assert_true, _chk.assert_shape, _chk.plain


def _t():
    mats = [m.clone() for m in DECODERS[:2]]
    cut = [m[: max(60, m.shape[0] // 4)] for m in mats]
    x = np.concatenate([(m / m.norm(dim=1, keepdim=True)).numpy() for m in cut]).astype(np.float32)
    want = umap.UMAP(n_neighbors=UMAP_NEIGHBORS, n_components=3, metric="cosine", min_dist=0.05, random_state=7,
                     n_epochs=UMAP_EPOCHS, n_jobs=1).fit_transform(x)
    got = _plain(latent_map([m.clone() for m in cut], n_components=3, seed=7), "latent_map's output")
    _ash(got, (x.shape[0], 3), "latent_map: [sum of widths, n_components]")
    _ac(got.float(), torch.as_tensor(want).float(), "latent_map on part of the width family (3 components, seed 7)",
        atol=1e-3, rtol=1e-3)


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4.7 — clusters, and how pure they are
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# HDBSCAN finds clusters of varying density and leaves points that belong to none as *noise* (label `-1`). As
# is usual, we cluster a 5-dimensional UMAP (less is lost than in 2-D) and draw the clusters on the 2-D map.
#
# How well do the clusters follow what the latents respond to? Give each latent its **dominant category** (the
# word category its profile spends most on). A cluster's purity is the share of its members in its most common
# category; over the whole clustering, **purity** is the fraction of clustered latents (noise left out) that are in
# their cluster's most common category, and **coverage** the fraction of latents that are in a cluster at all.
#
# Write `cluster_purity`; return `(0.0, 0.0)` when nothing is clustered.

# %% solution id=ex07_purity
def cluster_purity(labels: np.ndarray, categories: np.ndarray) -> tuple[float, float]:
    """labels: [n] cluster of each latent (-1 = noise); categories: [n] dominant category of each latent (ints).

    Returns (purity, coverage) as Python floats.
    """
    ### BEGIN SOLUTION
    labels, categories = np.asarray(labels), np.asarray(categories)
    inside = labels >= 0
    if not inside.any():
        return 0.0, 0.0
    agree = 0
    for c in np.unique(labels[inside]):
        agree += np.bincount(categories[labels == c]).max()
    return float(agree / inside.sum()), float(inside.mean())
    ### END SOLUTION

# %% visible id=ex07_purity_visible
_pu, _co = cluster_purity(np.array([0, 0, 0, 1, 1, -1]), np.array([2, 2, 1, 0, 0, 2]))
checks.assert_scalar_close(_pu, 0.8, "purity of a hand-made clustering")
checks.assert_scalar_close(_co, 5 / 6, "coverage of a hand-made clustering")
MAP5 = latent_map(DECODERS, n_components=5, seed=0)
CLUSTERS = HDBSCAN(min_cluster_size=10, min_samples=5, copy=True).fit_predict(MAP5)
PURITY, COVERAGE = cluster_purity(CLUSTERS, MAP_CATEGORY)
_rng = np.random.default_rng(0)
_shuffled = np.mean([cluster_purity(CLUSTERS, _rng.permutation(MAP_CATEGORY))[0] for _ in range(20)])
print(f"{CLUSTERS.max() + 1} clusters, coverage {COVERAGE:.0%}, purity {PURITY:.2f} "
      f"(categories shuffled among the latents: {_shuffled:.2f})")
fig = px.scatter(x=MAP2[:, 0], y=MAP2[:, 1], color=[str(c) if c >= 0 else "noise" for c in CLUSTERS],
                 hover_name=[CATEGORY_NAMES[c] for c in MAP_CATEGORY], opacity=0.7,
                 title="HDBSCAN clusters (of the 5-D UMAP) drawn on the 2-D map", labels={"color": "cluster"})
fig.show()

# %% graded id=ex07_purity_test points=2
### BEGIN HIDDEN TESTS
import numpy as np
import sae_course.checks as _chk
_asc, _at, _plain = _chk.assert_scalar_close, _chk.assert_true, _chk.plain


def _t():
    def pur_ref(lab, cat):
        keep = lab != -1
        n_in = int(keep.sum())
        if n_in == 0:
            return 0.0, 0.0
        hits = sum(int(np.bincount(cat[keep][lab[keep] == k]).max()) for k in set(lab[keep].tolist()))
        return hits / n_in, n_in / len(lab)

    rng = np.random.default_rng(45)
    cases = []
    for n, k, nc, noise in [(50, 4, 3, 0.2), (200, 9, 6, 0.5), (30, 1, 4, 0.0)]:
        lab = rng.integers(0, k, n)
        lab[rng.random(n) < noise] = -1
        cat = np.where(rng.random(n) < 0.6, lab % nc, rng.integers(0, nc, n))
        cat[lab == -1] = 0
        cases.append((lab, cat))
    cases.append((np.full(8, -1), np.arange(8) % 3))
    for lab, cat in cases:
        want = pur_ref(lab.copy(), cat.copy())
        got = _plain(cluster_purity(lab.copy(), cat.copy()), "cluster_purity's output")
        _at(isinstance(got, tuple) and len(got) == 2, "cluster_purity should return (purity, coverage)")
        _asc(got[0], want[0], f"purity ({len(lab)} latents, {int((lab == -1).sum())} noise)", atol=1e-9)
        _asc(got[1], want[1], f"coverage ({len(lab)} latents, {int((lab == -1).sum())} noise)", atol=1e-9)


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ## Part 3 — Autointerp: explaining and scoring
#
# The pipeline: collect a latent's **top examples** (the windows where it fires hardest) and a few **quantile
# examples** (windows from the middle of its activation range, so that the explanation covers weak firing too);
# show them to an explainer with the firing tokens marked; then score the explanation on **held-out** windows.
#
# `examples_of` (below, given) cuts windows of `WINDOW` tokens around the top positions of a latent and returns them
# as `(str_tokens, activations)` pairs: the `"top"` and `"quantile"` windows for the explainer, and held-out
# `"positives"` (firing windows the explainer never sees) and `"negatives"` (random windows where the latent is
# silent throughout) for the scorer.

# %% visible id=autointerp_setup
WINDOW = 9
PROMPT_INTRO = "Each example below is a short text. A neuron fires on the words in double angle brackets."
PROMPT_TOP, PROMPT_QUANTILE = "Top examples:", "Examples from lower activation quantiles:"
PROMPT_TASK = "In one short sentence, what does the neuron respond to?"
BACKEND = backend_from_env()
print(f"autointerp backend: {BACKEND.name}")


def _window(acts: Tensor, b: int, p: int) -> tuple[list[str], list[float]]:
    lo = max(1, p - WINDOW + 3)
    hi = min(tokens.shape[1], lo + WINDOW)
    return model.to_str_tokens(tokens[b, lo:hi]), acts[b, lo:hi].tolist()


def examples_of(width: int, latent: int, n_top: int = 6, n_quantile: int = 4, n_held: int = 6, n_neg: int = 12,
                seed: int = 0) -> dict:
    """Windows for one latent: {"top", "quantile", "positives", "negatives"}, each a list of (str_tokens, acts)."""
    acts = ACTS[width][:, :, latent]
    peak, where = acts[:, 1:].max(dim=1)  # the best position of each window (BOS left out)
    order = peak.argsort(descending=True).tolist()
    firing = [b for b in order if peak[b] > 0]
    top = firing[: n_top]
    held = firing[n_top: n_top + n_held]
    rest = firing[n_top + n_held:]
    quant = [rest[int(q * (len(rest) - 1))] for q in np.linspace(0.3, 0.7, n_quantile)] if len(rest) >= n_quantile else []
    # Negatives: seeded random spans of WINDOW tokens (BOS left out) on which the latent is silent throughout.
    g = torch.Generator().manual_seed(seed)
    neg_win = []
    for _ in range(50 * n_neg):
        if len(neg_win) == n_neg:
            break
        b = int(torch.randint(0, tokens.shape[0], (1,), generator=g))
        s = int(torch.randint(1, tokens.shape[1] - WINDOW + 1, (1,), generator=g))
        if acts[b, s:s + WINDOW].max() <= 0:
            neg_win.append((model.to_str_tokens(tokens[b, s:s + WINDOW]), acts[b, s:s + WINDOW].tolist()))
    win = lambda bs: [_window(acts, b, int(where[b]) + 1) for b in bs]  # noqa: E731
    return {"top": win(top), "quantile": win(quant), "positives": win(held), "negatives": neg_win}


# The latent we study: a well-used latent of the narrowest SAE that spends the most on one word category
# ("function", the last category, left out).
_share = category_profile(PROFILES[WIDTHS[0]])[:, :-1].max(1).values * ((FLAT_ACTS[WIDTHS[0]] > 0).float().mean(0) > 0.01)
LATENT = int(_share.argmax())
EX = examples_of(WIDTHS[0], LATENT)
print(f"latent {LATENT} of the width-{WIDTHS[0]} SAE: {top_tokens(PROFILES[WIDTHS[0]], LATENT)}")

# %% [markdown]
# ### Exercise 4.8 — the explainer prompt
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# Build the prompt, one line each, joined with `"\n"`:
#
# 1. `PROMPT_INTRO`
# 2. `PROMPT_TOP`, then one line per top example: `"1. "`, `"2. "`, ... followed by the example's text
# 3. `PROMPT_QUANTILE`, then one line per quantile example, numbered from 1 again (leave this block out, heading
#    included, when there are no quantile examples)
# 4. `PROMPT_TASK`
#
# An example's text is `join_tokens` of its tokens, where a token is wrapped as `MARK_OPEN + tok + MARK_CLOSE`
# when its activation is **above** `threshold` times the largest activation over **all top examples** (one
# threshold for the whole prompt, so that the weak quantile examples are marked only where they fire strongly).

# %% solution id=ex08_prompt
def explainer_prompt(top: list, quantile: list, threshold: float = 0.3) -> str:
    """top, quantile: lists of (str_tokens, activations) pairs. Returns the explainer prompt (a str)."""
    ### BEGIN SOLUTION
    cut = threshold * max(max(acts) for _, acts in top)

    def text(toks, acts):
        return join_tokens([MARK_OPEN + t + MARK_CLOSE if a > cut else t for t, a in zip(toks, acts)])

    lines = [PROMPT_INTRO, PROMPT_TOP] + [f"{i + 1}. {text(*ex)}" for i, ex in enumerate(top)]
    if quantile:
        lines += [PROMPT_QUANTILE] + [f"{i + 1}. {text(*ex)}" for i, ex in enumerate(quantile)]
    return "\n".join(lines + [PROMPT_TASK])
    ### END SOLUTION

# %% visible id=ex08_prompt_visible
_pr = explainer_prompt([(["a", "cat", "sat"], [0.0, 2.0, 0.5])], [])
checks.assert_true(isinstance(_pr, str), "explainer_prompt should return a str")
checks.assert_true(_pr.splitlines()[0] == PROMPT_INTRO and _pr.splitlines()[-1] == PROMPT_TASK,
                   "the prompt starts with PROMPT_INTRO and ends with PROMPT_TASK")
checks.assert_true(MARK_OPEN + "cat" + MARK_CLOSE in _pr and MARK_OPEN + "sat" not in _pr,
                   "in a one-example prompt, 'cat' (2.0) is marked and 'sat' (0.5 <= 0.3 * 2.0) is not")
PROMPT = explainer_prompt(EX["top"], EX["quantile"])
print(PROMPT)
EXPLANATION = BACKEND.explain(PROMPT)
print("\nexplanation:", EXPLANATION)

# %% graded id=ex08_prompt_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
_at, _plain = _chk.assert_true, _chk.plain


def _t():
    def prompt_ref(tops, quants, frac):
        lim = frac * max(v for _, vals in tops for v in vals)
        def line(k, pair):
            words = [(MARK_OPEN + w + MARK_CLOSE) if v > lim else w for w, v in zip(*pair)]
            return str(k) + ". " + join_tokens(words)
        parts = [PROMPT_INTRO, PROMPT_TOP]
        parts.extend(line(k + 1, pair) for k, pair in enumerate(tops))
        if len(quants) > 0:
            parts.append(PROMPT_QUANTILE)
            parts.extend(line(k + 1, pair) for k, pair in enumerate(quants))
        parts.append(PROMPT_TASK)
        return "\n".join(parts)

    g = torch.Generator().manual_seed(46)
    words = ["tok" + str(i) for i in range(30)]
    def fake(n, scale):
        out = []
        for _ in range(n):
            ix = torch.randint(0, 30, (7,), generator=g).tolist()
            vals = (torch.relu(torch.randn(7, generator=g)) * scale).tolist()
            out.append(([words[i] for i in ix], vals))
        return out
    for tops, quants, frac in [(fake(4, 3.0), fake(3, 1.0), 0.3), (fake(2, 1.0), [], 0.5), (fake(5, 2.0), fake(2, 2.5), 0.2)]:
        want = prompt_ref(tops, quants, frac)
        got = _plain(explainer_prompt([(list(a), list(b)) for a, b in tops], [(list(a), list(b)) for a, b in quants], frac), "explainer_prompt's output")
        _at(isinstance(got, str), "explainer_prompt should return a str")
        gl, wl = got.splitlines(), want.splitlines()
        _at(len(gl) == len(wl), f"the prompt has {len(gl)} lines; with {len(tops)} top and {len(quants)} quantile examples it should have another number")
        bad = [i + 1 for i, (a, b) in enumerate(zip(gl, wl)) if a != b]
        _at(not bad, f"lines {bad} of the prompt are not as specified ({len(tops)} top, {len(quants)} quantile examples, threshold {frac})")
    want = prompt_ref(EX["top"], EX["quantile"], 0.3)
    _at(_plain(explainer_prompt(EX["top"], EX["quantile"]), "explainer_prompt's output") == want,
        "the prompt for the studied latent is not as specified")


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4.9 — detection: balanced accuracy
# > Difficulty: ●○○○○ · Importance: ●●●○○
#
# Detection shows the scorer a mix of held-out windows, some where the latent fires (positives) and many where it
# does not (negatives), and asks which ones it fires on. With few positives, plain accuracy rewards saying "no" to
# everything, so we use **balanced accuracy**, the mean of the true positive rate and the true negative rate. When
# one of the two classes is absent, use the rate of the class that is there.

# %% solution id=ex09_detection
def detection_score(predicted: list[bool], truth: list[bool]) -> float:
    """Balanced accuracy of predicted against truth (lists of bools of one length), a Python float."""
    ### BEGIN SOLUTION
    pred = torch.tensor([bool(p) for p in predicted])
    true = torch.tensor([bool(t) for t in truth])
    rates = []
    if true.any():
        rates.append((pred & true).sum().item() / true.sum().item())
    if (~true).any():
        rates.append((~pred & ~true).sum().item() / (~true).sum().item())
    return float(sum(rates) / len(rates)) if rates else 0.0
    ### END SOLUTION

# %% visible id=ex09_detection_visible
checks.assert_scalar_close(detection_score([True, False, False, False], [True, True, False, False]), 0.75,
                           "one of two positives found, both negatives right")
checks.assert_scalar_close(detection_score([False] * 10, [True] + [False] * 9), 0.5, "saying 'no' to everything")

# %% graded id=ex09_detection_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
_asc, _plain = _chk.assert_scalar_close, _chk.plain


def _t():
    def bal_ref(p, t):
        tp = sum(1 for a, b in zip(p, t) if a and b)
        tn = sum(1 for a, b in zip(p, t) if not a and not b)
        npos, nneg = sum(t), len(t) - sum(t)
        r = ([tp / npos] if npos else []) + ([tn / nneg] if nneg else [])
        return sum(r) / len(r)

    g = torch.Generator().manual_seed(47)
    for n, pos, hit in [(40, 0.2, 0.7), (25, 0.5, 0.5), (12, 1.0, 0.6), (15, 0.0, 0.3), (60, 0.1, 0.9)]:
        t = (torch.rand(n, generator=g) < pos).tolist()
        p = [(a if torch.rand(1, generator=g).item() < hit else not a) for a in t]
        want = bal_ref(p, t)
        got = _plain(detection_score(list(p), list(t)), "detection_score's output")
        _asc(got, want, f"balanced accuracy on {n} windows, {sum(t)} of them positive", atol=1e-9)


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4.10 — simulation: correlation
# > Difficulty: ●○○○○ · Importance: ●●●○○
#
# Simulation asks the scorer for a predicted activation on every token and compares the predictions with the true
# activations by their **Pearson correlation**. A constant prediction (or a latent that is constant on the windows)
# carries no information: score it 0.0 rather than NaN.

# %% solution id=ex10_simulation
def simulation_score(predicted: list[float], actual: list[float]) -> float:
    """Pearson correlation of two equal-length lists of numbers, 0.0 when either is constant; a Python float."""
    ### BEGIN SOLUTION
    p = torch.tensor(predicted, dtype=torch.float64)
    a = torch.tensor(actual, dtype=torch.float64)
    p, a = p - p.mean(), a - a.mean()
    den = (p.norm() * a.norm()).item()
    return float((p @ a).item() / den) if den > 1e-12 else 0.0
    ### END SOLUTION

# %% visible id=ex10_simulation_visible
checks.assert_scalar_close(simulation_score([0, 10, 0, 10], [0.1, 2.0, 0.0, 3.0]), 0.9604, "a good simulation", atol=1e-3)
checks.assert_scalar_close(simulation_score([0, 0, 0], [1.0, 2.0, 0.0]), 0.0, "a constant prediction")

# %% graded id=ex10_simulation_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
_asc, _plain = _chk.assert_scalar_close, _chk.plain


def _t():
    def corr_ref(x, y):
        xs = torch.tensor(x, dtype=torch.float64)
        ys = torch.tensor(y, dtype=torch.float64)
        c = torch.stack([xs, ys])
        if xs.std() == 0 or ys.std() == 0:
            return 0.0
        return torch.corrcoef(c)[0, 1].item()

    g = torch.Generator().manual_seed(48)
    for n in (10, 57, 200):
        act = (torch.relu(torch.randn(n, generator=g)) * 3 + 0.5).tolist()
        pred = [round(max(0.0, a * 2 + torch.randn(1, generator=g).item() * 2 + 1)) for a in act]
        _asc(_plain(simulation_score(list(pred), list(act)), "simulation_score's output"), corr_ref(pred, act),
             f"correlation of {n} predictions with shifted activations", atol=1e-6)
    _asc(_plain(simulation_score([5.0] * 9, list(range(9))), "simulation_score's output"), 0.0, "a constant prediction", atol=1e-9)
    _asc(_plain(simulation_score(list(range(9)), [2.0] * 9), "simulation_score's output"), 0.0, "a latent constant on the windows", atol=1e-9)


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4.11 — scoring an explanation
# > Difficulty: ●●○○○ · Importance: ●●●●○
#
# Put the two together on held-out windows (`examples_of(...)["positives"]` and `["negatives"]`, never the windows
# the explainer saw):
#
# * **detection**: ask `backend.detect(explanation, contexts)` about the positive windows followed by the negative
#   ones; the truth is `True` for each positive and `False` for each negative;
# * **simulation**: `backend.simulate(explanation, str_tokens)` for every window (positives, then negatives); the
#   score is the correlation over **all tokens of all windows at once** (a window where the latent is silent is
#   exactly where a good explanation must predict nothing).
#
# Return `{"detection": ..., "simulation": ...}`.

# %% solution id=ex11_score
def score_explanation(backend, explanation: str, positives: list, negatives: list) -> dict:
    """positives, negatives: lists of (str_tokens, activations). Returns {"detection": float, "simulation": float}."""
    ### BEGIN SOLUTION
    windows = list(positives) + list(negatives)
    said = backend.detect(explanation, [toks for toks, _ in windows])
    detection = detection_score(said, [True] * len(positives) + [False] * len(negatives))
    guessed, actual = [], []
    for toks, acts in windows:
        guessed += list(backend.simulate(explanation, toks))
        actual += list(acts)
    return {"detection": detection, "simulation": simulation_score(guessed, actual)}
    ### END SOLUTION

# %% visible id=ex11_score_visible
_s = score_explanation(OfflineBackend(), EXPLANATION, EX["positives"], EX["negatives"])
checks.assert_true(isinstance(_s, dict) and set(_s) == {"detection", "simulation"}, 'return {"detection": ..., "simulation": ...}')
_cats = [c for c in CATEGORY_NAMES if c != "function"]
_dominant = CATEGORY_NAMES[int(category_profile(PROFILES[WIDTHS[0]])[LATENT].argmax())]
_wrong = next(c for c in _cats if c != _dominant)
CANDIDATES = {
    "the backend's explanation": EXPLANATION,
    "a wrong category": f"Fires on {_wrong} words.",
    "vague": "Fires on various words in short stories.",
    "everything": "Fires on every word.",
}
SCORES = {k: score_explanation(BACKEND, v, EX["positives"], EX["negatives"]) for k, v in CANDIDATES.items()}
for _k, _v in SCORES.items():
    print(f"{_k:28s} detection {_v['detection']:.2f}  simulation {_v['simulation']:+.2f}   ({CANDIDATES[_k]!r})")

# %% graded id=ex11_score_test points=3
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
_asc, _at, _plain = _chk.assert_scalar_close, _chk.assert_true, _chk.plain
_dict_items, _isinstance, _dict = dict.items, isinstance, dict


def _t():
    import zlib

    class Hashy:
        """A scorer whose answers are arbitrary but fixed functions of its input (a hash), whatever the call order."""
        name = "hash"

        def __init__(self, salt):
            self.salt = salt

        def detect(self, explanation, contexts):
            return [zlib.crc32((self.salt + "|".join(c)).encode()) % 2 == 0 for c in contexts]

        def simulate(self, explanation, context):
            return [float(zlib.crc32(f"{self.salt}{k}{w}".encode()) % 11) for k, w in enumerate(context)]

    def bal(p, t):
        tp = sum(1 for a, b in zip(p, t) if a and b) / max(1, sum(t))
        tn = sum(1 for a, b in zip(p, t) if not a and not b) / max(1, len(t) - sum(t))
        return (tp + tn) / 2

    def corr(x, y):
        m = torch.corrcoef(torch.tensor([x, y], dtype=torch.float64))[0, 1].item()
        return 0.0 if m != m else m

    def ref(bk, expl, pos, neg):
        allw = pos + neg
        labels = [True] * len(pos) + [False] * len(neg)
        det = bal(bk.detect(expl, [w for w, _ in allw]), labels)
        sim_p, sim_a = [], []
        for w, v in allw:
            sim_p.extend(bk.simulate(expl, w))
            sim_a.extend(v)
        return det, corr(sim_p, sim_a)

    rate = FLAT_ACTS[WIDTHS[-1]].gt(0).float().mean(0)
    ex = examples_of(WIDTHS[-1], int((rate - 0.05).abs().argmin()), seed=3)
    pos, neg = ex["positives"], ex["negatives"]
    _at(len(pos) > 0 and len(neg) > 0, "(the test needs positive and negative windows)")
    for bk_ref, bk_student, expl in [(Hashy("a"), Hashy("a"), "anything"), (OfflineBackend(), OfflineBackend(), EXPLANATION),
                                     (OfflineBackend(), OfflineBackend(), "Fires on names and on 'the'.")]:
        want = ref(bk_ref, expl, [(list(a), list(b)) for a, b in pos], [(list(a), list(b)) for a, b in neg])
        got = score_explanation(bk_student, expl, [(list(a), list(b)) for a, b in pos], [(list(a), list(b)) for a, b in neg])
        _at(_isinstance(got, _dict), "score_explanation should return a dict")
        got = {_plain(k, "a key"): _plain(v, "a score") for k, v in _dict_items(got)}
        _at(set(got) == {"detection", "simulation"}, 'score_explanation should return {"detection": ..., "simulation": ...}')
        _asc(got["detection"], want[0], f"detection score with the {bk_ref.name} backend", atol=1e-6)
        _asc(got["simulation"], want[1], f"simulation score with the {bk_ref.name} backend", atol=1e-6)


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# The offline backend reads explanations literally: a category name covers that category's words, a quoted word
# covers itself, nothing else counts. The vague sentence predicts nothing and the all-covering one predicts
# everything: both score 0.5 on detection and about 0 on simulation. Look at the wrong category too: its
# *detection* score can be well above chance when that category merely co-occurs with what the latent fires on
# (names sit next to "gave" in every IOI sentence), but its *simulation* score is not, because it predicts the
# wrong tokens within each window. That is why both scores exist: detection asks "which texts", simulation
# "which tokens, and how strongly".
#
# ## Part 4 — Meta-SAEs
#
# A wide SAE's decoder directions are data: a few thousand vectors in `d_model` dimensions. Many of them share
# parts (several name latents share a "this is a name" direction, say). An SAE trained on the **unit-normalised
# decoder directions** of the widest SAE learns those parts as *meta-latents*: each latent's direction is
# reconstructed as a sparse sum of a few meta-latent directions.
#
# `MetaSAE` (below, given) is the plain ReLU SAE of section 0: `encode(x) = relu((x - b_dec) W_enc + b_enc)`,
# `decode(z) = z W_dec + b_dec`, initialised from a seed.

# %% visible id=meta_setup
class MetaSAE(nn.Module):
    def __init__(self, d_in: int, d_meta: int, seed: int = 0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        w = torch.randn(d_meta, d_in, generator=g)
        w = w / w.norm(dim=1, keepdim=True)
        self.W_dec = nn.Parameter(w.clone())
        self.W_enc = nn.Parameter(w.T.clone())
        self.b_enc = nn.Parameter(torch.zeros(d_meta))
        self.b_dec = nn.Parameter(torch.zeros(d_in))

    def encode(self, x: Tensor) -> Tensor:
        return torch.relu((x - self.b_dec) @ self.W_enc + self.b_enc)

    def decode(self, z: Tensor) -> Tensor:
        return z @ self.W_dec + self.b_dec

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))


def explained_variance(x: Tensor, x_hat: Tensor) -> float:
    return float(1 - (x - x_hat).pow(2).sum() / (x - x.mean(0)).pow(2).sum())


# Tuned on the zoo's family (ci: 768 directions of the width-768 SAE, 128-dim): with 64 meta-latents and weight 0.02
# every meta-latent was active on about 520 of the 768 directions (43 per direction) and grouped them no better than
# chance; 256 meta-latents at weight 0.3 use about 5 per direction and keep about 80% of the variance.
D_META = 256
META_STEPS = sized(full=1500, ci=600)
META_L1 = 0.3

# %% [markdown]
# ### Exercise 4.12 — training a meta-SAE
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# Write `train_meta_sae`: normalise each direction (row) to unit length, build `MetaSAE(d_in, d_meta, seed)`, and
# train it full-batch with Adam (`lr`) for `steps` steps on the loss
#
# $$\frac{1}{n}\sum_i \Big( \lVert \hat x_i - x_i \rVert^2 + \lambda \sum_k z_{ik} \, \lVert W_{\text{dec},k} \rVert \Big)$$
#
# (the sparsity penalty weighted by each meta-latent's decoder norm, so that it cannot be dodged by shrinking the
# encoder and growing the decoder). Show a tqdm bar over the steps.

# %% solution id=ex12_meta_train
def train_meta_sae(directions: Tensor, d_meta: int, l1_coeff: float, steps: int, lr: float = 3e-3, seed: int = 0) -> MetaSAE:
    """directions: [n, d_in] (any norms). Returns the trained MetaSAE."""
    ### BEGIN SOLUTION
    x = directions / directions.norm(dim=-1, keepdim=True)
    meta = MetaSAE(x.shape[1], d_meta, seed)
    opt = torch.optim.Adam(meta.parameters(), lr=lr)
    for _ in tqdm(range(steps), desc="meta-SAE"):
        z = meta.encode(x)
        recon = (meta.decode(z) - x).pow(2).sum(-1).mean()
        sparsity = (z * meta.W_dec.norm(dim=-1)).sum(-1).mean()
        loss = recon + l1_coeff * sparsity
        opt.zero_grad()
        loss.backward()
        opt.step()
    return meta
    ### END SOLUTION

# %% visible id=ex12_meta_train_visible
WIDE = DECODERS[-1] / DECODERS[-1].norm(dim=-1, keepdim=True)
META = train_meta_sae(DECODERS[-1], D_META, META_L1, META_STEPS)
checks.assert_true(isinstance(META, MetaSAE), "train_meta_sae should return a MetaSAE")
with torch.no_grad():
    META_ACTS = META.encode(WIDE)
    META_EV = explained_variance(WIDE, META.decode(META_ACTS))
META_L0 = (META_ACTS > 0).float().sum(1).mean().item()
_members = (META_ACTS > 0).sum(0)
print(f"meta-SAE: {D_META} meta-latents for {WIDE.shape[0]} directions, explained variance {META_EV:.2f}, "
      f"{META_L0:.1f} meta-latents per direction (L0); {(_members > 0).sum().item()} meta-latents in use, "
      f"median {_members[_members > 0].float().median():.0f} member directions each")
checks.assert_true(META_EV > 0.3, "the meta-SAE reconstructs less than 30% of the variance: is it training?")

# %% graded id=ex12_meta_train_test points=3
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
_at, _plain = _chk.assert_true, _chk.plain
_isinstance = isinstance


def _t():
    def fit_ref(rows, width, lam, n_steps, rate, sd):
        u = rows / rows.norm(dim=1, keepdim=True)
        net = MetaSAE(u.shape[1], width, sd)
        adam = torch.optim.Adam(list(net.parameters()), lr=rate)
        for _ in range(n_steps):
            code = net.encode(u)
            err = ((net.decode(code) - u) ** 2).sum(1).mean()
            pen = (code * net.W_dec.norm(dim=1)[None, :]).sum(1).mean()
            adam.zero_grad()
            (err + lam * pen).backward()
            adam.step()
        return net

    def measure(net, rows):
        u = rows / rows.norm(dim=1, keepdim=True)
        ps = [_plain(p) for p in (net.W_enc, net.b_enc, net.W_dec, net.b_dec)]
        with torch.no_grad():
            code = torch.relu((u - ps[3]) @ ps[0] + ps[1])
            rec = code @ ps[2] + ps[3]
        ev = 1 - ((u - rec) ** 2).sum() / ((u - u.mean(0)) ** 2).sum()
        return ev.item(), (code > 0).float().sum(1).mean().item()

    g = torch.Generator().manual_seed(49)
    rows = DECODERS[-1][torch.randperm(DECODERS[-1].shape[0], generator=g)[:256]].clone()
    rows = rows * torch.rand(rows.shape[0], 1, generator=g).mul(3).add(0.2)
    n_steps = 300
    ev_want, l0_want = measure(fit_ref(rows.clone(), 24, 0.1, n_steps, 3e-3, 4), rows)
    with torch.set_grad_enabled(True):
        net = train_meta_sae(rows.clone(), 24, 0.1, n_steps, lr=3e-3, seed=4)
    _at(_isinstance(net, MetaSAE), "train_meta_sae should return a MetaSAE")
    ev_got, l0_got = measure(net, rows)
    _at(ev_got >= ev_want - 0.05, "the meta-SAE reconstructs the unit-normalised directions much worse than it should")
    _at(l0_got <= 1.3 * l0_want + 0.5, "the meta-SAE uses many more meta-latents per direction than it should (sparsity penalty?)")
    _at(ev_got <= ev_want + 0.05 and l0_got >= 0.7 * l0_want - 0.5,
        "the meta-SAE is not trained as specified (it trades sparsity for reconstruction differently)")


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4.13 — do siblings share meta-latents?
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# If splitting carves one narrow latent into several children, the children should still have something in
# common, and a meta-SAE may find it. Measure it: describe each wide latent by the **set** of meta-latents active
# on its direction (`meta_acts > 0`), and compare two latents by the Jaccard similarity of their sets
# ($|A \cap B| / |A \cup B|$, 0 when both are empty).
#
# Write `meta_overlap`: the mean Jaccard similarity over all pairs $i < j$ of wide latents with **the same parent**
# (siblings), and over all pairs $i < j$ with **different parents**. Orphans (parent -1) take part in neither.

# %% solution id=ex13_meta_overlap
def meta_overlap(meta_acts: Tensor, parent: Tensor) -> tuple[float, float]:
    """meta_acts: [n_wide, d_meta]; parent: [n_wide] long (-1 = orphan). Returns (siblings, others) as floats."""
    ### BEGIN SOLUTION
    on = (meta_acts > 0).float()
    inter = on @ on.T
    size = on.sum(1)
    union = size[:, None] + size[None, :] - inter
    jac = torch.where(union > 0, inter / union.clamp_min(1), torch.zeros_like(inter))
    ok = parent >= 0
    upper = torch.triu(torch.ones_like(jac, dtype=torch.bool), diagonal=1) & ok[:, None] & ok[None, :]
    same = parent[:, None] == parent[None, :]
    return float(jac[upper & same].mean()), float(jac[upper & ~same].mean())
    ### END SOLUTION

# %% visible id=ex13_meta_overlap_visible
_sib, _oth = meta_overlap(torch.tensor([[1.0, 0.0], [2.0, 1.0], [0.0, 1.0], [1.0, 0.0]]), torch.tensor([0, 0, 1, -1]))
checks.assert_scalar_close(_sib, 0.5, "one sibling pair sharing one of two meta-latents")
checks.assert_scalar_close(_oth, 0.25, "pairs with different parents: 0.0 and 0.5")
META_PARENT = TREE[-1]
SIBLINGS, OTHERS = meta_overlap(META_ACTS, META_PARENT)
print(f"Jaccard overlap of active meta-latents: siblings {SIBLINGS:.3f}, latents with different parents {OTHERS:.3f}")

# %% graded id=ex13_meta_overlap_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
_asc, _at, _plain = _chk.assert_scalar_close, _chk.assert_true, _chk.plain


def _t():
    def overlap_ref(acts, par):
        n = acts.shape[0]
        sets = [set((acts[i] > 0).nonzero().flatten().tolist()) for i in range(n)]
        sib, oth = [], []
        for i in range(n):
            for j in range(i + 1, n):
                if par[i] < 0 or par[j] < 0:
                    continue
                u = len(sets[i] | sets[j])
                val = len(sets[i] & sets[j]) / u if u else 0.0
                (sib if par[i] == par[j] else oth).append(val)
        return sum(sib) / len(sib), sum(oth) / len(oth)

    g = torch.Generator().manual_seed(50)
    for n, m, k in [(30, 8, 6), (60, 12, 10)]:
        acts = torch.relu(torch.randn(n, m, generator=g) - 0.7)
        acts[3] = 0.0
        acts[4] = 0.0
        par = torch.randint(-1, k, (n,), generator=g)
        par[3], par[4] = 1, 1
        want = overlap_ref(acts, par.tolist())
        got = _plain(meta_overlap(acts.clone(), par.clone()), "meta_overlap's output")
        _at(isinstance(got, tuple) and len(got) == 2, "meta_overlap should return (siblings, others)")
        _asc(got[0], want[0], f"siblings' overlap ({n} latents, some orphans, two empty sets)", atol=1e-6)
        _asc(got[1], want[1], f"others' overlap ({n} latents, some orphans, two empty sets)", atol=1e-6)


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4.14 — checkpoint: what does a meta-latent group? (a graded prediction)
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# Predict, before looking at the measurement below:
#
# * `"siblings"`: do siblings share `"more"` or `"fewer"` meta-latents than latents with different parents (the
#   two numbers of 4.13)?
# * `"category"`: are the members of a meta-latent (the wide latents on whose direction it is active) `"more"` or
#   `"less"` often of one word category than chance? Measured as the purity of the meta-latents' member sets (the
#   mean, over meta-latents with at least two members, of the share of members in their most common dominant
#   category) against the same with the categories shuffled among the latents (mean of 20 seeded shuffles).

# %% visible id=meta_category_helper
def meta_category_purity(meta_acts: Tensor, categories: Tensor, n_shuffles: int = 20) -> tuple[float, list[float]]:
    """Purity of the meta-latents' member sets by dominant category, and the same for n_shuffles seeded shuffles."""
    on = meta_acts > 0
    def purity(cats):
        vals = [torch.bincount(cats[on[:, k]]).max().item() / on[:, k].sum().item()
                for k in range(on.shape[1]) if on[:, k].sum() >= 2]
        return sum(vals) / max(1, len(vals))
    g = torch.Generator().manual_seed(0)
    return purity(categories), [purity(categories[torch.randperm(len(categories), generator=g)]) for _ in range(n_shuffles)]


def meta_category_ratio(meta_acts: Tensor, categories: Tensor, n_shuffles: int = 20) -> float:
    """Purity of the meta-latents' member sets by dominant category, over the same with categories shuffled."""
    real, shuffled = meta_category_purity(meta_acts, categories, n_shuffles)
    return real / max(1e-9, sum(shuffled) / n_shuffles)

# %% solution id=ex14_meta_predict
def meta_prediction() -> dict:
    """{"siblings": "more" | "fewer", "category": "more" | "less"}."""
    ### BEGIN SOLUTION
    # Measured, so that the key holds for whichever model is loaded; a student writes the dict by hand.
    ratio = SIBLINGS / max(OTHERS, 1e-9)
    cat_ratio = meta_category_ratio(META_ACTS, category_profile(PROFILES[WIDTHS[-1]]).argmax(1))
    return {"siblings": "more" if ratio > 1 else "fewer", "category": "more" if cat_ratio > 1 else "less"}
    ### END SOLUTION

# %% visible id=ex14_meta_predict_visible
META_PREDICTION = meta_prediction()
checks.assert_true(isinstance(META_PREDICTION, dict) and set(META_PREDICTION) == {"siblings", "category"},
                   'meta_prediction() should return {"siblings": ..., "category": ...}')
_pur, _shuf = meta_category_purity(META_ACTS, category_profile(PROFILES[WIDTHS[-1]]).argmax(1))
print(f"siblings / others: {SIBLINGS / max(OTHERS, 1e-9):.2f}; meta-latent category purity {_pur:.3f}, shuffled "
      f"{np.mean(_shuf):.3f} (highest of {len(_shuf)} shuffles {max(_shuf):.3f}), ratio {_pur / np.mean(_shuf):.2f}"
      f"   (you predicted {META_PREDICTION})")
_sizes = (META_ACTS > 0).sum(0)
for _k in _sizes.argsort(descending=True)[:5].tolist():
    _members = (META_ACTS[:, _k] > 0).nonzero().flatten()
    _cats = torch.bincount(category_profile(PROFILES[WIDTHS[-1]]).argmax(1)[_members], minlength=len(CATEGORY_NAMES))
    print(f"meta-latent {_k:3d}: {len(_members):4d} members, most common categories "
          + ", ".join(f"{CATEGORY_NAMES[c]} {n}" for n, c in zip(*_cats.topk(3)) if n > 0))

# %% graded id=ex14_meta_predict_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
_at, _plain = _chk.assert_true, _chk.plain
_dict_items, _isinstance, _dict = dict.items, isinstance, dict


def _t():
    on = META_ACTS.clone() > 0
    par = META_PARENT.clone()
    n = on.shape[0]
    fo = on.float()
    both = fo @ fo.T
    either = fo.sum(1)[:, None] + fo.sum(1)[None, :] - both
    jac = both / either.where(either > 0, torch.ones_like(either))
    pair = torch.ones(n, n).triu(1).bool() & (par >= 0)[:, None] & (par >= 0)[None, :]
    kin = par[:, None] == par[None, :]
    r_sib = jac[pair & kin].mean().item() / max(jac[pair & ~kin].mean().item(), 1e-9)
    prof = torch.zeros(WIDTHS[-1], len(VOCAB_IDS)).index_add_(1, FLAT_INDEX, FLAT_ACTS[WIDTHS[-1]].T)
    cats = torch.zeros(WIDTHS[-1], len(CATEGORY_NAMES)).index_add_(1, VOCAB_CATEGORY, prof).argmax(1)

    def set_purity(c):
        out = []
        for k in range(on.shape[1]):
            mem = on[:, k]
            if int(mem.sum()) >= 2:
                out.append(torch.bincount(c[mem]).max().item() / int(mem.sum()))
        return sum(out) / max(1, len(out))
    shuffler = torch.Generator().manual_seed(0)
    base = sum(set_purity(cats[torch.randperm(n, generator=shuffler)]) for _ in range(20)) / 20
    r_cat = set_purity(cats) / max(base, 1e-9)
    # a ratio that cannot be measured (nan: no sibling pairs) reads as "not more", as in the solution
    truth = {"siblings": "more" if r_sib > 1 else "fewer", "category": "more" if r_cat > 1 else "less"}
    got = meta_prediction()
    _at(_isinstance(got, _dict), "meta_prediction() should return a dict")
    got = {_plain(k, "a key"): _plain(v, "a prediction") for k, v in _dict_items(got)}
    _at(set(got) == {"siblings", "category"}, 'meta_prediction() needs the keys "siblings" and "category"')
    wrong = sorted(k for k in truth if got[k] != truth[k])
    _at(not wrong, f"these predictions do not match the measurement on the loaded SAEs: {wrong}")


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# **What we measured** (zoo, ci profile: the width-768 SAE's 768 directions, 256 meta-latents, weight 0.3, 600
# steps; zoo v2). The meta-SAE keeps about 79% of the variance with about 6 meta-latents per direction (L0 5.7), and a
# meta-latent in use has a median of 16 member directions. Siblings share far more meta-latents than other pairs
# (Jaccard about 0.30 against 0.01). The meta-latents' member sets are purer in word category than chance (purity
# about 0.61 against 0.53 with the categories shuffled, ratio about 1.15, above every shuffle), but far from pure:
# a meta-latent is a shared *part* of directions (a position, a syntactic role) more often than a topic. With a weak
# penalty (64 meta-latents at weight 0.02; measured on the first zoo) every meta-latent was active on about 520 of the 768 directions and the
# purity was at chance: a dense meta-SAE says nothing about which latents belong together.
#
# ## Part 5 — Patch scoping
#
# Reading a latent through its top examples (Part 3) needs examples. **Patch scoping** asks the model itself: take a
# prompt that makes the model *say what something is*, put the latent's decoder direction where the "something" would
# be, and read the next-token distribution. The zoo's corpus has definition sentences ("banana is a kind of fruit",
# "Mary said, Friday is a kind of day") over eight categories, so the prompt
#
# > Mary said, **it** is a kind of
#
# asks for a category, and the answer is one of `animal`, `fruit`, `colour`, `day`, `month`, `number`, `place`,
# `name`. The placeholder `it` is an ordinary word, so the model's first layer writes its usual position and
# previous-word information there; we **add** the latent's direction to the placeholder's residual at the width
# family's site, we do not replace it. (Replacing the whole residual throws that information away, and the later
# layer can then no longer find the placeholder: on this model it does not work at all.)
#
# How much to add is the hard part. Too little and the model answers as for `it`; too much and the patched position
# stops looking like any word the model has seen, its attention stops reading it, and the answer falls back to a
# default. We sweep the scale $s$, in units of a typical residual norm at the site (`RESID_NORM`), and need a rule
# that picks $s$ **without knowing the answer**. The rule used here is **self-similarity**: one layer later, at the
# placeholder's position, how much does the residual still point along the direction we added (the cosine of the two)?
# At $s = 0$ it is whatever `it` happens to share with the direction; as $s$ grows the added direction takes over the
# position. We take the smallest scale at which the direction is a noticeable part of what the position holds one
# layer on: the first $s$ whose self-similarity reaches `SELF_SIM_TARGET` (0.25: a quarter of the way from
# orthogonal to parallel). The target is a choice made once, for every latent, without looking at any answer; whether
# it lands where the answers are best is something you measure below.
#
# The latents we scope are the ones whose meaning the corpus defines: latents of the narrowest SAE that spend most
# (`KIND_MIN_SHARE`) of their activation on the members of one category. For each we know the right answer.

# %% visible id=patch_setup
PATCH_PROMPT = "Mary said, it is a kind of"
PATCH_TOKENS = model.to_tokens(PATCH_PROMPT)  # [1, seq], BOS first
PATCH_POS = [s.strip() for s in model.to_str_tokens(PATCH_PROMPT)].index("it")
LAST_HOOK = f"blocks.{model.cfg.n_layers - 1}.hook_resid_post"  # the residual stream after the last layer
RESID_NORM = RESID.reshape(-1, RESID.shape[-1])[WORDS].norm(dim=-1).median().item()
SCALES = [0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0]
SELF_SIM_TARGET = 0.25
KIND_MIN_SHARE = 0.6


def word_id(word: str) -> int | None:
    """The token id of a corpus word as it appears inside a sentence (GPT-2: with its leading space), or None when
    the word is not one token."""
    ids = model.to_tokens((" " if TOKENS_CARRY_SPACES else "") + word, prepend_bos=False)[0]
    return int(ids[0]) if len(ids) == 1 else None


KIND_NAMES = [k for k in corpus.KINDS if word_id(k) is not None]
KIND_IDS = torch.tensor([word_id(k) for k in KIND_NAMES], device=device)  # the answer tokens, one per category
# For every entry of the local vocabulary, the category whose member it is (-1: none).
_member = {w: i for i, k in enumerate(KIND_NAMES) for w in corpus.KINDS[k]}
VOCAB_KIND = torch.tensor([_member.get(s.strip(), -1) for s in VOCAB_STR], device=device)


def kind_share(profile: Tensor) -> Tensor:
    """[d_sae, n_vocab] token profile -> [d_sae, n_kinds]: the share of activation on each category's members."""
    onehot = torch.zeros(len(VOCAB_STR), len(KIND_NAMES), dtype=profile.dtype, device=profile.device)
    known = VOCAB_KIND >= 0
    onehot[known.nonzero().flatten(), VOCAB_KIND[known]] = 1.0
    return profile @ onehot


def kind_latents(width: int, min_share: float = KIND_MIN_SHARE, at_least: int = 4) -> tuple[Tensor, Tensor]:
    """Latents of one SAE that spend at least min_share of their activation on one category's members, and that
    category. (If fewer than at_least qualify, as with random SAEs, the at_least latents with the largest share.)"""
    best, kind = kind_share(PROFILES[width]).max(dim=1)
    fires = (FLAT_ACTS[width] > 0).float().mean(0) >= 1e-3
    chosen = ((best >= min_share) & fires).nonzero().flatten()
    if len(chosen) < at_least:
        chosen = (best * fires).topk(at_least).indices.sort().values
    return chosen, kind[chosen]


SCOPE_LATENTS, SCOPE_KIND = kind_latents(WIDTHS[0])
SCOPE_DIRS = DECODERS[0][SCOPE_LATENTS]
print(f"patch position {PATCH_POS} ({model.to_str_tokens(PATCH_PROMPT)[PATCH_POS]!r}), typical residual norm "
      f"{RESID_NORM:.2f}; {len(SCOPE_LATENTS)} latents of the width-{WIDTHS[0]} SAE belong to one category: "
      + ", ".join(f"{KIND_NAMES[k]} {n}" for k, n in enumerate(torch.bincount(SCOPE_KIND, minlength=len(KIND_NAMES)).tolist())))
with torch.no_grad():
    _base = model(PATCH_TOKENS)[0, -1].softmax(-1)[KIND_IDS]
print("unpatched prompt, probability of each category word: "
      + ", ".join(f"{k} {p:.2f}" for k, p in zip(KIND_NAMES, _base.tolist())))

# %% [markdown]
# ### Exercise 4.15 — patching a direction into the prompt
# > Difficulty: ●●●○○ · Importance: ●●●●○
#
# Write `patch_scope(direction, scales)`. For every scale $s$ in `scales`, run `PATCH_TOKENS` through the model with
# $s \cdot$ `RESID_NORM` $\cdot \hat d$ **added** to the residual at `HOOK` at position `PATCH_POS` ($\hat d$ the
# direction scaled to unit length), all scales in one batch. Return
#
# * `probs` `[n_scales, d_vocab]`: the next-token probabilities at the **last** position;
# * `self_sim` `[n_scales]`: the cosine similarity between the residual at `LAST_HOOK` at position `PATCH_POS` and
#   $\hat d$.
#
# Use `model.run_with_hooks(tokens, fwd_hooks=[(HOOK, add_fn), (LAST_HOOK, keep_fn)])` (a hook function receives
# `(activation, hook)` and may return a changed activation), under `torch.no_grad()`.

# %% solution id=ex15_patch_scope
def patch_scope(direction: Tensor, scales: list[float]) -> tuple[Tensor, Tensor]:
    """direction: [d_model] (any norm). Returns (probs [n_scales, d_vocab], self_sim [n_scales])."""
    ### BEGIN SOLUTION
    unit = direction.float() / direction.float().norm().clamp_min(1e-12)
    added = torch.tensor(scales, dtype=unit.dtype, device=unit.device)[:, None] * RESID_NORM * unit  # [n_scales, d_model]
    kept = {}

    def add_fn(act, hook):
        act = act.clone()
        act[:, PATCH_POS] += added.to(act.dtype)
        return act

    def keep_fn(act, hook):
        kept["resid"] = act[:, PATCH_POS].float()

    with torch.no_grad():
        logits = model.run_with_hooks(PATCH_TOKENS.expand(len(scales), -1), fwd_hooks=[(HOOK, add_fn), (LAST_HOOK, keep_fn)])
    probs = logits[:, -1].float().softmax(dim=-1)
    self_sim = torch.nn.functional.cosine_similarity(kept["resid"], unit[None, :], dim=-1)
    return probs, self_sim
    ### END SOLUTION

# %% visible id=ex15_patch_scope_visible
_probs, _sim = patch_scope(SCOPE_DIRS[0], SCALES)
checks.assert_shape(_probs, (len(SCALES), model.cfg.d_vocab), "probs: one next-token distribution per scale")
checks.assert_shape(_sim, (len(SCALES),), "self_sim: one cosine per scale")
checks.assert_close(_probs.sum(-1), torch.ones(len(SCALES)), "each row of probs is a distribution", atol=1e-4)
with torch.no_grad():
    _plain_run = model(PATCH_TOKENS)[0, -1].softmax(-1)
checks.assert_close(_probs[0], _plain_run, "scale 0 changes nothing", atol=1e-4)
print(f"latent {int(SCOPE_LATENTS[0])} ({KIND_NAMES[int(SCOPE_KIND[0])]}): "
      + "  ".join(f"s={s}: {KIND_NAMES[int(p[KIND_IDS].argmax())]} ({p[KIND_IDS].max():.2f}), sim {c:.2f}"
                  for s, p, c in zip(SCALES, _probs, _sim)))

# %% graded id=ex15_patch_scope_test points=3
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
_ac, _at, _ash, _plain = _chk.assert_close, _chk.assert_true, _chk.assert_shape, _chk.plain
_teq = torch.equal


def _t():
    def scope_ref(vec, amounts):
        u = vec.float() / vec.float().norm()
        extra = torch.tensor(amounts, dtype=torch.float32)[:, None] * (RESID_NORM * u)[None, :]
        seen = []

        def put(x, hook):
            y = x.clone()
            y[:, PATCH_POS] = y[:, PATCH_POS] + extra.to(y.dtype)
            return y

        def grab(x, hook):
            seen.append(x[:, PATCH_POS].float().clone())

        with torch.no_grad():
            out = model.run_with_hooks(PATCH_TOKENS.repeat(len(amounts), 1), fwd_hooks=[(HOOK, put), (LAST_HOOK, grab)])
        pr = torch.softmax(out[:, -1].float(), dim=1)
        r = seen[0]
        return pr, (r @ u) / r.norm(dim=1)

    g = torch.Generator().manual_seed(51)
    d = DECODERS[0].shape[1]
    cases = [(torch.randn(d, generator=g) * 3.7, [0.0, 0.4, 1.3]),
             (DECODERS[0][int(SCOPE_LATENTS[-1])].clone() * 0.3, [2.5, 0.25]),
             (DECODERS[-1][int(torch.randint(0, DECODERS[-1].shape[0], (1,), generator=g))].clone() * 5.0, [0.7])]
    for vec, amounts in cases:
        want_p, want_s = scope_ref(vec.clone(), list(amounts))
        vec_in = vec.clone()
        got = _plain(patch_scope(vec_in, list(amounts)), "patch_scope's output")
        _at(isinstance(got, tuple) and len(got) == 2, "patch_scope should return a pair (probs, self_sim)")
        gp, gs = got
        _ash(gp, tuple(want_p.shape), "probs: [n_scales, d_vocab]")
        _ash(gs, tuple(want_s.shape), "self_sim: [n_scales]")
        _ac(gp.float(), want_p, f"next-token probabilities at the last position (scales {amounts}, a direction of norm {vec.norm():.1f})", atol=2e-4, rtol=1e-3)
        _ac(gs.float(), want_s, f"self-similarity at the patched position after the last layer (scales {amounts})", atol=2e-4, rtol=1e-3)
        _at(_teq(vec_in, vec), "patch_scope must not change the direction it is given")


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4.16 — picking the scale, reading the answer
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# Write `scope_latent(direction, scales)`: run `patch_scope`, pick the scale by self-similarity (the **smallest**
# scale whose self-similarity is at least `SELF_SIM_TARGET`; the largest scale when none reaches it; do not assume
# that `scales` is sorted), and
# read the model's answer there: the category in `KIND_NAMES` whose word (`KIND_IDS`) gets the most probability.
# Return `(scale, kind)`: the picked scale (a float from `scales`) and the index of the answer in `KIND_NAMES`.

# %% solution id=ex16_scope_latent
def scope_latent(direction: Tensor, scales: list[float]) -> tuple[float, int]:
    """Patch scoping of one direction with the scale picked by self-similarity. Returns (scale, kind index)."""
    ### BEGIN SOLUTION
    probs, self_sim = patch_scope(direction, scales)
    order = sorted(range(len(scales)), key=lambda j: scales[j])
    reached = [j for j in order if self_sim[j] >= SELF_SIM_TARGET]
    i = reached[0] if reached else order[-1]
    return float(scales[i]), int(probs[i, KIND_IDS].argmax())
    ### END SOLUTION

# %% visible id=ex16_scope_latent_visible
_s, _k = scope_latent(SCOPE_DIRS[0], SCALES)
checks.assert_true(_s in SCALES, "the picked scale is one of the scales given")
checks.assert_true(0 <= _k < len(KIND_NAMES), "the answer is an index into KIND_NAMES")
# Every scoped latent at every scale (one batch of scales per latent), and with the picked scale.
_runs = [patch_scope(d, SCALES) for d in tqdm(SCOPE_DIRS, desc="patch scoping")]
SCOPE_KIND_PROBS = torch.stack([p[:, KIND_IDS] for p, _ in _runs])  # [n_latents, n_scales, n_kinds]
SCOPE_SIM = torch.stack([s for _, s in _runs])  # [n_latents, n_scales]
SCOPE_ANSWER = SCOPE_KIND_PROBS.argmax(-1)  # [n_latents, n_scales]: the category the model names
SCOPE_ACC = (SCOPE_ANSWER == SCOPE_KIND[:, None]).float().mean(0)  # [n_scales]: share of latents answered right
PICKED = [scope_latent(d, SCALES) for d in SCOPE_DIRS]
PICKED_ACC = float(np.mean([k == int(w) for (_, k), w in zip(PICKED, SCOPE_KIND)]))
fig = go.Figure([go.Scatter(x=SCALES, y=SCOPE_ACC.tolist(), mode="lines+markers", name="right category (share of latents)"),
                 go.Scatter(x=SCALES, y=SCOPE_SIM.mean(0).tolist(), mode="lines+markers", name="self-similarity (mean)")])
fig.add_hline(y=SELF_SIM_TARGET, line_dash="dot", annotation_text="SELF_SIM_TARGET")
fig.update_layout(title=f"patch scoping {len(SCOPE_LATENTS)} category latents into {PATCH_PROMPT!r}",
                  xaxis_title="scale s (x RESID_NORM)", xaxis_type="log" if SCALES[0] > 0 else "linear", yaxis_range=[0, 1.05])
fig.show()
print(f"scale picked by self-similarity: median {np.median([s for s, _ in PICKED]):.2f}; "
      f"right category with the picked scale: {PICKED_ACC:.0%} of {len(PICKED)} latents")

# %% graded id=ex16_scope_latent_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
_at, _plain = _chk.assert_true, _chk.plain


def _t():
    def pick_ref(vec, amounts):
        u = vec.float() / vec.float().norm()
        add = torch.tensor(amounts)[:, None] * RESID_NORM * u
        grabbed = {}

        def put(x, hook):
            x = x.clone()
            x[:, PATCH_POS] = x[:, PATCH_POS] + add
            return x

        def grab(x, hook):
            grabbed["r"] = x[:, PATCH_POS].float().clone()

        with torch.no_grad():
            out = model.run_with_hooks(PATCH_TOKENS.repeat(len(amounts), 1), fwd_hooks=[(HOOK, put), (LAST_HOOK, grab)])
        sims = torch.nn.functional.cosine_similarity(grabbed["r"], u[None], dim=1)
        ok = [a for a, v in zip(amounts, sims.tolist()) if v >= SELF_SIM_TARGET]
        chosen = min(ok) if ok else max(amounts)
        j = amounts.index(chosen)
        return float(chosen), int(out[j, -1][KIND_IDS].argmax())

    g = torch.Generator().manual_seed(52)
    picks = torch.randperm(len(SCOPE_LATENTS), generator=g)[:4].tolist()
    cases = [(DECODERS[0][int(SCOPE_LATENTS[i])].clone() * 2.0, [3.0, 0.3, 1.0, 0.1, 0.5]) for i in picks]
    cases.append((torch.randn(DECODERS[0].shape[1], generator=g), [0.0, 0.05]))
    cases.append((DECODERS[0][int(SCOPE_LATENTS[0])].clone(), list(SCALES)))
    for vec, amounts in cases:
        want = pick_ref(vec.clone(), amounts)
        got = _plain(scope_latent(vec.clone(), list(amounts)), "scope_latent's output")
        _at(isinstance(got, tuple) and len(got) == 2, "scope_latent should return a pair (scale, kind)")
        _at(abs(float(got[0]) - want[0]) < 1e-9, f"the picked scale is wrong for scales {amounts} (given in this order)")
        _at(int(got[1]) == want[1], f"the answer read at the picked scale is wrong (scales {amounts})")


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4.17 — checkpoint: reading the sweep (a graded prediction)
# > Difficulty: ●●○○○ · Importance: ●●●●○
#
# Read the plot above (do not compute it):
#
# * `"best_scale"`: at which scale of `SCALES` does the model name the right category for the most latents? (a
#   number from `SCALES`; if several scales tie at the top, any of them)
# * `"picked"`: does picking the scale per latent by self-similarity name the right category `"more"` or `"less"`
#   often than the best single scale does (or `"same"`, within one latent)?
#
# Write your answer as a literal dict; it is graded against the measurement on the loaded model and SAE.

# %% solution id=ex17_scope_predict
def scope_prediction() -> dict:
    """{"best_scale": a number from SCALES, "picked": "more" | "less" | "same"}."""
    ### BEGIN SOLUTION
    # Measured, so that it holds for whichever model is loaded; a student reads the plot and writes the dict by hand.
    best = float(SCALES[int(SCOPE_ACC.argmax())])
    diff = (PICKED_ACC - float(SCOPE_ACC.max())) * len(SCOPE_LATENTS)
    return {"best_scale": best, "picked": "same" if abs(diff) <= 1 + 1e-9 else ("more" if diff > 0 else "less")}
    ### END SOLUTION

# %% visible id=ex17_scope_predict_visible
SCOPE_PREDICTION = scope_prediction()
checks.assert_true(isinstance(SCOPE_PREDICTION, dict) and set(SCOPE_PREDICTION) == {"best_scale", "picked"},
                   'scope_prediction() should return {"best_scale": ..., "picked": ...}')
checks.assert_true(SCOPE_PREDICTION["best_scale"] in SCALES, '"best_scale" is one of SCALES')
checks.assert_true(SCOPE_PREDICTION["picked"] in ("more", "less", "same"), '"picked": "more", "less" or "same"')
print("right category per scale: " + ", ".join(f"{s}: {a:.0%}" for s, a in zip(SCALES, SCOPE_ACC.tolist()))
      + f"; with the self-similarity pick: {PICKED_ACC:.0%}   (you predicted {SCOPE_PREDICTION})")
_per_kind = {KIND_NAMES[k]: f"{int(((SCOPE_ANSWER[:, int(SCOPE_ACC.argmax())] == SCOPE_KIND) & (SCOPE_KIND == k)).sum())}"
             f"/{int((SCOPE_KIND == k).sum())}" for k in range(len(KIND_NAMES)) if (SCOPE_KIND == k).any()}
print(f"right at the best scale, by category: {_per_kind}")

# %% graded id=ex17_scope_predict_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
_at, _plain = _chk.assert_true, _chk.plain
_dict_items, _isinstance, _dict, _float = dict.items, isinstance, dict, float


def _t():
    n = len(SCOPE_LATENTS)
    amounts = torch.tensor(SCALES)
    rights = torch.zeros(len(SCALES))
    picked_right = 0
    for i in range(n):
        u = DECODERS[0][int(SCOPE_LATENTS[i])].float()
        u = u / u.norm()
        store = {}

        def put(x, hook):
            x = x.clone()
            x[:, PATCH_POS] = x[:, PATCH_POS] + amounts[:, None] * RESID_NORM * u
            return x

        def grab(x, hook):
            store["r"] = x[:, PATCH_POS].float().clone()

        with torch.no_grad():
            out = model.run_with_hooks(PATCH_TOKENS.repeat(len(SCALES), 1), fwd_hooks=[(HOOK, put), (LAST_HOOK, grab)])
        said = out[:, -1][:, KIND_IDS].argmax(1)
        hit = (said == int(SCOPE_KIND[i])).float()
        rights += hit
        sims = (store["r"] @ u) / store["r"].norm(dim=1)
        over = (sims >= SELF_SIM_TARGET).nonzero().flatten()
        picked_right += int(hit[int(over[0]) if len(over) else len(SCALES) - 1])
    top = rights.max().item()
    best_ok = {float(SCALES[j]) for j in range(len(SCALES)) if rights[j].item() == top}
    gap = picked_right - top
    truth_picked = "same" if abs(gap) <= 1 else ("more" if gap > 0 else "less")
    got = scope_prediction()
    _at(_isinstance(got, _dict), "scope_prediction() should return a dict")
    got = {_plain(k, "a key"): _plain(v, "a prediction") for k, v in _dict_items(got)}
    _at(set(got) == {"best_scale", "picked"}, 'scope_prediction() needs the keys "best_scale" and "picked"')
    _at(_isinstance(got["best_scale"], (int, _float)), '"best_scale" should be a number from SCALES')
    wrong = []
    if _float(got["best_scale"]) not in best_ok:
        wrong.append("best_scale")
    if got["picked"] != truth_picked:
        wrong.append("picked")
    _at(not wrong, f"these answers do not match the measurement on the loaded model: {wrong}")


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# **What we measured** (zoo v2, ci profile: the width-384 SAE, 19 latents that spend at least 60% of their activation
# on one category's members: 10 on names, 2 each on places, numbers and months, 1 each on animals, fruit and days, none
# on colours). Unpatched, the prompt names the right category for 5% of them (it has one favourite answer). Adding the
# direction raises that to 37%, 68% and 74% at scales 0.1, 0.2 and 0.3, 74% at 0.5; then it falls (68%, 63%, 63%, 42%,
# 32% at 0.75 to 3): too large a patch no longer reads as a word. The self-similarity rises steadily with the scale
# (mean 0.09 unpatched, 0.25 at 0.5, 0.41 at 1, 0.68 at 3) and has no peak of its own, so *a target* on it, not its
# maximum, is what picks a scale: with 0.25 the picked scales (median 0.75) name the right category for 74% of the
# latents, as many as the best single scale. By category: the animal, fruit, day
# and name latents are named right at the best scale, the month and place latents never (the model answers with a
# neighbouring category), numbers half the time. Patch scoping is a reading of the model, not of the SAE: it can only
# say what the model's next layer makes of a direction.
#
# ## Part 6 — Feature absorption
#
# Suppose the model has a general property, "this word is a fruit", and an SAE has a latent for it. Suppose also that
# one fruit, *banana*, is very frequent. Sparsity rewards the SAE for a latent that fires on banana alone and whose
# decoder direction *includes* the fruit part: on banana it then needs one latent instead of two. The general fruit
# latent then stays silent on banana, although banana is as much a fruit as any other. This is **feature absorption**
# (Chanin et al., 2024): the general latent has holes exactly where specific latents *absorbed* its direction, and an
# interpretation of it ("fires on fruit") is wrong on those tokens without anyone noticing.
#
# The zoo's corpus plants the situation: its fruit words follow a Zipf law (banana, orange and lemon are far more
# frequent than pear, plum and mango), and the model learns a shared property of fruit (they are sweet, ripe, sour,
# juicy). To measure absorption we need three things:
#
# 1. **the property itself**, independent of the SAE: a *linear probe*, a direction in the residual stream along
#    which fruit words lie higher than other category members;
# 2. **the general latent**: the latent that best tells fruit from the rest (F1 of "fires" against "is a fruit");
# 3. on each fruit token where the general latent is silent, **who carries the probe direction instead**: if the
#    latent that writes the most along the probe there has a decoder direction close to the probe, that latent
#    absorbed the property on this token.
#
# The data: short prefixes that end on a member of one of the corpus's categories ("Mary ate a banana", "The Friday",
# ...), so that the residual at the last position is the member word in the same contexts for every category.

# %% visible id=absorb_setup
ABSORB_KIND = "fruit" if "fruit" in KIND_NAMES else KIND_NAMES[0]
ABSORB_PREFIXES = ["{W}", "{N} said, {W}", "The {W}", "{N} ate a {W}", "{N} likes the {W}"]
ABSORB_NAMES = ["Mary", "John", "Alice", "Bob"]
_texts, _is_member, ABSORB_WORDS = [], [], []
for _k in KIND_NAMES:
    for _w in corpus.KINDS[_k]:
        if word_id(_w) is None:
            continue
        for _t in ABSORB_PREFIXES:
            for _n in (ABSORB_NAMES if "{N}" in _t else ABSORB_NAMES[:1]):
                _text = _t.replace("{N}", _n).replace("{W}", _w)
                # GPT-2 spells a word differently at the very start (no space before it): keep the in-sentence token
                _texts.append(" " + _text if TOKENS_CARRY_SPACES and _t == "{W}" else _text)
                _is_member.append(_k == ABSORB_KIND)
                ABSORB_WORDS.append(_w)
_rows = [model.to_tokens(t)[0] for t in _texts]
_last = torch.tensor([len(r) - 1 for r in _rows], device=device)
_len = max(len(r) for r in _rows)
_batch = torch.stack([torch.cat([r, r[-1:].expand(_len - len(r))]) for r in _rows])  # padded after the word: unseen by it
with torch.no_grad():
    _, _cache = model.run_with_cache(_batch, names_filter=[HOOK])
ABSORB_RESID = _cache[HOOK][torch.arange(len(_rows), device=device), _last].float()  # [n, d_model]: the member word
del _cache
ABSORB_MEMBER = torch.tensor(_is_member, device=device)
ABSORB_ACTS = {w: saes[w].encode(ABSORB_RESID).float() for w in WIDTHS}
# The members of the category, most frequent first (in the corpus's order for fruit, which is its Zipf order).
ABSORB_MEMBERS = [w for w in corpus.KINDS[ABSORB_KIND] if w in ABSORB_WORDS]
print(f"{len(_texts)} prefixes, {int(ABSORB_MEMBER.sum())} of them end on a {ABSORB_KIND} word ({', '.join(ABSORB_MEMBERS)})")

# %% [markdown]
# ### Exercise 4.18 — a probe for the category
# > Difficulty: ●○○○○ · Importance: ●●●○○
#
# The simplest linear probe is the **difference of means**: the mean residual of the category's members minus the
# mean residual of everything else, scaled to unit length. (A logistic regression finds a similar direction here; the
# difference of means needs no training and no seed.)
#
# Write `probe_direction(resid, is_member)`.

# %% solution id=ex18_probe
def probe_direction(resid: Tensor, is_member: Tensor) -> Tensor:
    """resid: [n, d_model]; is_member: [n] bool. Returns the unit vector mean(members) - mean(others), [d_model]."""
    ### BEGIN SOLUTION
    diff = resid[is_member].mean(dim=0) - resid[~is_member].mean(dim=0)
    return diff / diff.norm().clamp_min(1e-12)
    ### END SOLUTION

# %% visible id=ex18_probe_visible
_pd = probe_direction(torch.tensor([[2.0, 0.0], [4.0, 0.0], [0.0, 1.0]]), torch.tensor([True, True, False]))
checks.assert_close(_pd, torch.tensor([3.0, -1.0]) / 10 ** 0.5, "a hand-made case (members' mean (3, 0), the other (0, 1))")
PROBE = probe_direction(ABSORB_RESID, ABSORB_MEMBER)
_proj = ABSORB_RESID @ PROBE
_cut = (_proj[ABSORB_MEMBER].mean() + _proj[~ABSORB_MEMBER].mean()) / 2
PROBE_ACC = ((_proj > _cut) == ABSORB_MEMBER).float().mean().item()
print(f"probe accuracy (threshold halfway between the two means): {PROBE_ACC:.1%}")
fig = go.Figure([go.Histogram(x=_proj[~ABSORB_MEMBER].tolist(), name="other members", opacity=0.6, histnorm="probability"),
                 go.Histogram(x=_proj[ABSORB_MEMBER].tolist(), name=ABSORB_KIND, opacity=0.6, histnorm="probability")])
fig.update_layout(barmode="overlay", title=f"projection on the {ABSORB_KIND} probe", xaxis_title="resid . probe")
fig.show()

# %% graded id=ex18_probe_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
_ac, _at, _ash, _plain = _chk.assert_close, _chk.assert_true, _chk.assert_shape, _chk.plain
_teq = torch.equal


def _t():
    def dm_ref(x, lab):
        a = x[lab].sum(0) / lab.sum()
        b = x[~lab].sum(0) / (~lab).sum()
        v = a - b
        return v / torch.linalg.vector_norm(v)

    g = torch.Generator().manual_seed(53)
    for n, d, p in [(40, 6, 0.3), (300, 20, 0.1)]:
        lab = torch.rand(n, generator=g) < p
        lab[0], lab[1] = True, False
        x = torch.randn(n, d, generator=g) * torch.rand(1, d, generator=g).mul(3) + torch.randn(d, generator=g) * 4
        x[lab] += torch.randn(d, generator=g)
        want = dm_ref(x.clone(), lab.clone())
        x_in, lab_in = x.clone(), lab.clone()
        got = _plain(probe_direction(x_in, lab_in), "probe_direction's output")
        _ash(got, (d,), "probe_direction: one vector of d_model")
        _ac(got.float(), want, f"difference-of-means probe ({n} rows, {int(lab.sum())} members, an offset shared by all)", atol=1e-5)
        _at(_teq(x_in, x) and _teq(lab_in, lab), "probe_direction must not change its inputs")
    want = dm_ref(ABSORB_RESID.clone(), ABSORB_MEMBER.clone())
    got = _plain(probe_direction(ABSORB_RESID.clone(), ABSORB_MEMBER.clone()), "probe_direction's output")
    _ac(got.float(), want, "the probe on the prefixes of the loaded model", atol=1e-4)


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4.19 — the general latent, and where it was absorbed
# > Difficulty: ●●●○○ · Importance: ●●●●○
#
# Write `absorbed_positions(acts, decoder, probe, general, is_member, min_cos)`. A position is **absorbed** when all
# of these hold:
#
# * it is a member of the category (`is_member`) and the general latent is silent there (`acts[:, general] == 0`);
# * among the *other* latents, take the one that writes the most along the probe there: the largest
#   $a_j \, (d_j \cdot \text{probe})$ with $d_j$ its decoder row as stored (not rescaled);
# * that contribution is positive, and that latent's decoder direction has cosine at least `min_cos` with the probe.
#
# Return a bool tensor `[n]`. (`general_latent`, below, picks the general latent by F1.)

# %% visible id=general_latent_helper
def general_latent(acts: Tensor, is_member: Tensor) -> int:
    """The latent whose firing (activation > 0) best matches is_member, by F1."""
    on = acts > 0
    tp = (on & is_member[:, None]).sum(0).float()
    fp = (on & ~is_member[:, None]).sum(0).float()
    fn = (~on & is_member[:, None]).sum(0).float()
    return int((2 * tp / (2 * tp + fp + fn).clamp_min(1)).argmax())


ABSORB_MIN_COS = 0.2

# %% solution id=ex19_absorbed
def absorbed_positions(acts: Tensor, decoder: Tensor, probe: Tensor, general: int, is_member: Tensor,
                       min_cos: float) -> Tensor:
    """acts: [n, d_sae]; decoder: [d_sae, d_model]; probe: [d_model] (unit); is_member: [n] bool. Returns [n] bool."""
    ### BEGIN SOLUTION
    along = decoder @ probe  # [d_sae]: how much each latent writes along the probe per unit of activation
    cos = along / decoder.norm(dim=-1).clamp_min(1e-12) / probe.norm().clamp_min(1e-12)
    contrib = acts * along[None, :]
    contrib[:, general] = -float("inf")
    best, carrier = contrib.max(dim=1)
    silent = acts[:, general] == 0
    return is_member & silent & (best > 0) & (cos[carrier] >= min_cos)
    ### END SOLUTION

# %% visible id=ex19_absorbed_visible
_acts = torch.tensor([[0.0, 2.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 3.0], [0.0, 2.0, 0.0]])
_dec = torch.tensor([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]])
_ab = absorbed_positions(_acts, _dec, torch.tensor([1.0, 0.0]), 0, torch.tensor([True, True, True, False]), 0.5)
checks.assert_true(_ab.tolist() == [True, False, False, False],
                   "hand-made case: absorbed by latent 1 / general fires / carrier orthogonal to the probe / not a member")
ABSORPTION = {}
for _i, _w in enumerate(WIDTHS):
    _g = general_latent(ABSORB_ACTS[_w], ABSORB_MEMBER)
    _ab = absorbed_positions(ABSORB_ACTS[_w], DECODERS[_i], PROBE, _g, ABSORB_MEMBER, ABSORB_MIN_COS)
    _fires = ABSORB_ACTS[_w][:, _g] > 0
    _of = lambda m: torch.tensor([x == m for x in ABSORB_WORDS], device=device)  # noqa: E731
    ABSORPTION[_w] = {"general": _g, "rate": (_ab.sum() / ABSORB_MEMBER.sum()).item(),
                      "silent": {m: 1 - _fires[_of(m)].float().mean().item() for m in ABSORB_MEMBERS},
                      "absorbed": {m: _ab[_of(m)].float().mean().item() for m in ABSORB_MEMBERS}}
    _cos = float(DECODERS[_i][_g] @ PROBE / DECODERS[_i][_g].norm())
    print(f"width {_w:5d}: general latent {_g:4d} (decoder cosine with the probe {_cos:.2f}, fires on "
          f"{_fires[ABSORB_MEMBER].float().mean():.0%} of the {ABSORB_KIND} words and {_fires[~ABSORB_MEMBER].float().mean():.1%} "
          f"of the others); absorbed: {ABSORPTION[_w]['rate']:.0%} of the {ABSORB_KIND} words")
fig = px.bar(x=[str(w) for w in WIDTHS], y=[ABSORPTION[w]["rate"] for w in WIDTHS], text_auto=".2f",
             title=f"absorption rate: share of {ABSORB_KIND} words where the general latent is silent and another carries the probe",
             labels={"x": "SAE width", "y": "absorption rate"})
fig.update_layout(yaxis_range=[0, 1])
fig.show()
fig = go.Figure([go.Bar(x=ABSORB_MEMBERS, y=[ABSORPTION[w]["absorbed"][m] for m in ABSORB_MEMBERS], name=f"width {w}")
                 for w in WIDTHS])
fig.update_layout(barmode="group", title=f"absorbed share of each {ABSORB_KIND} word's prefixes (words in corpus frequency order)",
                  yaxis_title="absorbed share", yaxis_range=[0, 1.05])
fig.show()

# %% graded id=ex19_absorbed_test points=3
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
_at, _ash, _plain = _chk.assert_true, _chk.assert_shape, _chk.plain
_teq = torch.equal


def _t():
    def absorbed_ref(a, dec, pr, gen, mem, thr):
        out = torch.zeros(a.shape[0], dtype=torch.bool)
        writes = dec @ pr
        cosines = writes / (torch.linalg.vector_norm(dec, dim=1) * torch.linalg.vector_norm(pr))
        for i in range(a.shape[0]):
            if not bool(mem[i]) or float(a[i, gen]) != 0.0:
                continue
            score = a[i] * writes
            score[gen] = float("-inf")
            j = int(torch.argmax(score))
            out[i] = bool(score[j] > 0) and bool(cosines[j] >= thr)
        return out

    g = torch.Generator().manual_seed(54)
    for n, m, d, thr in [(80, 12, 6, 0.2), (200, 30, 10, 0.35)]:
        a = torch.relu(torch.randn(n, m, generator=g) - 0.6) * torch.rand(1, m, generator=g).mul(3)
        dec = torch.randn(m, d, generator=g) * torch.rand(m, 1, generator=g).mul(3).add(0.2)
        pr = torch.randn(d, generator=g)
        pr = pr / pr.norm()
        dec[: m // 3] += 1.5 * pr * dec[: m // 3].norm(dim=1, keepdim=True)
        gen = int(torch.randint(0, m, (1,), generator=g))
        mem = torch.rand(n, generator=g) < 0.5
        want = absorbed_ref(a, dec, pr, gen, mem, thr)
        ins = [a.clone(), dec.clone(), pr.clone(), mem.clone()]
        got = _plain(absorbed_positions(ins[0], ins[1], ins[2], gen, ins[3], thr), "absorbed_positions' output")
        _ash(got, (n,), "absorbed_positions: one bool per position")
        _at(_teq(got.bool(), want), f"absorbed positions on random data ({n} positions, {m} latents, decoder rows of different norms, min_cos {thr}): some are wrong")
        _at(all(_teq(x, y) for x, y in zip(ins, [a, dec, pr, mem])), "absorbed_positions must not change its inputs")
    for w in WIDTHS:
        acts_w = ABSORB_ACTS[w].clone()
        on = acts_w > 0
        tp = (on & ABSORB_MEMBER[:, None]).sum(0).float()
        f1 = 2 * tp / (tp + on.sum(0).float() + ABSORB_MEMBER.sum().float()).clamp_min(1)
        gen = int(f1.argmax())
        dec = DECODERS[WIDTHS.index(w)].clone()
        pr = ABSORB_RESID[ABSORB_MEMBER].mean(0) - ABSORB_RESID[~ABSORB_MEMBER].mean(0)
        pr = pr / torch.linalg.vector_norm(pr)
        want = absorbed_ref(acts_w, dec, pr, gen, ABSORB_MEMBER.clone(), ABSORB_MIN_COS)
        got = _plain(absorbed_positions(acts_w.clone(), dec.clone(), pr.clone(), gen, ABSORB_MEMBER.clone(), ABSORB_MIN_COS), "absorbed_positions' output")
        _at(_teq(got.bool(), want), f"absorbed positions of the width-{w} SAE on the prefixes are wrong")


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4.20 — checkpoint: where does absorption happen? (a graded prediction)
# > Difficulty: ●●○○○ · Importance: ●●●●○
#
# Read the two plots above (do not compute):
#
# * `"widest_rate"`: the absorption rate of the widest SAE loaded (a number between 0 and 1, read off the first plot;
#   within 0.05 counts);
# * `"grows"`: is the absorption rate of the widest SAE loaded `"higher"` or `"lower"` than that of the narrowest
#   (or `"same"`, within 0.02)?
# * `"frequent"`: over the three most frequent words of the category (the first three bars of the second plot) and
#   the three rarest (the last three), is the widest SAE's absorbed share `"higher"` on the frequent ones, `"lower"`,
#   or the `"same"` (means within 0.1 of each other)?
#
# Write your answer as a literal dict; it is graded against the measurement on the loaded SAEs.

# %% solution id=ex20_absorb_predict
def absorption_prediction() -> dict:
    """{"widest_rate": float, "grows": "higher" | "lower" | "same", "frequent": "higher" | "lower" | "same"}."""
    ### BEGIN SOLUTION
    # Measured, so that it holds for whichever model is loaded; a student reads the plots and writes the dict by hand.
    lo, hi = ABSORPTION[WIDTHS[0]]["rate"], ABSORPTION[WIDTHS[-1]]["rate"]
    shares = [ABSORPTION[WIDTHS[-1]]["absorbed"][m] for m in ABSORB_MEMBERS]
    gap = float(np.mean(shares[:3]) - np.mean(shares[-3:]))
    word = lambda d, tol: "same" if abs(d) <= tol else ("higher" if d > 0 else "lower")  # noqa: E731
    return {"widest_rate": round(hi, 2), "grows": word(hi - lo, 0.02), "frequent": word(gap, 0.1)}
    ### END SOLUTION

# %% visible id=ex20_absorb_predict_visible
ABSORB_PREDICTION = absorption_prediction()
checks.assert_true(isinstance(ABSORB_PREDICTION, dict) and set(ABSORB_PREDICTION) == {"widest_rate", "grows", "frequent"},
                   'absorption_prediction() should return {"widest_rate": ..., "grows": ..., "frequent": ...}')
checks.assert_true(0 <= ABSORB_PREDICTION["widest_rate"] <= 1, '"widest_rate" is a share, between 0 and 1')
checks.assert_true(ABSORB_PREDICTION["grows"] in ("higher", "lower", "same"), '"grows": "higher", "lower" or "same"')
checks.assert_true(ABSORB_PREDICTION["frequent"] in ("higher", "lower", "same"), '"frequent": "higher", "lower" or "same"')
_sh = [ABSORPTION[WIDTHS[-1]]["absorbed"][m] for m in ABSORB_MEMBERS]
print("absorption rate by width: " + ", ".join(f"{w}: {ABSORPTION[w]['rate']:.2f}" for w in WIDTHS)
      + f"; widest, three most frequent words {np.mean(_sh[:3]):.2f}, three rarest {np.mean(_sh[-3:]):.2f}"
      + f"   (you predicted {ABSORB_PREDICTION})")

# %% graded id=ex20_absorb_predict_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
_at, _plain = _chk.assert_true, _chk.plain
_dict_items, _isinstance, _dict, _float, _abs = dict.items, isinstance, dict, float, abs


def _t():
    mem = ABSORB_MEMBER.clone()
    pr = ABSORB_RESID[mem].mean(0) - ABSORB_RESID[~mem].mean(0)
    pr = pr / torch.linalg.vector_norm(pr)

    def absorbed_mask(k):
        a = ABSORB_ACTS[WIDTHS[k]].clone()
        fires = a > 0
        f1 = 2 * (fires & mem[:, None]).sum(0).float() / (fires.sum(0).float() + mem.sum().float()).clamp_min(1)
        gen = int(f1.argmax())
        dec = DECODERS[k].clone()
        writes = dec @ pr
        cosines = writes / torch.linalg.vector_norm(dec, dim=1)
        score = a * writes[None, :]
        score[:, gen] = float("-inf")
        top, who = score.max(1)
        return mem & (a[:, gen] == 0) & (top > 0) & (cosines[who] >= ABSORB_MIN_COS)

    lo_m, hi_m = absorbed_mask(0), absorbed_mask(len(WIDTHS) - 1)
    lo, hi = lo_m.sum().item() / mem.sum().item(), hi_m.sum().item() / mem.sum().item()
    per_word = []
    for m in ABSORB_MEMBERS:
        sel = torch.tensor([x == m for x in ABSORB_WORDS])
        per_word.append(hi_m[sel].float().mean().item())
    gap = sum(per_word[:3]) / 3 - sum(per_word[-3:]) / 3

    def verdict(d, tol):
        if d > tol:
            return "higher"
        return "lower" if d < -tol else "same"

    got = absorption_prediction()
    _at(_isinstance(got, _dict), "absorption_prediction() should return a dict")
    got = {_plain(k, "a key"): _plain(v, "a prediction") for k, v in _dict_items(got)}
    _at(set(got) == {"widest_rate", "grows", "frequent"},
        'absorption_prediction() needs the keys "widest_rate", "grows" and "frequent"')
    _at(_isinstance(got["widest_rate"], (int, _float)), '"widest_rate" should be a number')
    wrong = []
    if _abs(_float(got["widest_rate"]) - hi) > 0.05:
        wrong.append("widest_rate")
    if got["grows"] != verdict(hi - lo, 0.02):
        wrong.append("grows")
    if got["frequent"] != verdict(gap, 0.1):
        wrong.append("frequent")
    _at(not wrong, f"these answers do not match the measurement on the loaded SAEs: {sorted(wrong)}")


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# **What we measured** (zoo v2; the widths 384 to 2048 of the family, the first three in the ci profile). The probe
# separates fruit words from the other members for about 98% of the prefixes. In the two narrowest SAEs one latent
# fires on *every* fruit word (precision 0.70: it also fires on some other words): no absorption at all. From width 768
# on, the best general latent is a different, cleaner one (precision 0.98 and above) that is silent on a third of the
# fruit words, and on most of those another latent carries the probe direction: absorption rates 0.28, 0.36 and 0.38 at
# widths 768, 1024 and 2048. So absorption appears, and grows, as the SAE gets wider. What the planted word frequencies
# predict does **not** show cleanly: which fruits are absorbed is not in frequency order (at width 1024 the general
# latent misses mango, the rarest, almost always and never misses banana, orange or lemon; at 2048 it misses banana and
# orange most of the time but never lemon). With 126 fruit prefixes and one SAE per width this is a small sample; the
# honest reading is "absorption, yes; caused by frequency, not shown here".

# %% [markdown]
# ## Where next
#
# * Scope the latents of the wider SAEs, or of the children in the splitting tree (Part 1): does a child that
#   responds to one fruit still make the model say "fruit"?
# * Plug a real LLM into Part 3 (`SAE_COURSE_LLM_URL=http://host:port/v1`, `SAE_COURSE_LLM_MODEL=...`) and compare
#   its explanations and scores with the offline backend's on the same latents.
