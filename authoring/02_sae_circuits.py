# %% [markdown]
# # Section 2 — SAE circuits
#
# Section 1 read SAE latents one at a time: when a latent fires, and what it writes. This section asks how
# latents **connect**. When a latent in a later layer fires, which latents of an earlier layer caused it? Which
# input tokens drive it? Which logits does it push up? If SAE latents are the right units, the model's computation should
# look like a sparse graph with latents as nodes, and that graph should be small enough to read.
#
# There are two kinds of tools here.
#
# * **Gradients through the real model.** An SAE writes its reconstruction back into the residual stream.
#   If we add back the part it fails to reconstruct (the *error term*) and hold that part fixed, the model
#   runs exactly as before, but every later activation becomes a differentiable function of the SAE's latents.
#   A Jacobian then tells us how strongly each earlier latent drives each later one on this prompt.
# * **Weights only, with transcoders.** A transcoder is an SAE trained to *replace* an MLP layer: it reads
#   the MLP's input and predicts the MLP's output through a sparse layer of latents. Its encoder directions
#   live in the residual stream, so we can read off which tokens (*de-embedding*) or which earlier latents
#   (*pullback*) feed a latent by multiplying weight matrices. No data is needed.
#
# The section ends with a "blind" case study: you describe a latent from its circuit alone, and only then look
# at where it actually fires.
#
# | part | exercises |
# |---|---|
# | gradients through the model | 2.1 latent → latent Jacobian · 2.1b every active pair across positions (`torch.func.jacrev`) · 2.2 token → latent and latent → logit |
# | reading the connections | 2.3 attribution heatmap and top pairs |
# | transcoders | 2.4 running a transcoder in place of the MLP |
# | weights-only circuits | 2.5 de-embedding · 2.5b the extended embedding · 2.5c measuring a de-embedding against the latent's real responses · checkpoint 2.A predict: which de-embedding tells the truth? · 2.6 pullback |
# | putting it together | 2.7 a blind case study · 2.7b attribution to components, and your conclusions (graded on other latents too) |
# | across layers, through attention | 2.8 an induction circuit in attention SAEs |
#
# **How the notebook is graded.** Write your code between the lines of each answer cell (replace
# `raise NotImplementedError()`). A visible test follows every answer: it checks shapes and a small case.
# A locked graded test then runs hidden checks on other prompts and on small random models. Some later
# exercises call functions from earlier ones, so work through the notebook in order.
#
# **Which model.** The setup cell loads the course model and four SAEs through `sae_course.zoo` and prints what
# it loaded. Offline this is the course's own *zoo* model: two layers, `d_model` 128, a vocabulary of whole
# words. It adds its positional embeddings only to the attention queries and keys ("shortformer"), so the
# residual stream before block 0 holds nothing but the token embedding. The upstream SAE `sae_up` reads exactly
# there (`blocks.0.hook_resid_pre`): its latents behave almost like token detectors, with two or three of them
# active per token (the model card gives an L0 of about 2.7). `sae_down` reads the residual stream after block 0 (`blocks.1.hook_resid_pre`), and the two
# transcoders replace the MLPs of blocks 0 and 1. With `SAE_COURSE_MODE=hub` the same code runs on GPT-2 small
# (residual SAEs at layers 1 and 2, transcoders at layers 0 and 1); nothing below depends on which one is loaded.
#
# **Run time.** On the zoo model (v2) the whole notebook, with the solutions and tests, ran in 37 s in the full profile
# (36 s of kernel CPU, one torch thread, on an idle 2-core CPU; `bench/bench_notebooks.py`, 2026-12-01). With GPT-2 (`SAE_COURSE_MODE=hub`) expect minutes on a CPU; no GPU figure exists.

# %% setup id=setup
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import plotly.graph_objects as go
import torch
from torch import Tensor
from tqdm.auto import tqdm

from sae_course import checks, plots
from sae_course.config import setup_notebook, sized
from sae_course.zoo import describe, induction_tokens, load_model, load_sae, resolve_mode, zoo_tokens

SETUP = setup_notebook(seed=0)
device = SETUP.device
plots.use_offline_renderer()

MODE = resolve_mode()
INFO = describe()
model = load_model(device=device)
model.eval()
# Nothing in this section trains the model or the SAEs: we only differentiate with respect to activations.
for _p in model.parameters():
    _p.requires_grad_(False)


def _layers_with(site):
    """The layers that have an SAE of this kind (describe() lists them for the zoo and for the hub)."""
    return sorted(int(layer) for layer in INFO["saes"][site]["layers"])


# Two residual-stream SAEs one layer apart (exercises 2.1-2.3) and two transcoders, an early and a later one
# (exercises 2.4-2.7), taken from the first layers that have them. The residual stream at layer 0 holds only the
# embeddings, so we start at layer 1 when the model has enough layers for that (GPT-2: layers 1 and 2); the zoo
# model has two layers, so there the pair is 0 -> 1.
_resid = _layers_with("resid_pre")
if len([layer for layer in _resid if layer >= 1]) >= 2:
    _resid = [layer for layer in _resid if layer >= 1]
L_UP, L_DOWN = _resid[0], _resid[1]
_tc = _layers_with("transcoder")
TC_EARLY, TC_LATE = _tc[0], _tc[1]

sae_up = load_sae("resid_pre", L_UP, device=device)
sae_down = load_sae("resid_pre", L_DOWN, device=device)
tc_early = load_sae("transcoder", TC_EARLY, device=device)
tc_late = load_sae("transcoder", TC_LATE, device=device)
for _sae in (sae_up, sae_down, tc_early, tc_late):
    _sae.eval()
    for _p in _sae.parameters():
        _p.requires_grad_(False)


def layer_of(hook_name: str) -> int:
    """'blocks.3.hook_resid_pre' -> 3."""
    return int(hook_name.split(".")[1])


def tok_strs(ids) -> list[str]:
    """Token ids -> their strings, one string per id."""
    return [model.tokenizer.decode([int(i)]) for i in torch.as_tensor(ids).flatten().tolist()]


_SPECIAL_IDS = [i for i in model.tokenizer.all_special_ids if i < model.cfg.d_vocab]


def top_tokens(scores: Tensor, k: int = 10) -> list[str]:
    """The k tokens with the largest ``scores`` ([d_vocab]), special tokens such as BOS left out."""
    scores = scores.detach().clone().float()
    scores[_SPECIAL_IDS] = -float("inf")
    return tok_strs(scores.topk(k).indices)


def latent_acts_at(sae, tokens: Tensor, pos: int) -> Tensor:
    """[d_sae]: the SAE's latent activations at ``pos`` of one prompt (tokens: [seq]) on the clean model."""
    hook = sae.cfg.metadata.hook_name
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens.reshape(1, -1), names_filter=hook)
        return sae.encode(cache[hook][0, pos])


def active_latents(acts: Tensor, n: int) -> Tensor:
    """Ids of at most ``n`` latents that are on in ``acts`` ([d_sae]), most active first."""
    on = (acts > 0).nonzero()[:, 0]
    return on[acts[on].argsort(descending=True)][:n]


print(f"mode={MODE}  layers={model.cfg.n_layers}  d_model={model.cfg.d_model}  d_vocab={model.cfg.d_vocab}")
for _name, _sae in [("sae_up", sae_up), ("sae_down", sae_down), ("tc_early", tc_early), ("tc_late", tc_late)]:
    _out = _sae.cfg.metadata.hook_name_out
    print(f"{_name:9s} {type(_sae).__name__:14s} d_sae={_sae.cfg.d_sae:6d}  reads {_sae.cfg.metadata.hook_name}"
          + (f"  writes {_out}" if _out else ""))

# A few held-out sequences from the course corpus (tokenised for whichever model is loaded).
prompts = zoo_tokens(8, sized(full=64, ci=48), split="val", seed=0, model=model).to(device)
prompt = prompts[0]
print("prompt:", model.tokenizer.decode(prompt[:24].tolist()), "...")

# %% [markdown]
# ## Part 1 — Gradients through the model, with the SAE error term held fixed
#
# ### The error term
#
# Take a residual-stream SAE at hook $h$. On a token whose activation is $x$, it computes latents
# $f = \mathrm{enc}(x)$ and a reconstruction $\hat x = \mathrm{dec}(f) = f\,W_\text{dec} + b_\text{dec}$. The
# reconstruction is not perfect, so define the **error term**
#
# $$\varepsilon = x - \mathrm{dec}(\mathrm{enc}(x)), \qquad\text{so that}\qquad x = \mathrm{dec}(f) + \varepsilon .$$
#
# Now treat $f$ as a free variable and $\varepsilon$ as a constant. Writing $\mathrm{dec}(f) + \varepsilon$ into
# the model at hook $h$ changes nothing at the current values (the model's output is exactly the clean output),
# but everything downstream has become a function of $f$. Because $\mathrm{dec}$ is linear, moving latent $j$ by
# $\delta$ is the same as adding $\delta\,W_\text{dec}[j]$ to the residual stream.
#
# Why hold $\varepsilon$ fixed instead of dropping it? Without it, the downstream layers would see
# $\hat x$ instead of $x$, a slightly different input, and every gradient would be measured at the wrong point.
# Splicing the bare reconstruction in is an approximation of the model; splicing it in *with* the error term
# is the model.
#
# ### Exercise 2.1 — latent-to-latent Jacobian
# > Difficulty: ●●●○○ · Importance: ●●●●●
#
# Two SAEs, `sae_up` at an earlier hook and `sae_down` at a later one. For a single prompt and one position
# `pos`, compute the Jacobian
#
# $$J_{ij} = \frac{\partial\, g_{d_i}[\text{pos}]}{\partial\, f_{u_j}[\text{pos}]}$$
#
# where $f$ are the upstream latents, $g = \mathrm{enc}_\text{down}(\cdot)$ the downstream latents (after their
# activation function), $u$ = `up_latents` and $d$ = `down_latents`. Only the upstream latents *at* `pos` move;
# every other position keeps its clean values, and the upstream error term is held fixed everywhere.
#
# A recipe:
# 1. Run the model once and cache the activation at `sae_up`'s hook (`sae_up.cfg.metadata.hook_name`).
#    Compute the latents and the error term there, without gradients.
# 2. Write a function from the chosen latent values (a vector of length `len(up_latents)`) to the chosen
#    downstream latents at `pos`: put the values into a copy of the latents, decode, add the error term, write
#    the result into the model with a hook, capture the activation at `sae_down`'s hook, and encode it.
# 3. Differentiate that function: `torch.autograd.functional.jacobian` does it in one call, or loop over the
#    downstream latents with `torch.autograd.grad`.
#
# Downstream latents that are off at `pos` have a zero row: a ReLU that is off passes no gradient. Upstream
# latents that are off still get a column: we set their value directly, so the question "what if this latent
# were a little on?" has an answer (its decoder direction, pushed through the block). The model's parameters
# have `requires_grad=False` here, so only your inputs carry gradients.

# %% solution id=ex01_latent_jacobian
def latent_to_latent_jacobian(model, sae_up, sae_down, tokens: Tensor, pos: int, up_latents, down_latents) -> Tensor:
    """How the downstream SAE's latents at ``pos`` respond to the upstream SAE's latents at ``pos``.

    tokens: [seq] token ids of one prompt.  pos: a position in it.
    up_latents: [n_up] ids of upstream latents.  down_latents: [n_down] ids of downstream latents.
    Returns J: [n_down, n_up], J[i, j] = d down_latents[i] / d up_latents[j], with the upstream SAE's
    error term held fixed (so the forward pass equals the clean model's).
    """
    ### BEGIN SOLUTION
    hook_up, hook_down = sae_up.cfg.metadata.hook_name, sae_down.cfg.metadata.hook_name
    toks = tokens.reshape(1, -1)
    up_latents = torch.as_tensor(up_latents, device=toks.device)
    down_latents = torch.as_tensor(down_latents, device=toks.device)
    with torch.no_grad():
        _, cache = model.run_with_cache(toks, names_filter=hook_up)
        x_up = cache[hook_up][0]
        acts_up = sae_up.encode(x_up)
        error = x_up - sae_up.decode(acts_up)

    def downstream(chosen: Tensor) -> Tensor:
        acts = acts_up.clone()
        acts[pos, up_latents] = chosen
        new_x = sae_up.decode(acts) + error
        store = {}

        def splice(act, hook):
            return new_x.unsqueeze(0).to(act.dtype)

        def grab(act, hook):
            store["x"] = act[0, pos]

        model.run_with_hooks(toks, fwd_hooks=[(hook_up, splice), (hook_down, grab)])
        return sae_down.encode(store["x"])[down_latents]

    return torch.autograd.functional.jacobian(downstream, acts_up[pos, up_latents])
    ### END SOLUTION

# %% visible id=ex01_latent_jacobian_visible
_pos = 10
_a_up, _a_down = latent_acts_at(sae_up, prompt, _pos), latent_acts_at(sae_down, prompt, _pos)
_up = torch.cat([active_latents(_a_up, 2), (_a_up == 0).nonzero()[:1, 0]])  # the most active ones and one that is off
_down = torch.cat([active_latents(_a_down, 2), (_a_down == 0).nonzero()[:1, 0]])
_J = latent_to_latent_jacobian(model, sae_up, sae_down, prompt, _pos, _up, _down)
checks.assert_shape(_J, (len(_down), len(_up)),
                    f"latent_to_latent_jacobian output for {len(_down)} downstream and {len(_up)} upstream latents")
checks.assert_true(torch.isfinite(_J).all(), "latent_to_latent_jacobian: the Jacobian has NaN or inf entries")
checks.assert_true((_J[-1] == 0).all(),
                   "latent_to_latent_jacobian: a downstream latent that is off at pos should have a zero row")
checks.assert_true(_J[:-1].abs().sum() > 0,
                   "latent_to_latent_jacobian: the rows of active downstream latents are all zero; is the gradient "
                   "flowing from your spliced activation to the downstream hook?")
# One entry against a finite difference: nudge the residual stream along the upstream decoder direction.
with torch.no_grad():
    _e = torch.zeros(sae_up.cfg.d_sae, device=device)
    _e[_up[0]] = 1.0
    _dir = sae_up.decode(_e) - sae_up.decode(torch.zeros_like(_e))
    _x_norm = model.run_with_cache(prompt[None], names_filter=sae_up.cfg.metadata.hook_name)[1][
        sae_up.cfg.metadata.hook_name][0, _pos].norm()
    _eps = float(0.01 * _x_norm / _dir.norm())
    _vals = []
    for _s in (1.0, -1.0):
        def _nudge(act, hook, _s=_s):
            act = act.clone()
            act[0, _pos] += _s * _eps * _dir
            return act
        _store = {}
        model.run_with_hooks(prompt[None], fwd_hooks=[(sae_up.cfg.metadata.hook_name, _nudge),
                                                      (sae_down.cfg.metadata.hook_name,
                                                       lambda act, hook: _store.update(x=act[0, _pos]))])
        _vals.append(sae_down.encode(_store["x"])[_down[0]])
    _fd = (_vals[0] - _vals[1]) / (2 * _eps)
checks.assert_scalar_close(_J[0, 0], _fd, "J[0, 0] compared with a finite difference", atol=1e-3 + 0.02 * _J.abs().max().item(), rtol=0.05)
print("latent_to_latent_jacobian passes the visible checks.")

# %% graded id=ex01_latent_jacobian_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
from sae_course.zoo import zoo_tokens as _zoo_tokens

def _ref_l2l(model, sae_up, sae_down, tokens, pos, up, down):
    h_up, h_down = sae_up.cfg.metadata.hook_name, sae_down.cfg.metadata.hook_name
    t = tokens.reshape(1, -1)
    with torch.no_grad():
        _, c = model.run_with_cache(t, names_filter=h_up)
        x = c[h_up][0]
        f = sae_up.encode(x)
        err = x - sae_up.decode(f)
    rows = []
    for d in down.tolist():
        v = f[pos, up].clone().requires_grad_(True)
        ff = f.clone()
        ff[pos, up] = v
        xx = sae_up.decode(ff) + err
        st = {}
        model.run_with_hooks(t, fwd_hooks=[(h_up, lambda a, hook: xx[None].to(a.dtype)),
                                           (h_down, lambda a, hook: st.update(y=a[0, pos]))])
        g = sae_down.encode(st["y"])[d]
        rows.append(torch.autograd.grad(g, v, allow_unused=True)[0] if g.requires_grad else torch.zeros_like(v))
    return torch.stack([r if r is not None else torch.zeros_like(f[pos, up]) for r in rows])

def _world(seed, dev):
    from sae_lens import HookedSAETransformer, StandardSAE, StandardSAEConfig
    from sae_lens.saes.sae import SAEMetadata
    from transformer_lens import HookedTransformerConfig
    cfg = HookedTransformerConfig(n_layers=3, d_model=24, n_heads=2, d_head=12, d_mlp=48, n_ctx=20, d_vocab=40,
                                  act_fn="gelu_new", normalization_type="LNPre", seed=seed, device=str(dev))
    m = HookedSAETransformer(cfg)
    for p in m.parameters():
        p.requires_grad_(False)
    g = torch.Generator().manual_seed(int(seed))
    saes = []
    for layer, d_sae in [(1, 40), (2, 36)]:
        s = StandardSAE(StandardSAEConfig(d_in=24, d_sae=d_sae, device=str(dev),
                                          metadata=SAEMetadata(hook_name=f"blocks.{layer}.hook_resid_pre")))
        with torch.no_grad():
            s.W_enc.copy_(torch.randn(24, d_sae, generator=g).to(dev) * 0.5)
            s.W_dec.copy_(torch.randn(d_sae, 24, generator=g).to(dev) * 0.1)
            s.b_enc.copy_(torch.randn(d_sae, generator=g).to(dev) * 0.05)
            s.b_dec.copy_(torch.randn(24, generator=g).to(dev) * 0.05)
        for p in s.parameters():
            p.requires_grad_(False)
        saes.append(s)
    toks = torch.randint(0, 40, (16,), generator=g).to(dev)
    return m, saes[0], saes[1], toks

def _ids(a, n):
    """n distinct latent ids: up to n-1 that are on (most active first), the rest off."""
    on = (a > 0).nonzero()[:, 0]
    on = on[a[on].argsort(descending=True)][:n - 1]
    off = (a == 0).nonzero()[:, 0]
    return torch.cat([on, off[:n - len(on)]])

def _pick(model, sae_up, sae_down, toks, pos, n_up, n_down):
    with torch.no_grad():
        _, c = model.run_with_cache(toks.reshape(1, -1))
        a = sae_up.encode(c[sae_up.cfg.metadata.hook_name][0, pos])
        b = sae_down.encode(c[sae_down.cfg.metadata.hook_name][0, pos])
    return _ids(a, n_up), _ids(b, n_down)

model.reset_hooks()
model.reset_saes()
# Small random models: the SAEs reconstruct badly, so the error term matters a lot.
for _seed, _pos in [(11, 9), (12, 14)]:
    _m, _su, _sd, _t = _world(_seed, device)
    _up, _down = _pick(_m, _su, _sd, _t, _pos, 5, 4)
    _ref = _ref_l2l(_m, _su, _sd, _t, _pos, _up, _down)
    _got = latent_to_latent_jacobian(_m, _su, _sd, _t, _pos, _up, _down)
    _chk.assert_close(_got, _ref, f"Jacobian on a small random model (seed {_seed}, pos {_pos})",
                      atol=1e-5 + 1e-3 * _ref.abs().max().item(), rtol=1e-3)
# The course model and its SAEs.
_t = _zoo_tokens(2, 32, split="test", seed=5, model=model)[1].to(device)
for _pos in (7, 25):
    _up, _down = _pick(model, sae_up, sae_down, _t, _pos, 5, 4)
    _ref = _ref_l2l(model, sae_up, sae_down, _t, _pos, _up, _down)
    _got = latent_to_latent_jacobian(model, sae_up, sae_down, _t, _pos, _up, _down)
    _chk.assert_close(_got, _ref, f"Jacobian on the course model (pos {_pos})",
                      atol=1e-5 + 1e-3 * _ref.abs().max().item(), rtol=1e-3)
### END HIDDEN TESTS

# %% graded id=ex01_latent_jacobian_test2 points=1
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
from sae_course.zoo import zoo_tokens as _zoo_tokens

def _fd_l2l(model, sae_up, sae_down, tokens, pos, up, down, rel=0.01):
    """Central differences on the clean model: nudge the residual along each upstream decoder direction."""
    h_up, h_down = sae_up.cfg.metadata.hook_name, sae_down.cfg.metadata.hook_name
    t = tokens.reshape(1, -1)
    out = torch.zeros(len(down), len(up))
    same_side = torch.zeros(len(down), len(up), dtype=torch.bool)
    with torch.no_grad():
        x_norm = model.run_with_cache(t, names_filter=h_up)[1][h_up][0, pos].norm()
        zero = torch.zeros(sae_up.cfg.d_sae, device=t.device)
        for j, u in enumerate(up.tolist()):
            e = zero.clone()
            e[u] = 1.0
            direction = sae_up.decode(e) - sae_up.decode(zero)
            eps = float(rel * x_norm / direction.norm())
            vals = []
            for s in (1.0, -1.0):
                def nudge(a, hook, s=s):
                    a = a.clone()
                    a[0, pos] += s * eps * direction
                    return a
                st = {}
                model.run_with_hooks(t, fwd_hooks=[(h_up, nudge), (h_down, lambda a, hook: st.update(y=a[0, pos]))])
                vals.append(sae_down.encode(st["y"])[down].cpu())
            out[:, j] = (vals[0] - vals[1]) / (2 * eps)
            same_side[:, j] = (vals[0] > 0) == (vals[1] > 0)
    return out, same_side

def _ids2(a, n):
    on = (a > 0).nonzero()[:, 0]
    on = on[a[on].argsort(descending=True)][:n - 1]
    off = (a == 0).nonzero()[:, 0]
    return torch.cat([on, off[:n - len(on)]])

model.reset_hooks()
model.reset_saes()
_t = _zoo_tokens(3, 40, split="test", seed=9, model=model)[2].to(device)
for _pos in (12, 30):
    with torch.no_grad():
        _, _c = model.run_with_cache(_t[None])
        _a = sae_up.encode(_c[sae_up.cfg.metadata.hook_name][0, _pos])
        _b = sae_down.encode(_c[sae_down.cfg.metadata.hook_name][0, _pos])
    _up, _down = _ids2(_a, 5), _ids2(_b, 5)
    _got = latent_to_latent_jacobian(model, sae_up, sae_down, _t, _pos, _up, _down).detach().cpu()
    _fd, _ok = _fd_l2l(model, sae_up, sae_down, _t, _pos, _up, _down)
    _chk.assert_shape(_got, (5, 5), "Jacobian shape")
    _scale = _fd.abs().max().item()
    _chk.assert_close(_got[_ok], _fd[_ok], f"Jacobian vs finite differences on the course model (pos {_pos})",
                      atol=1e-4 + 0.02 * _scale, rtol=0.05)
### END HIDDEN TESTS

# %% [markdown]
# The cell below draws the Jacobian between the latents of the two SAEs that are on at one position (at most
# twelve of each; in the zoo only a few upstream latents are on at any token, so the picture is narrow). Each
# entry says how much a downstream latent would move per unit of an upstream latent. Compare it with the
# **virtual weights** $W_\text{dec}^{\text{up}}\,W_\text{enc}^{\text{down}}$, what the Jacobian would be if the
# block between the two hooks were the identity (the residual connection alone, ignoring layer norm and the
# block's own attention and MLP). When the two look alike, the connection goes mostly straight through the
# residual stream; when they differ, the block in between is doing the work.

# %% code
_pos = 20
_a_up, _a_down = latent_acts_at(sae_up, prompt, _pos), latent_acts_at(sae_down, prompt, _pos)
_up, _down = active_latents(_a_up, 12), active_latents(_a_down, 12)
_J = latent_to_latent_jacobian(model, sae_up, sae_down, prompt, _pos, _up, _down)
_virtual = (sae_up.W_dec[_up] @ sae_down.W_enc[:, _down]).T * (_a_down[_down] > 0)[:, None]
_corr = np.corrcoef(_J.flatten().cpu().numpy(), _virtual.flatten().cpu().numpy())[0, 1]
print(f"correlation between the Jacobian and the virtual weights: {_corr:.2f}")
plots.heatmap(_J, x=[f"up {i}" for i in _up.tolist()], y=[f"down {i}" for i in _down.tolist()],
              title=f"d(down latent)/d(up latent) at position {_pos} ('{tok_strs(prompt[_pos:_pos + 1])[0]}')",
              xlabel=f"layer {L_UP} latent", ylabel=f"layer {L_DOWN} latent").show()

# %% [markdown]
# ### Across positions: every active pair at once
#
# Exercise 2.1 moved the upstream latents at one position and watched the same position. But the block between
# the two hooks contains attention, so an upstream latent at position $p$ can move a downstream latent at any later
# position $q \ge p$. The full object is the Jacobian between **every active (position, latent) pair** upstream and
# every active pair downstream. It is sparse in a structured way (only active latents, only $q \ge p$), so store it
# as a dense block of values plus two index tables:
#
# * `up_index` [n_up, 2]: the (position, latent) of each upstream latent that is on in the clean run, in the order
#   `(acts > 0).nonzero()` gives on the [seq, d_sae] activations (by position, then latent);
# * `down_index` [n_down, 2]: the same for the downstream SAE, on the clean run;
# * `values` [n_down, n_up]: `values[i, j]` = d (downstream latent `down_index[i]`) / d (upstream latent `up_index[j]`).
#
# `torch.func.jacrev` differentiates a function of one vector in one call: write the function from the upstream
# active values (a vector of length n_up) to the downstream active values (length n_down) and hand it over.
# Inside it, build the upstream latents *functionally* (`acts.index_put((pos_idx, lat_idx), values)`, not in-place
# assignment into a tensor that `jacrev` is tracing).
#
# **Two variants.** With `keep_error=True` the upstream error term is held fixed, as in 2.1: the forward pass is the
# clean model's and the Jacobian is the model's own. With `keep_error=False` the model runs on the bare
# reconstruction $\mathrm{dec}(f)$, the *pure reconstruction path*: every nonlinearity downstream (the layer norms,
# the attention softmax, the downstream SAE's ReLU) is then evaluated at a slightly different point, so the
# derivatives change even though the error term is a constant. The active sets are those of the clean run in both
# variants (a downstream latent the reconstruction run switches off gets a zero row).
#
# ### Exercise 2.1b — the sparse latent-to-latent Jacobian with `torch.func.jacrev`
# > Difficulty: ●●●●○ · Importance: ●●●●○
#
# Return `(values, up_index, down_index)` as above. Stop the forward pass once the downstream hook has been
# reached (`stop_at_layer=` the downstream hook's layer + 1) to save time.

# %% solution id=ex09_sparse_jacobian
def sparse_latent_jacobian(model, sae_up, sae_down, tokens: Tensor, keep_error: bool = True):
    """Jacobian between every active (pos, latent) pair of two SAEs, across positions.

    tokens: [seq]. Returns (values [n_down, n_up], up_index [n_up, 2] long, down_index [n_down, 2] long).
    """
    ### BEGIN SOLUTION
    hook_up, hook_down = sae_up.cfg.metadata.hook_name, sae_down.cfg.metadata.hook_name
    toks = tokens.reshape(1, -1)
    with torch.no_grad():
        _, cache = model.run_with_cache(toks, names_filter=[hook_up, hook_down])
        x_up = cache[hook_up][0]
        acts_up = sae_up.encode(x_up)
        error = x_up - sae_up.decode(acts_up)
        up_index = (acts_up > 0).nonzero()
        down_index = (sae_down.encode(cache[hook_down][0]) > 0).nonzero()
    stop = layer_of(hook_down) + 1

    def downstream(values: Tensor) -> Tensor:
        acts = acts_up.index_put((up_index[:, 0], up_index[:, 1]), values)
        x = sae_up.decode(acts) + error if keep_error else sae_up.decode(acts)
        box = {}

        def splice(act, hook):
            return x.unsqueeze(0)

        def grab(act, hook):
            box["x"] = act[0]

        model.run_with_hooks(toks, fwd_hooks=[(hook_up, splice), (hook_down, grab)],
                             stop_at_layer=stop if stop <= model.cfg.n_layers else None)
        return sae_down.encode(box["x"])[down_index[:, 0], down_index[:, 1]]

    values = torch.func.jacrev(downstream)(acts_up[up_index[:, 0], up_index[:, 1]])
    return values.detach(), up_index, down_index
    ### END SOLUTION

# %% visible id=ex09_sparse_jacobian_visible
_short = prompt[:16]
SPJ, SPJ_UP, SPJ_DOWN = sparse_latent_jacobian(model, sae_up, sae_down, _short)
checks.assert_true(SPJ_UP.shape[1] == 2 and SPJ_DOWN.shape[1] == 2, "sparse_latent_jacobian: index tables are [n, 2]")
checks.assert_shape(SPJ, (SPJ_DOWN.shape[0], SPJ_UP.shape[0]), "sparse_latent_jacobian: values")
_later = SPJ_UP[None, :, 0] > SPJ_DOWN[:, None, 0]
checks.assert_true(SPJ[_later].abs().max() < 1e-6, "sparse_latent_jacobian: an upstream latent moved a downstream "
                   "latent at an earlier position (attention is causal: check the index order)")
# The same-position block must agree with exercise 2.1's Jacobian.
_p = int(SPJ_DOWN[0, 0]) if (SPJ_UP[:, 0] == SPJ_DOWN[0, 0]).any() else int(SPJ_UP[0, 0])
_iu, _id = (SPJ_UP[:, 0] == _p).nonzero()[:, 0], (SPJ_DOWN[:, 0] == _p).nonzero()[:, 0]
if len(_iu) and len(_id):
    _J21 = latent_to_latent_jacobian(model, sae_up, sae_down, _short, _p, SPJ_UP[_iu, 1], SPJ_DOWN[_id, 1])
    checks.assert_close(SPJ[_id][:, _iu], _J21, f"sparse_latent_jacobian: the block at position {_p} vs exercise 2.1",
                        atol=1e-4, rtol=1e-3)
_same = SPJ_UP[None, :, 0] == SPJ_DOWN[:, None, 0]
print(f"{SPJ_UP.shape[0]} active upstream and {SPJ_DOWN.shape[0]} active downstream (position, latent) pairs; "
      f"{(SPJ.abs() * ~_same).sum().item() / SPJ.abs().sum().clamp(min=1e-12).item():.0%} of the Jacobian's total "
      "absolute value connects different positions (attention)")
SPJ_REC, _, _ = sparse_latent_jacobian(model, sae_up, sae_down, _short, keep_error=False)
print(f"pure reconstruction path vs error held fixed: relative difference "
      f"{((SPJ_REC - SPJ).norm() / SPJ.norm()).item():.1%} (Frobenius norm)")

# %% graded id=ex09_sparse_jacobian_test points=3
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
_ac, _at, _ash, _plain = _chk.assert_close, _chk.assert_true, _chk.assert_shape, _chk.plain
_teq = torch.equal


def _t():
    from sae_course.zoo import zoo_tokens as _ztk

    def by_forward_mode(m, su, sd, toks, with_err):
        # The same Jacobian by another route: forward-mode derivatives, one upstream column at a time.
        hu, hd = su.cfg.metadata.hook_name, sd.cfg.metadata.hook_name
        with torch.no_grad():
            _, c = m.run_with_cache(toks[None], names_filter=[hu, hd])
            lat = su.encode(c[hu][0])
            rest = c[hu][0] - su.decode(lat)
            ui = (lat > 0).nonzero()
            di = (sd.encode(c[hd][0]) > 0).nonzero()

        def fn(v):
            full = lat.index_put((ui[:, 0], ui[:, 1]), v)
            xx = su.decode(full) + (rest if with_err else 0.0 * rest)
            box = {}
            m.run_with_hooks(toks[None], fwd_hooks=[(hu, lambda a, hook: xx[None]),
                                                    (hd, lambda a, hook: box.__setitem__("x", a[0]))])
            return sd.encode(box["x"])[di[:, 0], di[:, 1]]
        jac = torch.autograd.functional.jacobian(fn, lat[ui[:, 0], ui[:, 1]], strategy="forward-mode", vectorize=True)
        return jac.detach(), ui, di

    model.reset_hooks()
    cases = []
    for k, (seed, n) in enumerate([(21, 14)]):
        toks = _ztk(2, n, split="test", seed=seed, model=model)[1].to(device)
        for with_err in (True, False):
            cases.append((toks, with_err, by_forward_mode(model, sae_up, sae_down, toks.clone(), with_err)))
    for toks, with_err, (want, ui, di) in cases:
        what = f"sparse_latent_jacobian ({toks.shape[0]} tokens, keep_error={with_err})"
        got = _plain(sparse_latent_jacobian(model, sae_up, sae_down, toks.clone(), keep_error=with_err), what)
        _at(isinstance(got, tuple) and len(got) == 3, f"{what}: return (values, up_index, down_index)")
        vals, gu, gd = (_plain(torch.as_tensor(x)) for x in got)
        _at(tuple(gu.shape) == tuple(ui.shape) and _teq(gu.long().cpu(), ui.cpu()),
            f"{what}: up_index is not the clean run's active (position, latent) pairs in nonzero() order")
        _at(tuple(gd.shape) == tuple(di.shape) and _teq(gd.long().cpu(), di.cpu()),
            f"{what}: down_index is not the clean run's active (position, latent) pairs in nonzero() order")
        _ash(vals, tuple(want.shape), f"{what}: values")
        scale = want.abs().max().item()
        _ac(vals.float(), want.float(), f"{what}: values", atol=1e-5 + 1e-3 * scale, rtol=1e-3)


_t(); del _t
### END HIDDEN TESTS

# %% [markdown]
# Most of the Jacobian's weight connects *different* positions: in the zoo the layer-0 residual stream holds little
# but the token embedding, so nearly everything block 0 does to it at a position comes through attention from other
# positions. Dropping the error term changes the derivatives by the printed relative amount although the error is a
# constant: the layer norms and the attention softmax are evaluated at the reconstruction instead of the real
# activation. That is why section 2 holds the error fixed: the gradients are then the model's own.

# %% [markdown]
# ### Exercise 2.2 — from tokens to latents, and from latents to logits
# > Difficulty: ●●○○○ · Importance: ●●●●○
#
# The same trick works at the two ends of the model.
#
# **Token → latent.** Which input tokens drive a latent? Differentiate the latent's activation at `pos` with
# respect to the token embeddings (the output of the `hook_embed` hook, $E[t_p]$ for every position $p$). This
# gives one gradient vector per position, `grads[p]` of size `d_model`. A single number per token is the
# **gradient × input** attribution
#
# $$\text{attr}[p] = \frac{\partial\, f_\ell[\text{pos}]}{\partial E[t_p]} \cdot E[t_p],$$
#
# the first-order estimate of how much the latent would drop if token $p$'s embedding were removed. Positions
# after `pos` cannot matter (attention is causal), so their gradients are zero. Differentiate the latent's
# activation (after the activation function), not its pre-activation.
#
# Take the token embedding only, not the positional one. GPT-2 adds its positional embedding (`hook_pos_embed`)
# to the residual stream, so `blocks.0.hook_resid_pre` is the sum of the two; the zoo model does not, so there
# the two hooks hold the same thing. Either way, the question is about tokens. For the zoo's `sae_up`, which
# reads the embeddings themselves, only position `pos` gets a gradient; a later SAE such as `sae_down` also
# sees earlier tokens, through attention.
#
# **Latent → logit.** Which outputs does a latent push? With the error term held fixed as in 2.1,
# differentiate the model's logits at `pos` for the tokens `token_ids` with respect to the SAE's latents
# `latents` at `pos`. Logits, not log-probabilities: we want the latent's effect on each output separately.
# The logits at `pos` are the model's prediction of the token that comes *after* position `pos`.

# %% solution id=ex02_token_to_latent
def token_to_latent_gradients(model, sae, tokens: Tensor, pos: int, latent: int) -> tuple[Tensor, Tensor]:
    """Gradient of one SAE latent's activation at ``pos`` with respect to the token embeddings.

    tokens: [seq] token ids of one prompt.
    Returns (grads, attribution): grads [seq, d_model] = d act / d hook_embed[p] for every position p,
    attribution [seq] = grads[p] · hook_embed[p] (gradient × input).
    """
    ### BEGIN SOLUTION
    hook = sae.cfg.metadata.hook_name
    store = {}

    def leaf_embed(act, hook):
        act = act.detach().requires_grad_(True)
        store["embed"] = act
        return act

    def grab(act, hook):
        store["x"] = act[0, pos]

    model.run_with_hooks(tokens.reshape(1, -1), fwd_hooks=[("hook_embed", leaf_embed), (hook, grab)])
    act = sae.encode(store["x"])[latent]
    if not act.requires_grad:
        grads = torch.zeros_like(store["embed"][0])
    else:
        grads = torch.autograd.grad(act, store["embed"])[0][0]
    return grads, (grads * store["embed"][0].detach()).sum(-1)
    ### END SOLUTION

# %% visible id=ex02_token_to_latent_visible
_pos = 12
_acts = latent_acts_at(sae_up, prompt, _pos)
_latent = int(_acts.argmax())
_g, _attr = token_to_latent_gradients(model, sae_up, prompt, _pos, _latent)
checks.assert_shape(_g, (len(prompt), model.cfg.d_model), "token_to_latent_gradients: grads")
checks.assert_shape(_attr, (len(prompt),), "token_to_latent_gradients: attribution")
checks.assert_true((_g[_pos + 1:] == 0).all(), "token_to_latent_gradients: positions after pos cannot affect the latent "
                                               "(causal attention), so their gradients must be zero")
checks.assert_true(_g[: _pos + 1].abs().sum() > 0, "token_to_latent_gradients: all gradients are zero for an active latent")
_off = int((_acts == 0).nonzero()[0, 0])
_g0, _ = token_to_latent_gradients(model, sae_up, prompt, _pos, _off)
checks.assert_true((_g0 == 0).all(), "token_to_latent_gradients: a latent that is off at pos should get zero gradients "
                                     "(differentiate the activation, after the ReLU)")
print("token_to_latent_gradients passes the visible checks.")

# %% graded id=ex02_token_to_latent_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
from sae_course.zoo import zoo_tokens as _zoo_tokens

def _ref_t2l(model, sae, tokens, pos, latent):
    st = {}
    def leaf(a, hook):
        a = a.detach().clone().requires_grad_(True)
        st["e"] = a
        return a
    model.run_with_hooks(tokens.reshape(1, -1), fwd_hooks=[("hook_embed", leaf),
                                                           (sae.cfg.metadata.hook_name, lambda a, hook: st.update(x=a))])
    v = sae.encode(st["x"][0, pos])[latent]
    g = torch.autograd.grad(v, st["e"])[0][0] if v.requires_grad else torch.zeros_like(st["e"][0])
    return g, (g * st["e"][0].detach()).sum(-1)

def _world(seed, dev):
    from sae_lens import HookedSAETransformer, StandardSAE, StandardSAEConfig
    from sae_lens.saes.sae import SAEMetadata
    from transformer_lens import HookedTransformerConfig
    cfg = HookedTransformerConfig(n_layers=2, d_model=24, n_heads=2, d_head=12, d_mlp=48, n_ctx=20, d_vocab=40,
                                  act_fn="gelu_new", normalization_type="LNPre", seed=seed, device=str(dev))
    m = HookedSAETransformer(cfg)
    for p in m.parameters():
        p.requires_grad_(False)
    g = torch.Generator().manual_seed(int(seed))
    s = StandardSAE(StandardSAEConfig(d_in=24, d_sae=32, device=str(dev),
                                      metadata=SAEMetadata(hook_name="blocks.1.hook_resid_pre")))
    with torch.no_grad():
        for p in s.parameters():
            p.copy_(torch.randn(p.shape, generator=g).to(dev) * (0.5 if p.ndim == 2 else 0.05))
    for p in s.parameters():
        p.requires_grad_(False)
    return m, s, torch.randint(0, 40, (14,), generator=g).to(dev)

def _cases(model, sae, toks, pos):
    with torch.no_grad():
        _, c = model.run_with_cache(toks.reshape(1, -1), names_filter=sae.cfg.metadata.hook_name)
        a = sae.encode(c[sae.cfg.metadata.hook_name][0, pos])
    on = (a > 0).nonzero()[:, 0]
    on = on[a[on].argsort(descending=True)]
    return [int(on[0]), int(on[min(2, len(on) - 1)]), int((a == 0).nonzero()[0, 0])]

model.reset_hooks()
model.reset_saes()
_worlds = [(*_world(21, device), 9), (*_world(22, device), 5)]
_t = _zoo_tokens(2, 32, split="test", seed=6, model=model)[0].to(device)
_worlds += [(model, sae_up, _t, 17), (model, sae_down, _t, 26)]
for _m, _s, _toks, _pos in _worlds:
    for _lat in _cases(_m, _s, _toks, _pos):
        _rg, _ra = _ref_t2l(_m, _s, _toks, _pos, _lat)
        _g, _a = token_to_latent_gradients(_m, _s, _toks, _pos, _lat)
        _what = f"token_to_latent_gradients (latent {_lat} at pos {_pos}, d_model={_m.cfg.d_model})"
        _chk.assert_close(_g, _rg, _what + ": grads", atol=1e-6 + 1e-3 * _rg.abs().max().item(), rtol=1e-3)
        _chk.assert_close(_a, _ra, _what + ": attribution", atol=1e-6 + 1e-3 * _ra.abs().max().item(), rtol=1e-3)
### END HIDDEN TESTS

# %% [markdown]
# Now the other end: `latent_to_logit_gradients`. It is the recipe of exercise 2.1 with the logits in place of
# the downstream SAE.

# %% solution id=ex02_latent_to_logit
def latent_to_logit_gradients(model, sae, tokens: Tensor, pos: int, latents, token_ids) -> Tensor:
    """Jacobian of the logits at ``pos`` with respect to the SAE's latents at ``pos`` (error term held fixed).

    tokens: [seq] token ids of one prompt.  latents: [n_latents] latent ids.  token_ids: [n_tokens] vocab ids.
    Returns [n_tokens, n_latents]: entry [i, j] = d logits[pos, token_ids[i]] / d latent latents[j].
    """
    ### BEGIN SOLUTION
    hook = sae.cfg.metadata.hook_name
    toks = tokens.reshape(1, -1)
    latents = torch.as_tensor(latents, device=toks.device)
    token_ids = torch.as_tensor(token_ids, device=toks.device)
    with torch.no_grad():
        _, cache = model.run_with_cache(toks, names_filter=hook)
        x = cache[hook][0]
        acts = sae.encode(x)
        error = x - sae.decode(acts)

    def logits_of(chosen: Tensor) -> Tensor:
        new_acts = acts.clone()
        new_acts[pos, latents] = chosen
        new_x = sae.decode(new_acts) + error
        logits = model.run_with_hooks(toks, fwd_hooks=[(hook, lambda act, hook: new_x.unsqueeze(0).to(act.dtype))])
        return logits[0, pos, token_ids]

    return torch.autograd.functional.jacobian(logits_of, acts[pos, latents])
    ### END SOLUTION

# %% visible id=ex02_latent_to_logit_visible
_pos = 12
_lats = latent_acts_at(sae_down, prompt, _pos).topk(3).indices
_toks = torch.tensor([1, 5, 7, 9], device=device)
_G = latent_to_logit_gradients(model, sae_down, prompt, _pos, _lats, _toks)
checks.assert_shape(_G, (4, 3), "latent_to_logit_gradients output for 4 tokens and 3 latents")
checks.assert_true(torch.isfinite(_G).all() and _G.abs().sum() > 0,
                   "latent_to_logit_gradients: expected finite, non-zero gradients")
# A finite-difference check on the first latent: nudge the residual stream a little along its decoder
# direction, both ways, and watch the logits.
with torch.no_grad():
    _h = sae_down.cfg.metadata.hook_name
    _e = torch.zeros(sae_down.cfg.d_sae, device=device)
    _e[_lats[0]] = 1.0
    _dir = sae_down.decode(_e) - sae_down.decode(torch.zeros_like(_e))
    _eps = 1e-2
    def _nudge(act, hook, s):
        act = act.clone()
        act[0, _pos] += s * _eps * _dir
        return act
    _lp = model.run_with_hooks(prompt[None], fwd_hooks=[(_h, lambda a, hook: _nudge(a, hook, 1.0))])[0, _pos, _toks]
    _lm = model.run_with_hooks(prompt[None], fwd_hooks=[(_h, lambda a, hook: _nudge(a, hook, -1.0))])[0, _pos, _toks]
checks.assert_close(_G[:, 0], (_lp - _lm) / (2 * _eps), "first column compared with a finite difference",
                    atol=1e-3 + 0.02 * _G.abs().max().item(), rtol=0.05)
print("latent_to_logit_gradients passes the visible checks.")

# %% graded id=ex02_latent_to_logit_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
from sae_course.zoo import zoo_tokens as _zoo_tokens

def _ref_l2logit(model, sae, tokens, pos, lats, tids):
    h = getattr(sae.cfg.metadata, "hook_name")
    t = tokens.reshape(1, -1)
    with torch.no_grad():
        _, c = model.run_with_cache(t, names_filter=h)
        x = c[h][0]
        f = sae.encode(x)
        err = x - sae.decode(f)
    v = f[pos, lats].clone().requires_grad_(True)
    ff = f.clone()
    ff[pos, lats] = v
    xx = sae.decode(ff) + err
    out = model.run_with_hooks(t, fwd_hooks=[(h, lambda a, hook: xx[None].to(a.dtype))])[0, pos, tids]
    return torch.stack([torch.autograd.grad(out[i], v, retain_graph=True)[0] for i in range(len(tids))])

def _world(seed, dev):
    from sae_lens import HookedSAETransformer, StandardSAE, StandardSAEConfig
    from sae_lens.saes.sae import SAEMetadata
    from transformer_lens import HookedTransformerConfig
    cfg = HookedTransformerConfig(n_layers=3, d_model=24, n_heads=2, d_head=12, d_mlp=48, n_ctx=20, d_vocab=40,
                                  act_fn="gelu_new", normalization_type="LNPre", seed=seed, device=str(dev))
    m = HookedSAETransformer(cfg)
    for p in m.parameters():
        p.requires_grad_(False)
    g = torch.Generator().manual_seed(int(seed))
    s = StandardSAE(StandardSAEConfig(d_in=24, d_sae=32, device=str(dev),
                                      metadata=SAEMetadata(hook_name="blocks.1.hook_resid_pre")))
    with torch.no_grad():
        s.W_enc.copy_(torch.randn(24, 32, generator=g).to(dev) * 0.5)
        s.W_dec.copy_(torch.randn(32, 24, generator=g).to(dev) * 0.1)
        s.b_enc.copy_(torch.randn(32, generator=g).to(dev) * 0.05)
        s.b_dec.copy_(torch.randn(24, generator=g).to(dev) * 0.05)
    for p in s.parameters():
        p.requires_grad_(False)
    return m, s, torch.randint(0, 40, (15,), generator=g).to(dev)

model.reset_hooks()
model.reset_saes()
_gen = torch.Generator().manual_seed(23)
_t = _zoo_tokens(2, 32, split="test", seed=7, model=model)[1].to(device)
_cases = [(*_world(24, device), 8), (*_world(25, device), 13), (model, sae_down, _t, 21), (model, sae_up, _t, 9)]
for _m, _s, _toks, _pos in _cases:
    with torch.no_grad():
        _, _c = _m.run_with_cache(_toks[None], names_filter=_s.cfg.metadata.hook_name)
        _a = _s.encode(_c[_s.cfg.metadata.hook_name][0, _pos])
    _on = (_a > 0).nonzero()[:, 0]
    _on = _on[_a[_on].argsort(descending=True)][:3]
    _lats = torch.cat([_on, (_a == 0).nonzero()[:4 - len(_on), 0]])  # distinct ids: active ones, then off ones
    _tids = torch.randperm(_m.cfg.d_vocab, generator=_gen)[:5].to(device)
    _ref = _ref_l2logit(_m, _s, _toks, _pos, _lats, _tids)
    _got = latent_to_logit_gradients(_m, _s, _toks, _pos, _lats, _tids)
    _chk.assert_close(_got, _ref, f"latent_to_logit_gradients (pos {_pos}, d_model={_m.cfg.d_model})",
                      atol=1e-5 + 1e-3 * _ref.abs().max().item(), rtol=1e-3)
### END HIDDEN TESTS

# %% [markdown]
# Below: which tokens of the prompt drive the most active latent of `sae_down` at one position, by
# gradient × input. Often the current token dominates, with a few earlier tokens contributing through
# attention. Then the same latent's effect on the logits: the full gradient through the later layers,
# compared with the *direct path* $W_\text{dec}[i]\,W_U$ that skips them.

# %% code
_pos = 30
_latent = int(latent_acts_at(sae_down, prompt, _pos).argmax())
_g, _attr = token_to_latent_gradients(model, sae_down, prompt, _pos, _latent)
_labels = [f"{i}:{s}" for i, s in enumerate(tok_strs(prompt[: _pos + 1]))]
plots.bars(_attr[: _pos + 1], labels=_labels, title=f"gradient × input for layer-{L_DOWN} latent {_latent} at position {_pos}",
           xlabel="position:token", ylabel="attribution").show()
# One backward pass per token would be slow for a large vocabulary, so take 30 candidate tokens: those the
# latent's decoder direction pushes most when it goes straight to the unembedding (the "direct path"),
# special tokens left out.
with torch.no_grad():
    _direct = sae_down.W_dec[_latent] @ model.W_U
    _size = _direct.abs()
    _size[_SPECIAL_IDS] = -1.0
_cands = _size.topk(30).indices
_G = latent_to_logit_gradients(model, sae_down, prompt, _pos, torch.tensor([_latent], device=device), _cands)[:, 0]
_order = _G.argsort(descending=True)
print("candidates whose logits the latent raises most:", tok_strs(_cands[_order[:6]]))
print("candidates whose logits it lowers most:        ", tok_strs(_cands[_order.flip(0)[:6]]))
_r = np.corrcoef(_G.cpu().numpy(), _direct[_cands].cpu().numpy())[0, 1]
print(f"correlation between the full gradient and the direct path on these tokens: {_r:.2f}")

# %% [markdown]
# ## Part 2 — Reading the connections
#
# A Jacobian entry says how much a downstream latent moves *per unit* of an upstream latent. To ask how much
# an upstream latent actually contributed on this prompt, scale by how active it is. The **attribution**
#
# $$A_{ij} = J_{ij}\; f_{u_j}[\text{pos}]$$
#
# is the first-order estimate of how much downstream latent $d_i$ would drop if upstream latent $u_j$ were
# switched off (set to zero), everything else held fixed.
#
# ### Exercise 2.3 — attribution heatmap and top pairs
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# Write `latent_connections`: take the `k` most active upstream latents and the `k` most active downstream
# latents at `pos` (in the clean run, each sorted from most to least active), compute the Jacobian between
# them with your `latent_to_latent_jacobian`, and return the attribution matrix together with the two lists of
# latent ids.
#
# Then write `top_pairs`: the `n` entries of an attribution matrix with the largest *absolute* value, as
# `(down_id, up_id, value)` tuples, largest first. Negative attributions (an upstream latent that *suppresses*
# a downstream one) matter as much as positive ones.

# %% solution id=ex03_connections
def latent_connections(model, sae_up, sae_down, tokens: Tensor, pos: int, k: int) -> tuple[Tensor, Tensor, Tensor]:
    """Attribution between the k most active upstream and downstream latents at ``pos``.

    Returns (attr [k, k], down_ids [k], up_ids [k]) with attr[i, j] = J[i, j] * act_up[up_ids[j]];
    up_ids / down_ids are sorted by activation at pos, largest first.
    """
    ### BEGIN SOLUTION
    hook_up, hook_down = sae_up.cfg.metadata.hook_name, sae_down.cfg.metadata.hook_name
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens.reshape(1, -1), names_filter=[hook_up, hook_down])
        acts_up = sae_up.encode(cache[hook_up][0, pos])
        acts_down = sae_down.encode(cache[hook_down][0, pos])
    up_ids = acts_up.topk(k).indices
    down_ids = acts_down.topk(k).indices
    jac = latent_to_latent_jacobian(model, sae_up, sae_down, tokens, pos, up_ids, down_ids)
    return jac * acts_up[up_ids], down_ids, up_ids
    ### END SOLUTION


def top_pairs(attr: Tensor, down_ids: Tensor, up_ids: Tensor, n: int) -> list[tuple[int, int, float]]:
    """The n largest-magnitude entries of attr [n_down, n_up] as (down_id, up_id, value), largest |value| first."""
    ### BEGIN SOLUTION
    order = attr.flatten().abs().argsort(descending=True)[:n]
    pairs = []
    for idx in order.tolist():
        i, j = divmod(idx, attr.shape[1])
        pairs.append((int(down_ids[i]), int(up_ids[j]), float(attr[i, j])))
    return pairs
    ### END SOLUTION

# %% visible id=ex03_connections_visible
_attr, _down, _up = latent_connections(model, sae_up, sae_down, prompt, 15, 4)
checks.assert_shape(_attr, (4, 4), "latent_connections: attr")
checks.assert_shape(_down, (4,), "latent_connections: down_ids")
checks.assert_shape(_up, (4,), "latent_connections: up_ids")
_a_up = latent_acts_at(sae_up, prompt, 15)
checks.assert_true((_a_up[_up][:-1] >= _a_up[_up][1:]).all(), "latent_connections: up_ids should be sorted, most active first")
_toy = torch.tensor([[0.5, -2.0, 0.1], [1.5, 0.0, -0.7]])
_pairs = top_pairs(_toy, torch.tensor([10, 11]), torch.tensor([20, 21, 22]), 2)
checks.assert_true(len(_pairs) == 2 and all(len(p) == 3 for p in _pairs), "top_pairs: expected 2 tuples of 3 items")
checks.assert_true(_pairs[0][:2] == (10, 21), "top_pairs: on a small example the first pair is not the one with the largest |value|")
print("latent_connections and top_pairs pass the visible checks.")

# %% graded id=ex03_connections_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
from sae_course.zoo import zoo_tokens as _zoo_tokens

def _ref_jac(model, sae_up, sae_down, tokens, pos, up, down):
    h_up, h_down = sae_up.cfg.metadata.hook_name, sae_down.cfg.metadata.hook_name
    t = tokens.reshape(1, -1)
    with torch.no_grad():
        _, c = model.run_with_cache(t, names_filter=h_up)
        x = c[h_up][0]
        f = sae_up.encode(x)
        err = x - sae_up.decode(f)
    v = f[pos, up].clone().requires_grad_(True)
    ff = f.clone()
    ff[pos, up] = v
    xx = sae_up.decode(ff) + err
    st = {}
    model.run_with_hooks(t, fwd_hooks=[(h_up, lambda a, hook: xx[None].to(a.dtype)),
                                       (h_down, lambda a, hook: st.update(y=a[0, pos]))])
    g = sae_down.encode(st["y"])[down]
    rows = [torch.autograd.grad(g[i], v, retain_graph=True, allow_unused=True)[0] for i in range(len(down))]
    return torch.stack([r if r is not None else torch.zeros_like(v) for r in rows]), f[pos]

def _world(seed, dev):
    from sae_lens import HookedSAETransformer, StandardSAE, StandardSAEConfig
    from sae_lens.saes.sae import SAEMetadata
    from transformer_lens import HookedTransformerConfig
    cfg = HookedTransformerConfig(n_layers=2, d_model=24, n_heads=2, d_head=12, d_mlp=48, n_ctx=20, d_vocab=40,
                                  act_fn="gelu_new", normalization_type="LNPre", seed=seed, device=str(dev))
    m = HookedSAETransformer(cfg)
    for p in m.parameters():
        p.requires_grad_(False)
    g = torch.Generator().manual_seed(int(seed))
    saes = []
    for layer, d_sae in [(0, 30), (1, 26)]:
        s = StandardSAE(StandardSAEConfig(d_in=24, d_sae=d_sae, device=str(dev),
                                          metadata=SAEMetadata(hook_name=f"blocks.{layer}.hook_resid_pre")))
        with torch.no_grad():
            s.W_enc.copy_(torch.randn(24, d_sae, generator=g).to(dev) * 0.5)
            s.W_dec.copy_(torch.randn(d_sae, 24, generator=g).to(dev) * 0.2)
            s.b_enc.copy_(torch.randn(d_sae, generator=g).to(dev) * 0.05)
            s.b_dec.copy_(torch.randn(24, generator=g).to(dev) * 0.05)
        for p in s.parameters():
            p.requires_grad_(False)
        saes.append(s)
    return m, saes[0], saes[1], torch.randint(0, 40, (16,), generator=g).to(dev)

model.reset_hooks()
model.reset_saes()
_t = _zoo_tokens(2, 40, split="test", seed=8, model=model)[0].to(device)
# Small random models (many latents on at once), then the course model and its SAEs.
_cases = [(*_world(32, device), 7), (*_world(33, device), 12), (model, sae_up, sae_down, _t, 11),
          (model, sae_up, sae_down, _t, 33)]
for _m, _su, _sd, _toks, _pos in _cases:
    with torch.no_grad():
        _, _c = _m.run_with_cache(_toks[None])
        _a = _su.encode(_c[_su.cfg.metadata.hook_name][0, _pos])
        _b = _sd.encode(_c[_sd.cfg.metadata.hook_name][0, _pos])
    _k = int(min(5, (_a > 0).sum(), (_b > 0).sum()))  # only latents that are on, so the order is well defined
    _up, _down = _a.topk(_k).indices, _b.topk(_k).indices
    _J, _f = _ref_jac(_m, _su, _sd, _toks, _pos, _up, _down)
    _attr, _gd, _gu = latent_connections(_m, _su, _sd, _toks, _pos, _k)
    _where = f"pos {_pos}, d_model={_m.cfg.d_model}"
    _chk.assert_true([int(i) for i in _gu] == _up.tolist(), f"latent_connections ({_where}): up_ids are not the {_k} most active upstream latents, most active first")
    _chk.assert_true([int(i) for i in _gd] == _down.tolist(), f"latent_connections ({_where}): down_ids are not the {_k} most active downstream latents, most active first")
    _ref = _J * _f[_up]
    _chk.assert_close(_attr, _ref, f"latent_connections: attribution matrix ({_where})",
                      atol=1e-5 + 1e-3 * _ref.abs().max().item(), rtol=1e-3)
### END HIDDEN TESTS

# %% graded id=ex03_connections_test2 points=1
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

_g = torch.Generator().manual_seed(31)
for _nd, _nu, _n in [(3, 5, 4), (6, 2, 7), (4, 4, 16)]:
    _A = torch.randn(_nd, _nu, generator=_g)
    _dids = torch.randperm(100, generator=_g)[:_nd]
    _uids = torch.randperm(100, generator=_g)[:_nu] + 100
    _order = _A.flatten().abs().argsort(descending=True)[:_n].tolist()
    _ref = [(int(_dids[i // _nu]), int(_uids[i % _nu]), float(_A.flatten()[i])) for i in _order]
    _got = top_pairs(_A, _dids, _uids, _n)
    _chk.assert_true(len(_got) == len(_ref), f"top_pairs on a {_nd}x{_nu} matrix with n={_n}: expected {len(_ref)} pairs, got {len(_got)}")
    _chk.assert_true([(int(a), int(b)) for a, b, _ in _got] == [(a, b) for a, b, _ in _ref],
                     f"top_pairs on a {_nd}x{_nu} matrix with n={_n}: the (down_id, up_id) pairs or their order are wrong")
    _chk.assert_close(torch.tensor([float(v) for _, _, v in _got]), torch.tensor([v for _, _, v in _ref]),
                      f"top_pairs on a {_nd}x{_nu} matrix: the values (keep their sign)")
### END HIDDEN TESTS

# %% code
_pos = 25
_attr, _down, _up = latent_connections(model, sae_up, sae_down, prompt, _pos, 10)
# Upstream latents that are off contribute nothing (their activation is 0): show only those that are on.
_on = latent_acts_at(sae_up, prompt, _pos)[_up] > 0
_attr, _up = _attr[:, _on], _up[_on]
plots.heatmap(_attr, x=[f"up {i}" for i in _up.tolist()], y=[f"down {i}" for i in _down.tolist()],
              title=f"attribution J·f from layer {L_UP} to layer {L_DOWN} latents at position {_pos}",
              xlabel=f"layer {L_UP} latent (most active first)", ylabel=f"layer {L_DOWN} latent (most active first)").show()
for _d, _u, _v in top_pairs(_attr, _down, _up, 5):
    print(f"up {_u:6d} -> down {_d:6d}: {_v:+.3f}")

# %% [markdown]
# **Is the linear picture right?** The attribution is a first-order estimate. The cell below checks it for the
# five strongest pairs: it switches off the upstream latent (error term fixed, as always) and measures how much
# the downstream latent really changes. Nonlinear layers (attention, the MLP, the layer norm) make the two
# disagree when the change is large, and a downstream ReLU cannot go below zero, so a predicted drop larger than
# the latent's own activation is a sure sign that the linear picture has broken down. In the zoo, switching off
# one of the few latents that encode the current token removes a large part of the residual stream, so expect
# the estimate to be rough.

# %% code
_h_up, _h_down = sae_up.cfg.metadata.hook_name, sae_down.cfg.metadata.hook_name
with torch.no_grad():
    _, _c = model.run_with_cache(prompt[None], names_filter=[_h_up, _h_down])
    _x = _c[_h_up][0]
    _f = sae_up.encode(_x)
    _err = _x - sae_up.decode(_f)
    _g_clean = sae_down.encode(_c[_h_down][0, _pos])
for _d, _u, _v in top_pairs(_attr, _down, _up, 5):
    with torch.no_grad():
        _f_off = _f.clone()
        _f_off[_pos, _u] = 0.0
        _x_off = sae_up.decode(_f_off) + _err
        _st = {}
        model.run_with_hooks(prompt[None], fwd_hooks=[(_h_up, lambda a, hook: _x_off[None].to(a.dtype)),
                                                      (_h_down, lambda a, hook: _st.update(y=a[0, _pos]))])
        _after = sae_down.encode(_st["y"])[_d].item()
    _before = _g_clean[_d].item()
    print(f"up {_u:6d} off: down {_d:6d} goes {_before:6.3f} -> {_after:6.3f} "
          f"(change {_after - _before:+.3f}; the attribution predicted {-_v:+.3f})")

# %% [markdown]
# ## Part 3 — Transcoders
#
# An MLP layer is the hard part of a circuit: its neurons are polysemantic and its nonlinearity mixes
# everything. A **transcoder** replaces it with something readable. It has the shape of an SAE, but it reads
# the MLP's input and is trained to predict the MLP's *output*:
#
# $$z = \mathrm{ReLU}(x_\text{in} W_\text{enc} + b_\text{enc}), \qquad \hat y = z\, W_\text{dec} + b_\text{dec}
# \approx \mathrm{MLP}(x_\text{in}).$$
#
# In SAELens a transcoder is a `Transcoder` (a kind of `SAE`) whose config names two hooks:
# `cfg.metadata.hook_name` is where it reads (the MLP's input, after the layer norm) and
# `cfg.metadata.hook_name_out` is where its prediction belongs (`blocks.L.hook_mlp_out`). `transcoder(x)`
# returns $\hat y$; `transcoder.encode(x)` the latents $z$.
#
# Two things make transcoders handy for circuits. Each latent's *input* side is a fixed direction in the
# residual stream (a column of $W_\text{enc}$) and its *output* side is another (a row of $W_\text{dec}$), so
# connections between transcoder latents in different layers can be read off the weights (exercises 2.5–2.6).
# And when the transcoder replaces the MLP, the latents are the MLP's whole story, apart from the reconstruction
# error.
#
# ### Exercise 2.4 — running a transcoder in place of the MLP
# > Difficulty: ●●○○○ · Importance: ●●●●○
#
# `run_with_transcoder` runs the model on `tokens` ([batch, seq]) with the MLP output at the transcoder's layer
# replaced by the transcoder's prediction from the MLP input *of the same forward pass*, and returns the logits.
# Use two hooks: one that saves the activation at `hook_name`, one at `hook_name_out` that returns the
# transcoder's output instead of the MLP's.
#
# `transcoder_fidelity` then measures how good the replacement is, on the same tokens:
# * `explained_variance`: $1 - \sum \lVert y - \hat y\rVert^2 / \sum \lVert y - \bar y\rVert^2$, sums over every
#   token of every sequence, with $y$ the clean MLP output, $\hat y$ the transcoder's prediction from the clean
#   MLP input, and $\bar y$ the mean of $y$ over all tokens;
# * `ce_clean`, `ce_spliced`, `ce_ablated`: the mean next-token cross-entropy (what
#   `model(tokens, return_type="loss")` returns) of the clean model, of the model with the transcoder spliced
#   in, and of the model with that MLP's output set to zero;
# * `ce_recovered`: $(\text{ce\_ablated} - \text{ce\_spliced}) / (\text{ce\_ablated} - \text{ce\_clean})$,
#   1 when the transcoder is as good as the MLP, 0 when it is no better than deleting it.
#
# Return plain Python floats.

# %% solution id=ex04_transcoder
def run_with_transcoder(model, transcoder, tokens: Tensor) -> Tensor:
    """Logits [batch, seq, d_vocab] of the model with the transcoder's layer's MLP output replaced by the transcoder."""
    ### BEGIN SOLUTION
    hook_in, hook_out = transcoder.cfg.metadata.hook_name, transcoder.cfg.metadata.hook_name_out
    store = {}

    def grab(act, hook):
        store["x"] = act

    def replace(act, hook):
        return transcoder(store["x"]).to(act.dtype)

    return model.run_with_hooks(tokens, fwd_hooks=[(hook_in, grab), (hook_out, replace)])
    ### END SOLUTION


def transcoder_fidelity(model, transcoder, tokens: Tensor) -> dict:
    """tokens: [batch, seq]. Returns a dict of floats: explained_variance, ce_clean, ce_spliced, ce_ablated, ce_recovered."""
    ### BEGIN SOLUTION
    hook_in, hook_out = transcoder.cfg.metadata.hook_name, transcoder.cfg.metadata.hook_name_out

    def ce(logits):
        logp = logits[:, :-1].log_softmax(-1)
        return -logp.gather(-1, tokens[:, 1:, None]).mean().item()

    with torch.no_grad():
        logits, cache = model.run_with_cache(tokens, names_filter=[hook_in, hook_out])
        y = cache[hook_out].reshape(-1, cache[hook_out].shape[-1])
        y_hat = transcoder(cache[hook_in]).reshape(y.shape)
        ev = 1 - (y - y_hat).pow(2).sum() / (y - y.mean(0)).pow(2).sum()
        clean = ce(logits)
        spliced = ce(run_with_transcoder(model, transcoder, tokens))
        ablated = ce(model.run_with_hooks(tokens, fwd_hooks=[(hook_out, lambda act, hook: torch.zeros_like(act))]))
    return {
        "explained_variance": float(ev),
        "ce_clean": clean,
        "ce_spliced": spliced,
        "ce_ablated": ablated,
        "ce_recovered": (ablated - spliced) / (ablated - clean),
    }
    ### END SOLUTION

# %% visible id=ex04_transcoder_visible
_b = prompts[:2]
with torch.no_grad():
    _logits = run_with_transcoder(model, tc_early, _b)
checks.assert_shape(_logits, (2, _b.shape[1], model.cfg.d_vocab), "run_with_transcoder: logits")
checks.assert_true(torch.isfinite(_logits).all(), "run_with_transcoder: the logits have NaN or inf values")
with torch.no_grad():
    _clean = model(_b)
checks.assert_true((_logits - _clean).abs().max() > 0, "run_with_transcoder: the logits equal the clean model's; is the MLP output replaced?")
_fid = transcoder_fidelity(model, tc_early, _b)
checks.assert_true(set(_fid) >= {"explained_variance", "ce_clean", "ce_spliced", "ce_ablated", "ce_recovered"},
                   "transcoder_fidelity: some keys are missing")
checks.assert_scalar_close(_fid["ce_clean"], model(_b, return_type="loss").item(), "transcoder_fidelity: ce_clean", atol=1e-4)
checks.assert_true(_fid["explained_variance"] <= 1.0, "transcoder_fidelity: explained variance cannot exceed 1")
print("run_with_transcoder and transcoder_fidelity pass the visible checks.")
print({k: round(v, 3) for k, v in _fid.items()})

# %% graded id=ex04_transcoder_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
from sae_course.zoo import zoo_tokens as _zoo_tokens

def _ref_tc_logits(model, tc, toks):
    hi, ho = tc.cfg.metadata.hook_name, tc.cfg.metadata.hook_name_out
    with torch.no_grad():
        _, c = model.run_with_cache(toks, names_filter=hi)
        y_hat = tc.decode(tc.encode(c[hi]))
        return model.run_with_hooks(toks, fwd_hooks=[(ho, lambda a, hook: y_hat.to(a.dtype))])

def _world(seed, dev):
    from sae_lens import HookedSAETransformer
    from sae_lens.saes.sae import SAEMetadata
    from sae_lens.saes.transcoder import Transcoder, TranscoderConfig
    from transformer_lens import HookedTransformerConfig
    cfg = HookedTransformerConfig(n_layers=2, d_model=24, n_heads=2, d_head=12, d_mlp=48, n_ctx=20, d_vocab=40,
                                  act_fn="gelu_new", normalization_type="LNPre", seed=seed, device=str(dev))
    m = HookedSAETransformer(cfg)
    g = torch.Generator().manual_seed(int(seed))
    tc = Transcoder(TranscoderConfig(d_in=24, d_out=24, d_sae=40, device=str(dev), apply_b_dec_to_input=False,
                                     metadata=SAEMetadata(hook_name="blocks.1.ln2.hook_normalized",
                                                          hook_name_out="blocks.1.hook_mlp_out")))
    with torch.no_grad():
        for p in tc.parameters():
            p.copy_(torch.randn(p.shape, generator=g).to(dev) * (0.3 if p.ndim == 2 else 0.1))
    return m, tc, torch.randint(0, 40, (3, 16), generator=g).to(dev)

model.reset_hooks()
model.reset_saes()
_t = _zoo_tokens(3, 32, split="test", seed=10, model=model).to(device)
for _m, _tc, _toks in [_world(41, device), (model, tc_early, _t), (model, tc_late, _t)]:
    with torch.no_grad():
        _got = run_with_transcoder(_m, _tc, _toks)
    _ref = _ref_tc_logits(_m, _tc, _toks)
    _chk.assert_close(_got, _ref, f"run_with_transcoder logits (transcoder at {_tc.cfg.metadata.hook_name})",
                      atol=1e-4 + 1e-4 * _ref.abs().max().item(), rtol=1e-4)
### END HIDDEN TESTS

# %% graded id=ex04_transcoder_test2 points=1
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
from sae_course.zoo import zoo_tokens as _zoo_tokens

def _ref_fid(model, tc, toks):
    hi, ho = tc.cfg.metadata.hook_name, tc.cfg.metadata.hook_name_out
    with torch.no_grad():
        _, c = model.run_with_cache(toks, names_filter=[hi, ho])
        y = c[ho].flatten(0, -2).double()
        y_hat = tc.decode(tc.encode(c[hi])).flatten(0, -2).double()
        ev = 1 - ((y - y_hat) ** 2).sum() / ((y - y.mean(0)) ** 2).sum()
        clean = model(toks, return_type="loss").item()
        spliced = model.run_with_hooks(toks, return_type="loss",
                                       fwd_hooks=[(ho, lambda a, hook: tc.decode(tc.encode(c[hi])).to(a.dtype))]).item()
        ablated = model.run_with_hooks(toks, return_type="loss", fwd_hooks=[(ho, lambda a, hook: a * 0)]).item()
    return {"explained_variance": ev.item(), "ce_clean": clean, "ce_spliced": spliced, "ce_ablated": ablated,
            "ce_recovered": (ablated - spliced) / (ablated - clean)}

model.reset_hooks()
model.reset_saes()
_t = _zoo_tokens(4, 40, split="test", seed=12, model=model).to(device)
for _tc in (tc_early, tc_late):
    _ref = _ref_fid(model, _tc, _t)
    _got = transcoder_fidelity(model, _tc, _t)
    _chk.assert_true(isinstance(_got, dict), "transcoder_fidelity should return a dict")
    for _key, _val in _ref.items():
        _chk.assert_true(_key in _got, f"transcoder_fidelity: the key '{_key}' is missing")
        _chk.assert_scalar_close(_got[_key], _val, f"transcoder_fidelity['{_key}'] (transcoder at layer {_tc.cfg.metadata.hook_name})",
                                 atol=2e-4, rtol=1e-3)
### END HIDDEN TESTS

# %% [markdown]
# SAELens can do the splice for you: `HookedSAETransformer.add_sae` (and `run_with_saes`) accept a transcoder
# and wire its two hooks. With `use_error_term=True` it also adds back the transcoder's error, so the output
# is the clean model's again, which is the transcoder version of the trick from Part 1. The cell below checks
# both against your function and prints the fidelity of each transcoder.

# %% code
_b = prompts[:4]
with torch.no_grad():
    _mine = run_with_transcoder(model, tc_early, _b)
    _lib = model.run_with_saes(_b, saes=[tc_early])
    _with_err = model.run_with_saes(_b, saes=[tc_early], use_error_term=True)
    _clean = model(_b)
print("largest |difference| from SAELens's splice:          ", (_mine - _lib).abs().max().item())
print("largest |difference| with the error term vs clean:   ", (_with_err - _clean).abs().max().item())
for _name, _tc in [("tc_early", tc_early), ("tc_late", tc_late)]:
    print(_name, {k: round(v, 3) for k, v in transcoder_fidelity(model, _tc, prompts).items()})

# %% [markdown]
# ## Part 4 — Circuits from the weights
#
# ### Exercise 2.5 — de-embedding
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# The residual stream at any layer contains the current token's embedding $E[t]$, passed along unchanged by
# the residual connections. A transcoder latent with encoder column $w = W_\text{enc}[:, i]$ reads the
# residual stream through the layer norm `ln2` of its block, which centres the vector (subtracts its mean over
# `d_model`) and divides it by one scale that depends on the *whole* residual stream at that position, not on
# the token's embedding alone. So the token's *direct* contribution to the latent's pre-activation is, up to
# that shared scale,
#
# $$s_i(t) = \big(E[t] - \mathrm{mean}(E[t])\big) \cdot W_\text{enc}[:, i],$$
#
# the standard de-embedding $W_E W_\text{enc}$ with the layer norm folded in (Dunefsky et al. 2024), which
# amounts to centring only. Computed for every token of the vocabulary at once, $s_i$ is the latent's
# **de-embedding**: the tokens with the largest scores are the ones that switch it on directly, with no
# attention in between.
#
# Do *not* apply `ln2` to each embedding on its own: that rescales every token's embedding to unit RMS, which
# changes the *ranking* whenever embedding norms differ between tokens (and the runtime scale is set by the
# whole residual stream, not by the embedding).
#
# How much this direct path matters depends on how large the embedding is next to everything else in the
# residual stream. A layer-0 transcoder sees only the embedding plus one attention layer's output, so the direct
# path has its best chance there; in later layers it is one path among many. The cell after the exercise
# measures it for the loaded model: in the zoo, block 0's attention writes vectors more than ten times longer than
# the token embeddings, so even at layer 0 the de-embedding is only a rough guide.
#
# Write `de_embedding_scores`: centre the rows of `model.W_E` (shape `[d_vocab, d_model]`, mean over the last
# dimension) and multiply by the latent's encoder column `W_enc[:, latent]` (`[d_model]`). The zoo's layer
# norms have no weights (`LNPre`), and GPT-2's are folded into the next layer, so there is nothing else to
# apply. Leave out the encoder bias: it shifts every token's score equally.

# %% solution id=ex05_de_embedding
def de_embedding_scores(model, transcoder, latent: int) -> Tensor:
    """[d_vocab]: (W_E[t] - mean(W_E[t])) · W_enc[:, latent] for every token t (mean over d_model).

    model.W_E: [d_vocab, d_model]; transcoder.W_enc: [d_model, d_sae]. No layer-norm scale, no encoder bias.
    """
    ### BEGIN SOLUTION
    with torch.no_grad():
        centred = model.W_E - model.W_E.mean(-1, keepdim=True)
        return centred @ transcoder.W_enc[:, latent]
    ### END SOLUTION

# %% visible id=ex05_de_embedding_visible
_s = de_embedding_scores(model, tc_early, 0)
checks.assert_shape(_s, (model.cfg.d_vocab,), "de_embedding_scores output")
checks.assert_true(torch.isfinite(_s).all(), "de_embedding_scores: NaN or inf values")
# Adding the same number to every entry of every embedding must not change any score: the layer norm
# subtracts each vector's mean first.
_W_E = model.W_E.clone()
try:
    with torch.no_grad():
        model.W_E.add_(0.5)
    _s_shifted = de_embedding_scores(model, tc_early, 0)
finally:
    with torch.no_grad():
        model.W_E.copy_(_W_E)
checks.assert_close(_s_shifted, _s, "de_embedding_scores after adding 0.5 to every embedding entry (the centring should remove it)",
                    atol=1e-4, rtol=1e-3)
print("de_embedding_scores passes the visible checks.")

# %% graded id=ex05_de_embedding_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _ref_deemb(model, tc, latent):
    layer = int(tc.cfg.metadata.hook_name.split(".")[1])
    with torch.no_grad():
        E = model.W_E.detach().clone()
        return (E - E.mean(-1, keepdim=True)) @ tc.W_enc[:, latent].detach()

def _world(seed, dev):
    from sae_lens import HookedSAETransformer
    from sae_lens.saes.sae import SAEMetadata
    from sae_lens.saes.transcoder import Transcoder, TranscoderConfig
    from transformer_lens import HookedTransformerConfig
    cfg = HookedTransformerConfig(n_layers=2, d_model=24, n_heads=2, d_head=12, d_mlp=48, n_ctx=20, d_vocab=40,
                                  act_fn="gelu_new", normalization_type="LNPre", seed=seed, device=str(dev))
    m = HookedSAETransformer(cfg)
    g = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():  # embeddings with a common offset (the centring matters) and norms that differ by token
        m.W_E.add_(torch.randn(24, generator=g).to(dev))
        m.W_E.mul_((torch.rand(40, 1, generator=g) * 2.7 + 0.3).to(dev))
    tc = Transcoder(TranscoderConfig(d_in=24, d_out=24, d_sae=30, device=str(dev), apply_b_dec_to_input=False,
                                     metadata=SAEMetadata(hook_name="blocks.1.ln2.hook_normalized",
                                                          hook_name_out="blocks.1.hook_mlp_out")))
    with torch.no_grad():
        for p in tc.parameters():
            p.copy_(torch.randn(p.shape, generator=g).to(dev) * (0.3 if p.ndim == 2 else 0.1))
    return m, tc

_gen = torch.Generator().manual_seed(51)
_cases = [_world(52, device), (model, tc_early), (model, tc_late)]
for _m, _tc in _cases:
    _WE0 = _m.W_E.detach().clone()
    for _lat in torch.randperm(_tc.cfg.d_sae, generator=_gen)[:3].tolist():
        _ref = _ref_deemb(_m, _tc, _lat)
        _got = de_embedding_scores(_m, _tc, _lat)
        _chk.assert_true(torch.equal(_m.W_E.detach(), _WE0), "de_embedding_scores changed model.W_E (work on a copy)")
        _chk.assert_close(_got, _ref, f"de_embedding_scores (latent {_lat}, transcoder at {_tc.cfg.metadata.hook_name})",
                          atol=1e-5 + 5e-3 * _ref.abs().max().item(), rtol=1e-2)
### END HIDDEN TESTS

# %% code
with torch.no_grad():
    _hooks = ["hook_embed", f"blocks.{TC_EARLY}.hook_attn_out", tc_early.cfg.metadata.hook_name]
    _, _c = model.run_with_cache(prompts, names_filter=_hooks)
    _lat_fire = (tc_early.encode(_c[tc_early.cfg.metadata.hook_name]) > 0).float().mean((0, 1))
print(f"mean length of the token embeddings: {_c['hook_embed'][:, 1:].norm(dim=-1).mean():.2f}; "
      f"of block {TC_EARLY}'s attention output: {_c[_hooks[1]][:, 1:].norm(dim=-1).mean():.2f} (BOS left out)")
_show = ((_lat_fire > 0.005) & (_lat_fire < 0.2)).nonzero()[:4, 0].tolist()
for _lat in _show:
    _s = de_embedding_scores(model, tc_early, _lat)
    print(f"layer-{TC_EARLY} transcoder latent {_lat:5d}: top de-embedding tokens {top_tokens(_s, 8)}")

# %% [markdown]
# ### The extended embedding, and how far either de-embedding can be trusted here
#
# A later transcoder does not read the bare embedding: block 0's MLP has already added its own output to every
# token, and that output depends mostly on the token itself. The **extended embedding** folds it in: each token's
# residual stream after block 0 when attention is switched off, $E[t] + \mathrm{MLP}_0(E[t])$ (on GPT-2 the
# position-0 embedding comes along, since its positions enter the residual stream). De-embedding a layer-1
# latent through it instead of $W_E$ is the usual correction.
#
# ### Exercise 2.5b — the extended embedding
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# Return `[d_vocab, d_model]`: run every token of the vocabulary as a sequence of length one, with block 0's
# attention output replaced by zeros (hook `blocks.0.hook_attn_out`), and read `blocks.0.hook_resid_post`. Stop the
# forward pass after block 0 (`stop_at_layer=1`) and work in chunks of `chunk` tokens.

# %% solution id=ex10_extended_embedding
def extended_embedding(model, chunk: int = 4096) -> Tensor:
    """[d_vocab, d_model]: each token's residual stream after block 0, alone, with attention switched off."""
    ### BEGIN SOLUTION
    out = []
    store = {}

    def no_attention(act, hook):
        return torch.zeros_like(act)

    def keep(act, hook):
        store["x"] = act

    vocab = torch.arange(model.cfg.d_vocab, device=model.W_E.device)
    with torch.no_grad():
        for start in range(0, model.cfg.d_vocab, chunk):
            ids = vocab[start:start + chunk, None]
            model.run_with_hooks(ids, fwd_hooks=[("blocks.0.hook_attn_out", no_attention),
                                                 ("blocks.0.hook_resid_post", keep)], stop_at_layer=1)
            out.append(store["x"][:, 0])
    return torch.cat(out)
    ### END SOLUTION

# %% visible id=ex10_extended_embedding_visible
EXT_E = extended_embedding(model)
checks.assert_shape(EXT_E, (model.cfg.d_vocab, model.cfg.d_model), "extended_embedding")
checks.assert_true(torch.isfinite(EXT_E).all(), "extended_embedding: NaN or inf")
checks.assert_true((EXT_E - model.W_E).norm() > 1e-3 * model.W_E.norm(),
                   "extended_embedding: identical to W_E (where is block 0's MLP?)")

# %% graded id=ex10_extended_embedding_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
_ac, _ash, _plain = _chk.assert_close, _chk.assert_shape, _chk.plain


def _t():
    ids = torch.arange(model.cfg.d_vocab, device=model.W_E.device)[:, None]
    box = {}
    with torch.no_grad():
        ln = model.blocks[0].ln2
        mid = model.W_E[ids[:, 0]] + (model.W_pos[0] if model.cfg.positional_embedding_type == "standard" else 0.0)
        ref = torch.cat([m + model.blocks[0].mlp(ln(m[:, None]))[:, 0] for m in mid.split(2048)])
    for ch in (4096, max(7, model.cfg.d_vocab // 3)):
        got = _plain(extended_embedding(model, chunk=ch), "extended_embedding")
        _ash(got, tuple(ref.shape), f"extended_embedding (chunk={ch})")
        _ac(got, ref, f"extended_embedding (chunk={ch}): the residual stream after block 0 with attention off",
            atol=1e-4, rtol=1e-3)


_t(); del _t
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2.5c — measuring how far a de-embedding can be trusted
# > Difficulty: ●●●○○ · Importance: ●●●●○
#
# A de-embedding is a *prediction*: "this latent responds to these tokens". The corpus can check it. For a
# latent $i$ and every token $t$ that occurs often enough, compare the predicted score $s_i(t)$ with the
# latent's **measured mean activation** on the positions whose current token is $t$. Two numbers summarise the
# agreement:
#
# * **Spearman's rank correlation** between the scores and the mean activations over those tokens: the Pearson
#   correlation of their *ranks*. It is 1 when the scores order the tokens exactly as the latent does, whatever
#   their scale. Tied values (many tokens have a mean activation of exactly 0) share the average of the ranks
#   they span: values 0.0, 0.0, 0.5 get ranks 1.5, 1.5, 3.
# * **Top-$k$ overlap**: the share of the $k$ best-scoring tokens that are also among the $k$ tokens the latent
#   responds to most. This is what a reader of a de-embedding trusts: its first few tokens.
#
# Write two functions.
#
# * `rank_agreement(scores, truth, k)`: `scores` and `truth` are `[n_tokens, n_latents]`; return
#   `(rho, overlap)`, two tensors of shape `[n_latents]`, one value per column. You may use
#   `scipy.stats.spearmanr` on each column, or compute average ranks in torch (`torch.searchsorted` on the
#   sorted column counts the values below and up to each value).
# * `de_embedding_truth(model, transcoder, E, tokens, latents, k=5, min_count=5)`: run `tokens`
#   (`[batch, seq]`) through the model once and encode the transcoder's input. For every latent in `latents`
#   (ids, `[n]`) and every token id, average the latent's activation over the positions holding that token,
#   **position 0 (BOS) left out**; keep the tokens seen at least `min_count` times there. Score the same tokens
#   with the de-embedding through `E` (`[d_vocab, d_model]`: `model.W_E`, or the extended embedding), centred
#   as in 2.5, and return `rank_agreement(scores, mean_activations, k)` over the kept tokens.

# %% solution id=ex12_deemb_truth
def rank_agreement(scores: Tensor, truth: Tensor, k: int = 5) -> tuple[Tensor, Tensor]:
    """scores, truth: [n_tokens, n_latents]. Returns (rho, overlap), both [n_latents]: per column, Spearman's rank
    correlation (tied values share their average rank) and the share of the k highest scores' tokens that are
    among the k tokens with the highest truth."""
    ### BEGIN SOLUTION
    def average_ranks(x: Tensor) -> Tensor:
        cols = x.T.contiguous()
        ordered = cols.sort(-1).values
        below = torch.searchsorted(ordered, cols, right=False)
        up_to = torch.searchsorted(ordered, cols, right=True)
        return ((below + up_to + 1).double() / 2).T  # 1-based; a tied group gets the mean of its ranks

    r_s, r_t = average_ranks(scores), average_ranks(truth)
    r_s, r_t = r_s - r_s.mean(0), r_t - r_t.mean(0)
    rho = (r_s * r_t).sum(0) / (r_s.norm(dim=0) * r_t.norm(dim=0))
    best_s = scores.topk(k, dim=0).indices  # [k, n_latents]
    best_t = truth.topk(k, dim=0).indices
    hits = (best_s[:, None, :] == best_t[None, :, :]).any(1).sum(0)
    return rho.float(), hits.float() / k
    ### END SOLUTION


def de_embedding_truth(model, transcoder, E: Tensor, tokens: Tensor, latents, k: int = 5,
                       min_count: int = 5) -> tuple[Tensor, Tensor]:
    """rank_agreement between the de-embedding through E ([d_vocab, d_model], rows centred, times W_enc[:, latents])
    and the latents' mean activation per current token over tokens [batch, seq] (position 0 left out), over the
    tokens seen at least min_count times. Returns (rho, overlap), both [len(latents)]."""
    ### BEGIN SOLUTION
    latents = torch.as_tensor(latents, device=tokens.device)
    hook = transcoder.cfg.metadata.hook_name
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens, names_filter=hook)
        acts = transcoder.encode(cache[hook])[:, 1:][..., latents].flatten(0, 1)
        ids = tokens[:, 1:].flatten()
        count = torch.bincount(ids, minlength=model.cfg.d_vocab)
        total = torch.zeros(model.cfg.d_vocab, len(latents), device=acts.device).index_add_(0, ids, acts)
        kept = count >= min_count
        mean_act = total[kept] / count[kept, None]
        scores = (E - E.mean(-1, keepdim=True)) @ transcoder.W_enc[:, latents]
        return rank_agreement(scores[kept], mean_act, k)
    ### END SOLUTION

# %% visible id=ex12_deemb_truth_visible
# Known answers: scores that are an increasing function of the truth rank the tokens exactly as it does;
# reversed scores rank them backwards.
_truth = torch.rand(40, 3, generator=torch.Generator().manual_seed(0))
_rho, _ov = rank_agreement(_truth.exp() * 2.0 - 1.0, _truth, k=5)
checks.assert_shape(_rho, (3,), "rank_agreement: rho")
checks.assert_shape(_ov, (3,), "rank_agreement: overlap")
checks.assert_close(_rho, torch.ones(3), "rank_agreement: rho for scores that rank the tokens like the truth")
checks.assert_close(_ov, torch.ones(3), "rank_agreement: overlap for scores that rank the tokens like the truth")
_rho, _ov = rank_agreement(-_truth, _truth, k=5)
checks.assert_close(_rho, -torch.ones(3), "rank_agreement: rho for scores that rank the tokens backwards")
checks.assert_close(_ov, torch.zeros(3), "rank_agreement: overlap for scores that rank the tokens backwards")
# Ties: [0, 0, 1, 2] against [1, 2, 3, 4]. Average ranks 1.5, 1.5, 3, 4 against 1, 2, 3, 4.
_rho, _ = rank_agreement(torch.tensor([[1.0], [2.0], [3.0], [4.0]]), torch.tensor([[0.0], [0.0], [1.0], [2.0]]), k=1)
checks.assert_close(_rho, torch.tensor([0.9487]), "rank_agreement: rho with tied truth values (average ranks)", atol=1e-3)
_rho, _ov = de_embedding_truth(model, tc_late, model.W_E, prompts[:4], torch.arange(3), k=5, min_count=2)
checks.assert_shape(_rho, (3,), "de_embedding_truth: rho")
checks.assert_shape(_ov, (3,), "de_embedding_truth: overlap")
checks.assert_true(((_ov >= 0) & (_ov <= 1)).all(), "de_embedding_truth: an overlap is a share between 0 and 1")
print("rank_agreement and de_embedding_truth pass the visible checks.")

# %% graded id=ex12_deemb_truth_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
_ac, _at, _plain = _chk.assert_close, _chk.assert_true, _chk.plain


def _t():
    def rk(v):  # rank = number of smaller entries + (number of equal entries + 1) / 2, per column
        v = v.double()
        smaller = (v[None, :, :] < v[:, None, :]).sum(1).double()
        same = (v[None, :, :] == v[:, None, :]).sum(1).double()
        return smaller + (same + 1) / 2

    def spear(a, b):
        ua, ub = rk(a), rk(b)
        ua, ub = ua - ua.mean(0), ub - ub.mean(0)
        return (ua * ub).sum(0) / (ua.pow(2).sum(0).sqrt() * ub.pow(2).sum(0).sqrt())

    def share(a, b, kk):
        firsts = [(set(torch.argsort(a[:, j], descending=True)[:kk].tolist()),
                   set(torch.argsort(b[:, j], descending=True)[:kk].tolist())) for j in range(a.shape[1])]
        return torch.tensor([len(p & q) / kk for p, q in firsts], dtype=torch.float64)

    def ask(sc, tr, kk, what):
        got = _plain(rank_agreement(sc.clone(), tr.clone(), kk), "rank_agreement")
        _at(type(got) in (tuple, list) and len(got) == 2, f"rank_agreement ({what}): return a pair (rho, overlap)")
        return got

    gen = torch.Generator().manual_seed(121)
    # Known answers: an increasing function of the truth, then the truth reversed.
    base = torch.rand(36, 4, generator=gen)
    for sc, rho_want, ov_want, what in ((3.0 * base.pow(3) - 0.5, 1.0, 1.0, "scores that rank the tokens like the truth"),
                                        (1.0 - 4.0 * base, -1.0, 0.0, "scores that rank the tokens backwards")):
        got = ask(sc, base, 5, what)
        _ac(got[0], torch.full((4,), rho_want), f"rank_agreement: rho for {what}", atol=1e-4, rtol=0)
        _ac(got[1], torch.full((4,), ov_want), f"rank_agreement: overlap for {what}", atol=1e-6, rtol=0)
    # Seeded random cases: truths with many exact zeros (ties), noisy scores, several k.
    for n, width, kk in ((50, 5, 5), (33, 3, 3), (64, 4, 7)):
        tr = torch.relu(torch.randn(n, width, generator=gen))
        sc = tr + 0.7 * torch.randn(n, width, generator=gen)
        rho_want, ov_want = spear(sc, tr), share(sc, tr, kk)
        got = ask(sc, tr, kk, f"{n} tokens, k={kk}")
        _ac(got[0], rho_want, f"rank_agreement: Spearman's rho ({n} tokens, {width} latents, ties in the truth)",
            atol=1e-4, rtol=0)
        _ac(got[1], ov_want, f"rank_agreement: top-{kk} overlap ({n} tokens, {width} latents)", atol=1e-6, rtol=0)


globals().pop("_t")()
### END HIDDEN TESTS

# %% graded id=ex12_deemb_truth_test2 points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
from sae_course.zoo import zoo_tokens as _zoo_tokens
_ac, _at, _plain = _chk.assert_close, _chk.assert_true, _chk.plain


def _t():
    def rk(v):
        v = v.double()
        return (v[None, :, :] < v[:, None, :]).sum(1).double() + ((v[None, :, :] == v[:, None, :]).sum(1).double() + 1) / 2

    def spear(a, b):
        ua, ub = rk(a), rk(b)
        ua, ub = ua - ua.mean(0), ub - ub.mean(0)
        return (ua * ub).sum(0) / (ua.pow(2).sum(0).sqrt() * ub.pow(2).sum(0).sqrt())

    def share(a, b, kk):
        return torch.tensor([len(set(torch.argsort(a[:, j], descending=True)[:kk].tolist())
                                 & set(torch.argsort(b[:, j], descending=True)[:kk].tolist())) / kk
                             for j in range(a.shape[1])], dtype=torch.float64)

    def measured(m, tcd, emb, toks, mc, lats):
        """Per-token means of the latents lats (tokens seen >= mc times after position 0) and centred scores."""
        hk = tcd.cfg.metadata.hook_name
        with torch.no_grad():
            _, cc = m.run_with_cache(toks, names_filter=hk)
            a = tcd.encode(cc[hk])[:, 1:][..., lats].reshape(-1, len(lats)).double()
            tid = toks[:, 1:].reshape(-1)
            ok_ids = [t for t in range(m.cfg.d_vocab) if int((tid == t).sum()) >= mc]
            avg = torch.stack([a[tid == t].mean(0) for t in ok_ids])
            e = emb.detach()[ok_ids].double()
            sc = (e - e.mean(1, keepdim=True)) @ tcd.W_enc.detach()[:, lats].double()
        return sc, avg

    def clean(sc, avg, kk):
        """Columns whose k-th and (k+1)-th places are well apart in both rankings, with > k tokens that fire."""
        out = []
        for j in range(sc.shape[1]):
            gaps = []
            for v in (sc[:, j], avg[:, j]):
                top = v.sort(descending=True).values
                gaps.append(float(top[kk - 1] - top[kk]) / (float(v.abs().max()) + 1e-12))
            if min(gaps) > 1e-3 and int((avg[:, j] > 0).sum()) > kk:
                out.append(j)
        return out

    def world(seed, dev):
        from sae_lens import HookedSAETransformer
        from sae_lens.saes.sae import SAEMetadata
        from sae_lens.saes.transcoder import Transcoder, TranscoderConfig
        from transformer_lens import HookedTransformerConfig
        cfg = HookedTransformerConfig(n_layers=2, d_model=24, n_heads=2, d_head=12, d_mlp=48, n_ctx=20, d_vocab=40,
                                      act_fn="gelu_new", normalization_type="LNPre", seed=seed, device=str(dev))
        m = HookedSAETransformer(cfg)
        g = torch.Generator().manual_seed(int(seed))
        with torch.no_grad():  # a common offset, then norms that differ by token: centring them matters
            m.W_E.add_(torch.randn(24, generator=g).to(dev) * 2.0)
            m.W_E.mul_((torch.rand(40, 1, generator=g) * 2.5 + 0.5).to(dev))
        tcd = Transcoder(TranscoderConfig(d_in=24, d_out=24, d_sae=30, device=str(dev), apply_b_dec_to_input=False,
                                          metadata=SAEMetadata(hook_name="blocks.1.ln2.hook_normalized",
                                                               hook_name_out="blocks.1.hook_mlp_out")))
        with torch.no_grad():
            for p in tcd.parameters():
                p.copy_(torch.randn(p.shape, generator=g).to(dev) * (0.3 if p.ndim == 2 else 0.1))
        toks = torch.randint(1, 30, (16, 18), generator=g)
        toks[:, 0] = 39  # a token that only ever appears at position 0
        toks[0, 1:4] = torch.tensor([30, 31, 32])  # rare tokens, seen once each
        return m, tcd, toks.to(dev)

    gen = torch.Generator().manual_seed(131)
    cases = []
    m, tcd, toks = world(132, device)
    cases.append(("a small random model", m, tcd, m.W_E.detach().clone(), toks, 3, 4))
    ztoks = _zoo_tokens(24, 48, split="test", seed=41, model=model).to(device)
    with torch.no_grad():
        mid = model.W_E + (model.W_pos[0] if model.cfg.positional_embedding_type == "standard" else 0.0)
        ext = torch.cat([v + model.blocks[0].mlp(model.blocks[0].ln2(v[:, None]))[:, 0] for v in mid.split(2048)])
    cases.append(("the loaded model, raw W_E", model, tc_late, model.W_E.detach().clone(), ztoks, 5, 5))
    cases.append(("the loaded model, extended embedding", model, tc_late, ext, ztoks, 5, 5))
    refs = []
    for what, m, tcd, emb, toks, kk, mc in cases:
        pool = torch.randperm(tcd.cfg.d_sae, generator=gen)[:200].tolist()
        sc, avg = measured(m, tcd, emb, toks, mc, pool)
        cols = clean(sc, avg, kk)[:6]
        _at(len(cols) >= 2, f"(test set-up: too few usable latents for {what})")
        lats_t = torch.tensor([pool[j] for j in cols], device=toks.device)
        refs.append((what, m, tcd, emb, toks, kk, mc, lats_t, spear(sc[:, cols], avg[:, cols]), share(sc[:, cols], avg[:, cols], kk)))
    for what, m, tcd, emb, toks, kk, mc, lats_t, rho_want, ov_want in refs:
        got = _plain(de_embedding_truth(m, tcd, emb.clone(), toks.clone(), lats_t.clone(), k=kk, min_count=mc),
                     "de_embedding_truth")
        _at(type(got) in (tuple, list) and len(got) == 2, f"de_embedding_truth ({what}): return a pair (rho, overlap)")
        _ac(got[0], rho_want, f"de_embedding_truth ({what}): Spearman's rho between the de-embedding and the mean "
            "activation per token", atol=2e-3, rtol=0)
        _ac(got[1], ov_want, f"de_embedding_truth ({what}): top-{kk} overlap", atol=1e-6, rtol=0)


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ### Checkpoint 2.A — predict: which de-embedding tells the truth?
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# The next cell runs your `de_embedding_truth` on the late transcoder's 30 most often active latents, over a
# slice of the corpus, once through the raw embedding $W_E$ and once through the extended embedding of 2.5b.
# Before running it, write down two predictions. Use what you know about this model: how long block 0's
# attention outputs are next to the token embeddings (printed after 2.5), and what a later latent reads at a
# position besides the current token.
#
# * `better_de_embedding`: `"raw"` or `"extended"`, the one with the larger mean Spearman correlation
#   over the 30 latents (if the two means are within 0.01, either answer counts);
# * `raw_top5_mostly_right`: `True` if, on average over the 30 latents, at least half of the raw
#   de-embedding's five best tokens are among the five tokens the latent responds to most (mean top-5 overlap
#   at least 0.5), else `False`.
#
# The hidden test measures both on the loaded model itself.

# %% solution id=ex12_deemb_verdict
better_de_embedding = None     # your answer: "raw" or "extended"
raw_top5_mostly_right = None   # your answer: True or False
### BEGIN SOLUTION
better_de_embedding = "extended"
raw_top5_mostly_right = False
### END SOLUTION

# %% visible id=ex12_deemb_verdict_visible
checks.assert_true(better_de_embedding in ("raw", "extended"), 'better_de_embedding should be "raw" or "extended"')
checks.assert_true(type(raw_top5_mostly_right) is bool, "raw_top5_mostly_right should be True or False")
print("Predictions recorded; they are graded after the measurement below.")

# %% code
MEASURE_CORPUS = zoo_tokens(sized(full=128, ci=48), 64, split="val", seed=1, model=model).to(device)
with torch.no_grad():
    _, _c = model.run_with_cache(MEASURE_CORPUS, names_filter=tc_late.cfg.metadata.hook_name)
    _freq = (tc_late.encode(_c[tc_late.cfg.metadata.hook_name])[:, 1:] > 0).float().mean((0, 1))
MEASURE_LATENTS = _freq.topk(30).indices
AGREEMENT = {_name: de_embedding_truth(model, tc_late, _E, MEASURE_CORPUS, MEASURE_LATENTS)
             for _name, _E in [("raw W_E", model.W_E), ("extended embedding", EXT_E)]}
for _name, (_rho, _ov) in AGREEMENT.items():
    print(f"layer-{TC_LATE} transcoder, {_name:18s}: mean Spearman {_rho.nanmean():+.2f}, "
          f"top-5 overlap {_ov.mean():.0%} (over {len(MEASURE_LATENTS)} latents)")
_x, _y = (AGREEMENT[_n][0].cpu().numpy() for _n in ("raw W_E", "extended embedding"))
_fig = go.Figure([go.Scatter(x=_x, y=_y, mode="markers", name="latents",
                             text=[f"latent {i}" for i in MEASURE_LATENTS.tolist()],
                             hovertemplate="%{text}: raw %{x:.2f}, extended %{y:.2f}"),
                  go.Scatter(x=[-1, 1], y=[-1, 1], mode="lines", line=dict(dash="dot", color="grey"), name="equal")])
_fig.update_layout(title=f"layer-{TC_LATE} transcoder: Spearman of each latent's de-embedding with its measured response",
                   xaxis_title="through raw W_E", yaxis_title="through the extended embedding")
_fig.show()

# %% graded id=ex12_deemb_verdict_test points=1
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
from sae_course.config import sized as _sized
from sae_course.zoo import zoo_tokens as _zoo_tokens
_at, _plain = _chk.assert_true, _chk.plain


def _t():
    hk = tc_late.cfg.metadata.hook_name
    toks = _zoo_tokens(_sized(full=128, ci=48), 64, split="val", seed=1, model=model).to(device)
    with torch.no_grad():
        _, cc = model.run_with_cache(toks, names_filter=hk)
        every = tc_late.encode(cc[hk])[:, 1:]
        lats = (every > 0).float().mean((0, 1)).topk(30).indices
        a = every[..., lats].reshape(-1, 30).double()
        tid = toks[:, 1:].reshape(-1)
        ok_ids = [t for t in range(model.cfg.d_vocab) if int((tid == t).sum()) >= 5]
        avg = torch.stack([a[tid == t].mean(0) for t in ok_ids])
        mid = model.W_E + (model.W_pos[0] if model.cfg.positional_embedding_type == "standard" else 0.0)
        ext = torch.cat([v + model.blocks[0].mlp(model.blocks[0].ln2(v[:, None]))[:, 0] for v in mid.split(2048)])
        rhos = {}
        for nm, emb in (("raw", model.W_E), ("extended", ext)):
            e = emb[ok_ids].double()
            sc = (e - e.mean(1, keepdim=True)) @ tc_late.W_enc[:, lats].double()
            ua = (sc[None] < sc[:, None]).sum(1).double() + ((sc[None] == sc[:, None]).sum(1).double() + 1) / 2
            ub = (avg[None] < avg[:, None]).sum(1).double() + ((avg[None] == avg[:, None]).sum(1).double() + 1) / 2
            ua, ub = ua - ua.mean(0), ub - ub.mean(0)
            rhos[nm] = float(((ua * ub).sum(0) / (ua.pow(2).sum(0).sqrt() * ub.pow(2).sum(0).sqrt())).nanmean())
    either = abs(rhos["raw"] - rhos["extended"]) <= 0.01
    want = max(rhos, key=rhos.get)
    ans = _plain(better_de_embedding)
    _at(type(ans) is str and ans in ("raw", "extended"), 'better_de_embedding should be "raw" or "extended"')
    _at(either or ans == want, "better_de_embedding: that is not what the measurement on the loaded model shows "
        "(mean Spearman correlation of each de-embedding with the latents' mean activation per token)")


globals().pop("_t")()
### END HIDDEN TESTS

# %% graded id=ex12_deemb_verdict_test2 points=1
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
from sae_course.config import sized as _sized
from sae_course.zoo import zoo_tokens as _zoo_tokens
_at, _plain = _chk.assert_true, _chk.plain


def _t():
    hk = tc_late.cfg.metadata.hook_name
    toks = _zoo_tokens(_sized(full=128, ci=48), 64, split="val", seed=1, model=model).to(device)
    with torch.no_grad():
        _, cc = model.run_with_cache(toks, names_filter=hk)
        every = tc_late.encode(cc[hk])[:, 1:]
        lats = (every > 0).float().mean((0, 1)).topk(30).indices
        a = every[..., lats].reshape(-1, 30).double()
        tid = toks[:, 1:].reshape(-1)
        ok_ids = [t for t in range(model.cfg.d_vocab) if int((tid == t).sum()) >= 5]
        avg = torch.stack([a[tid == t].mean(0) for t in ok_ids])
        e = model.W_E[ok_ids].double()
        sc = (e - e.mean(1, keepdim=True)) @ tc_late.W_enc[:, lats].double()
        hits = [len(set(sc[:, j].topk(5).indices.tolist()) & set(avg[:, j].topk(5).indices.tolist())) for j in range(30)]
    share5 = sum(hits) / (5 * 30)
    either = abs(share5 - 0.5) <= 0.05
    ans = _plain(raw_top5_mostly_right)
    _at(type(ans) is bool, "raw_top5_mostly_right should be True or False")
    _at(either or ans == (share5 >= 0.5), "raw_top5_mostly_right: that is not what the measurement on the loaded model "
        "shows (mean top-5 overlap of the raw de-embedding with the tokens each latent responds to most)")


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# **What the measurement shows.** On the zoo (CI profile, measured when this was written) the raw de-embedding of
# these 30 latents barely ranks tokens the way they actually respond: mean Spearman 0.07, and on average only 3 % of
# its five best tokens are among the latent's five real favourites, so its top-5 list is mostly wrong. The extended
# embedding more than doubles the rank agreement (0.17) but still finds few of the top tokens (3 %). The full profile,
# on a corpus slice almost three times larger, gives the same picture: 0.10 and 3 % raw, 0.21 and 1 % extended.
# The reason is the one printed after 2.5: the zoo's block-0 attention writes vectors more than ten times longer than
# the token embeddings, so what a layer-1 latent reads at a position is mostly what attention brought there from
# other positions, which no function of the current token alone can predict. Folding in block 0's MLP recovers the
# part of the direct path that the raw $W_E$ misses, so the extended de-embedding is less wrong; but in this model
# neither is a reliable summary of a latent. Check a de-embedding against the corpus before trusting its top tokens.
# On GPT-2, whose token embeddings are large next to its first attention layer, the direct path carries more and
# the correction matters more.

# %% [markdown]
# ### Exercise 2.6 — pullback
# > Difficulty: ●●●○○ · Importance: ●●●●○
#
# Transcoder latents in different layers connect through the residual stream. An early latent $j$ writes the
# direction $W_\text{dec}^{\text{early}}[j]$ into it; a later latent $i$ reads the direction
# $W_\text{enc}^{\text{late}}[:, i]$. Ignoring attention and the layer norm, the strength of the connection is
# their dot product. Doing this for every early latent at once **pulls the late latent's encoder vector back**
# through the early decoder:
#
# $$p_i = \big(W_\text{dec}^{\text{early}} - \mathrm{mean}\big)\; W_\text{enc}^{\text{late}}[:, i] \in \mathbb{R}^{d_\text{sae, early}} ,$$
#
# with each decoder row centred (its mean over `d_model` subtracted), because the late layer norm removes that
# mean before the encoder sees anything: an uncentred pullback would disagree with the contributions below for
# a reason that has nothing to do with the circuit. That is the input-independent part. On a real token, early latent $j$ contributes in proportion to how active
# it is, and the late layer norm changes the picture in two ways: it subtracts the mean over `d_model` (the
# centring) and divides by the root-mean-square of the centred residual vector on this token
# (`blocks.L.ln2.hook_scale`). It does nothing else: the zoo model's layer norms have no weights of their own
# (`normalization_type="LNPre"`), and GPT-2 as loaded here has its layer-norm weights folded into the next
# layer, which gives the same form. Treating the scale as a constant of this token (it does not depend on any
# single latent much), the direct contribution of early latent $j$ to the late latent's pre-activation at `pos` is
#
# $$c_j = z^{\text{early}}_j[\text{pos}]\;\frac{\big(W_\text{dec}^{\text{early}}[j] - \mathrm{mean}(W_\text{dec}^{\text{early}}[j])\big)\cdot W_\text{enc}^{\text{late}}[:, i]}{\text{scale}^{\text{late}}[\text{pos}]}$$
#
# where $z^{\text{early}}[\text{pos}]$ are the early transcoder's latents on the clean run and the mean is over
# the `d_model` entries of the row. Write both functions.

# %% solution id=ex06_pullback
def pullback(tc_early, tc_late, latent: int) -> Tensor:
    """[d_sae_early]: centred(W_dec_early) @ W_enc_late[:, latent], the late latent's encoder vector pulled back.

    W_dec_early: [d_sae_early, d_model], each row centred over d_model; W_enc_late: [d_model, d_sae_late].
    """
    ### BEGIN SOLUTION
    with torch.no_grad():
        centred = tc_early.W_dec - tc_early.W_dec.mean(-1, keepdim=True)
        return centred @ tc_late.W_enc[:, latent]
    ### END SOLUTION


def pullback_contributions(model, tc_early, tc_late, tokens: Tensor, pos: int, latent: int) -> Tensor:
    """[d_sae_early]: each early latent's direct contribution to the late latent's pre-activation at ``pos``.

    tokens: [seq] token ids of one prompt. Uses the early latents of the clean run, the centred early decoder
    rows and the late block's ln2 scale at ``pos``.
    """
    ### BEGIN SOLUTION
    hook_in = tc_early.cfg.metadata.hook_name
    hook_scale = f"blocks.{layer_of(tc_late.cfg.metadata.hook_name)}.ln2.hook_scale"
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens.reshape(1, -1), names_filter=[hook_in, hook_scale])
        acts = tc_early.encode(cache[hook_in][0, pos])
        scale = cache[hook_scale][0, pos]
        centred = tc_early.W_dec - tc_early.W_dec.mean(-1, keepdim=True)
        return acts * (centred @ tc_late.W_enc[:, latent]) / scale
    ### END SOLUTION

# %% visible id=ex06_pullback_visible
_p = pullback(tc_early, tc_late, 0)
checks.assert_shape(_p, (tc_early.cfg.d_sae,), "pullback output")
_c = pullback_contributions(model, tc_early, tc_late, prompt, 10, 0)
checks.assert_shape(_c, (tc_early.cfg.d_sae,), "pullback_contributions output")
with torch.no_grad():
    _, _cc = model.run_with_cache(prompt[None], names_filter=tc_early.cfg.metadata.hook_name)
    _z = tc_early.encode(_cc[tc_early.cfg.metadata.hook_name][0, 10])
checks.assert_true((_c[_z == 0] == 0).all(), "pullback_contributions: an early latent that is off at pos contributes nothing")
checks.assert_true(_c[_z > 0].abs().sum() > 0, "pullback_contributions: all contributions are zero")
print("pullback and pullback_contributions pass the visible checks.")

# %% graded id=ex06_pullback_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
from sae_course.zoo import zoo_tokens as _zoo_tokens

def _ref_contrib(model, tce, tcl, toks, pos, latent):
    le = tce.cfg.metadata.hook_name
    ll = int(tcl.cfg.metadata.hook_name.split(".")[1])
    with torch.no_grad():
        _, c = model.run_with_cache(toks.reshape(1, -1))
        z = tce.encode(c[le][0, pos])
        s = c[f"blocks.{ll}.ln2.hook_scale"][0, pos]
        W = tce.W_dec
        return z * ((W - W.mean(-1, keepdim=True)) @ tcl.W_enc[:, latent]) / s

def _world(seed, dev):
    from sae_lens import HookedSAETransformer
    from sae_lens.saes.sae import SAEMetadata
    from sae_lens.saes.transcoder import Transcoder, TranscoderConfig
    from transformer_lens import HookedTransformerConfig
    cfg = HookedTransformerConfig(n_layers=3, d_model=24, n_heads=2, d_head=12, d_mlp=48, n_ctx=20, d_vocab=40,
                                  act_fn="gelu_new", normalization_type="LNPre", seed=seed, device=str(dev))
    m = HookedSAETransformer(cfg)
    g = torch.Generator().manual_seed(int(seed))
    tcs = []
    for layer, d_sae in [(0, 36), (2, 28)]:
        tc = Transcoder(TranscoderConfig(d_in=24, d_out=24, d_sae=d_sae, device=str(dev), apply_b_dec_to_input=False,
                                         metadata=SAEMetadata(hook_name=f"blocks.{layer}.ln2.hook_normalized",
                                                              hook_name_out=f"blocks.{layer}.hook_mlp_out")))
        with torch.no_grad():
            for p in tc.parameters():
                p.copy_(torch.randn(p.shape, generator=g).to(dev) * (0.3 if p.ndim == 2 else 0.1))
            tc.W_dec.add_(0.2)  # decoder rows with a non-zero mean, so that the centring matters
        tcs.append(tc)
    return m, tcs[0], tcs[1], torch.randint(0, 40, (14,), generator=g).to(dev)

_gen = torch.Generator().manual_seed(61)
_t = _zoo_tokens(2, 32, split="test", seed=13, model=model)[0].to(device)
from sae_course import guards as _guards

_snap = _guards.snapshot(model, tc_early, tc_late)  # the weights and inputs, before any student call
try:
    for _m, _tce, _tcl, _toks in [_world(62, device), (model, tc_early, tc_late, _t)]:
        for _lat in torch.randperm(_tcl.cfg.d_sae, generator=_gen)[:2].tolist():
            _ref = ((_tce.W_dec - _tce.W_dec.mean(-1, keepdim=True)) @ _tcl.W_enc[:, _lat]).detach()
            _chk.assert_close(pullback(_tce, _tcl, _lat), _ref, f"pullback (late latent {_lat})",
                              atol=1e-5 + 1e-4 * _ref.abs().max().item(), rtol=1e-4)
            for _pos in (5, 11):
                _ref = _ref_contrib(_m, _tce, _tcl, _toks, _pos, _lat)
                _got = pullback_contributions(_m, _tce, _tcl, _toks, _pos, _lat)
                _chk.assert_close(_got, _ref, f"pullback_contributions (late latent {_lat}, pos {_pos})",
                                  atol=1e-6 + 1e-3 * _ref.abs().max().item(), rtol=1e-3)
finally:
    _changed = _guards.restore(_snap)  # put them back either way
_chk.assert_true(not _changed, "pullback / pullback_contributions changed a transcoder's or the model's weights in place (centre a copy of W_dec)")
### END HIDDEN TESTS

# %% [markdown]
# The cell below takes the late latent that is most active at one position and shows the early latents that
# feed it most on that token (only early latents that are on can contribute), next to the weights-only
# pullback of those same latents. It also compares the sum of these direct contributions with the late latent's
# whole pre-activation: what is left over comes from everything else in the residual stream (the embeddings,
# the attention layers, the early transcoder's bias and its error).

# %% code
_pos = 20
with torch.no_grad():
    _, _c = model.run_with_cache(prompt[None], names_filter=tc_late.cfg.metadata.hook_name)
    _x_late = _c[tc_late.cfg.metadata.hook_name][0, _pos]
    _late = int(tc_late.encode(_x_late).argmax())
    _pre = (_x_late @ tc_late.W_enc[:, _late] + tc_late.b_enc[_late]).item()
_contrib = pullback_contributions(model, tc_early, tc_late, prompt, _pos, _late)
_pb = pullback(tc_early, tc_late, _late)
_top = _contrib.abs().topk(8).indices
_top = _top[_contrib[_top] != 0]
plots.bars(_contrib[_top], labels=[f"early {i}" for i in _top.tolist()],
           title=f"direct contributions to layer-{TC_LATE} latent {_late} at position {_pos} ('{tok_strs(prompt[_pos:_pos + 1])[0]}')",
           xlabel="early transcoder latent", ylabel="contribution to the pre-activation").show()
print(f"sum of the direct contributions of all early latents: {_contrib.sum():+.3f}; "
      f"the late latent's pre-activation: {_pre:+.3f}")
for _j in _top[:4].tolist():
    print(f"early latent {_j:5d}: contribution {_contrib[_j]:+.3f}, pullback weight {_pb[_j]:+.3f}, "
          f"de-embedding top tokens {top_tokens(de_embedding_scores(model, tc_early, _j), 5)}")

# %% [markdown]
# ## Part 5 — A blind case study
#
# Now use the tools the way an investigator would. We pick one latent of the later transcoder and describe it
# **from its circuit alone**: its de-embedding (which tokens switch it on directly), the early latents its
# encoder pulls back onto, and the logits its decoder pushes. Only after writing down a guess do we look at where
# it actually fires.
#
# ### Exercise 2.7 — the two missing measurements
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# Two more functions, then the study itself.
#
# * `latent_logit_effect`: the direct effect of a transcoder latent on the logits, its decoder row through the
#   unembedding, $W_\text{dec}[i]\,W_U$ (shape `[d_vocab]`). This ignores the final layer norm and every later
#   layer; it says which next tokens the latent's output favours when it goes straight to the unembedding.
# * `mean_activation_by_token`: the ground truth to compare against. For every vocabulary token $t$, the mean
#   activation of the latent over all positions whose *current* token is $t$ (in `tokens`, `[batch, seq]`),
#   and how many such positions there were. Tokens that never occur get mean 0 and count 0. Loop over
#   `tokens` in batches of `batch_size` (a plain loop, or `tqdm` for a progress bar), so that a large corpus
#   fits in memory.
#   `Tensor.index_add_` adds values into bins given by token ids.

# %% solution id=ex07_blind
def latent_logit_effect(model, transcoder, latent: int) -> Tensor:
    """[d_vocab]: W_dec[latent] @ W_U, the latent's direct effect on the logits."""
    ### BEGIN SOLUTION
    with torch.no_grad():
        return transcoder.W_dec[latent] @ model.W_U
    ### END SOLUTION


def mean_activation_by_token(model, transcoder, tokens: Tensor, latent: int, batch_size: int = 16) -> tuple[Tensor, Tensor]:
    """tokens: [batch, seq]. Returns (mean [d_vocab], count [d_vocab]): the latent's mean activation over the
    positions holding each token, and the number of those positions (mean 0 where the count is 0)."""
    ### BEGIN SOLUTION
    hook_in = transcoder.cfg.metadata.hook_name
    d_vocab = model.cfg.d_vocab
    sums = torch.zeros(d_vocab, device=tokens.device)
    counts = torch.zeros(d_vocab, device=tokens.device)
    with torch.no_grad():
        for i in range(0, len(tokens), batch_size):
            batch = tokens[i:i + batch_size]
            _, cache = model.run_with_cache(batch, names_filter=hook_in)
            acts = transcoder.encode(cache[hook_in])[..., latent]
            sums.index_add_(0, batch.flatten(), acts.flatten().to(sums.dtype))
            counts.index_add_(0, batch.flatten(), torch.ones(batch.numel(), device=counts.device))
    return torch.where(counts > 0, sums / counts.clamp(min=1), torch.zeros_like(sums)), counts
    ### END SOLUTION

# %% visible id=ex07_blind_visible
_le = latent_logit_effect(model, tc_late, 3)
checks.assert_shape(_le, (model.cfg.d_vocab,), "latent_logit_effect output")
_mean, _count = mean_activation_by_token(model, tc_late, prompts[:3], 3, batch_size=2)
checks.assert_shape(_mean, (model.cfg.d_vocab,), "mean_activation_by_token: mean")
checks.assert_shape(_count, (model.cfg.d_vocab,), "mean_activation_by_token: count")
checks.assert_scalar_close(_count.sum(), prompts[:3].numel(), "mean_activation_by_token: the counts should add up to the number of positions")
checks.assert_true((_mean[_count == 0] == 0).all(), "mean_activation_by_token: tokens that never occur should get mean 0")
checks.assert_true((_mean >= 0).all(), "mean_activation_by_token: a ReLU latent cannot have a negative mean activation")
print("latent_logit_effect and mean_activation_by_token pass the visible checks.")

# %% graded id=ex07_blind_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
from sae_course.zoo import zoo_tokens as _zoo_tokens

import io as _io
from contextlib import redirect_stderr as _redirect_stderr

def _ref_mean_by_tok(model, tc, toks, latent):
    hi = tc.cfg.metadata.hook_name
    with torch.no_grad():
        _, c = model.run_with_cache(toks, names_filter=hi)
        a = tc.encode(c[hi])[..., latent].flatten().double().cpu()
    ids = toks.flatten().cpu()
    s = torch.zeros(model.cfg.d_vocab, dtype=torch.float64).scatter_add_(0, ids, a)
    n = torch.bincount(ids, minlength=model.cfg.d_vocab).double()
    return torch.where(n > 0, s / n.clamp(min=1), torch.zeros_like(s)), n

def _world(seed, dev):
    from sae_lens import HookedSAETransformer
    from sae_lens.saes.sae import SAEMetadata
    from sae_lens.saes.transcoder import Transcoder, TranscoderConfig
    from transformer_lens import HookedTransformerConfig
    cfg = HookedTransformerConfig(n_layers=2, d_model=24, n_heads=2, d_head=12, d_mlp=48, n_ctx=20, d_vocab=40,
                                  act_fn="gelu_new", normalization_type="LNPre", seed=seed, device=str(dev))
    m = HookedSAETransformer(cfg)
    g = torch.Generator().manual_seed(int(seed))
    tc = Transcoder(TranscoderConfig(d_in=24, d_out=24, d_sae=30, device=str(dev), apply_b_dec_to_input=False,
                                     metadata=SAEMetadata(hook_name="blocks.1.ln2.hook_normalized",
                                                          hook_name_out="blocks.1.hook_mlp_out")))
    with torch.no_grad():
        for p in tc.parameters():
            p.copy_(torch.randn(p.shape, generator=g).to(dev) * (0.3 if p.ndim == 2 else 0.1))
    # tokens 30..39 never occur
    return m, tc, torch.randint(0, 30, (7, 12), generator=g).to(dev)

_gen = torch.Generator().manual_seed(71)
_t = _zoo_tokens(6, 32, split="test", seed=14, model=model).to(device)
_cases = [_world(72, device), (model, tc_early, _t), (model, tc_late, _t)]
for _m, _tc, _toks in _cases:
    for _lat in torch.randperm(_tc.cfg.d_sae, generator=_gen)[:2].tolist():
        _ref = (_tc.W_dec[_lat] @ _m.W_U).detach()
        _chk.assert_close(latent_logit_effect(_m, _tc, _lat), _ref, f"latent_logit_effect (latent {_lat})",
                          atol=1e-5 + 1e-4 * _ref.abs().max().item(), rtol=1e-4)
    # a latent that fires somewhere on these tokens
    with torch.no_grad():
        _, _c = _m.run_with_cache(_toks, names_filter=_tc.cfg.metadata.hook_name)
        _fire = (_tc.encode(_c[_tc.cfg.metadata.hook_name]) > 0).float().mean((0, 1))
    _alive = ((_fire > 0) & (_fire < 0.9)).nonzero()[:, 0]
    if len(_alive) == 0:
        _alive = _fire.argmax().reshape(1)
    _lat = int(_alive[torch.randint(len(_alive), (1,), generator=_gen)])
    _rm, _rn = _ref_mean_by_tok(_m, _tc, _toks, _lat)
    with _redirect_stderr(_io.StringIO()):  # a progress bar in the answer must not cost points
        _gm, _gn = mean_activation_by_token(_m, _tc, _toks, _lat, batch_size=4)
    _chk.assert_close(_gn, _rn, f"mean_activation_by_token: counts (latent {_lat})", atol=0, rtol=0)
    _chk.assert_close(_gm, _rm, f"mean_activation_by_token: means (latent {_lat})",
                      atol=1e-5 + 1e-4 * _rm.abs().max().item(), rtol=1e-4)
### END HIDDEN TESTS

# %% [markdown]
# ### The study
#
# **Step 0 — choose a latent.** We use a batch of text only to make sure the latent is alive (it fires on
# between 0.5% and 20% of tokens) and pick one of those at random with a fixed seed. We do not look at where it
# fires. Change `CASE_SEED` to study another one.

# %% code
CASE_SEED = 0
with torch.no_grad():
    _, _c = model.run_with_cache(prompts, names_filter=tc_late.cfg.metadata.hook_name)
    _freq = (tc_late.encode(_c[tc_late.cfg.metadata.hook_name]) > 0).float().mean((0, 1))
_alive = ((_freq > 0.005) & (_freq < 0.2)).nonzero()[:, 0]
if len(_alive) == 0:  # no latent in that range on these few prompts: take any latent that fires
    _alive = (_freq > 0).nonzero()[:, 0] if (_freq > 0).any() else _freq.argmax().reshape(1)
CASE_LATENT = int(_alive[torch.randint(len(_alive), (1,), generator=torch.Generator().manual_seed(CASE_SEED))])
print(f"case study: layer-{TC_LATE} transcoder latent {CASE_LATENT} (fires on {_freq[CASE_LATENT]:.1%} of tokens)")

# %% [markdown]
# **Step 1 — the circuit.** Its de-embedding, the early latents it pulls back onto most strongly (positive
# weights: early latents that excite it), each with *their* de-embedding, and its direct logit effect. The
# token lists leave out special tokens such as BOS, whose embeddings and unembeddings say little.

# %% code
_de = de_embedding_scores(model, tc_late, CASE_LATENT)
print("de-embedding, top tokens:      ", top_tokens(_de, 10))
_pb = pullback(tc_early, tc_late, CASE_LATENT)
for _j in _pb.topk(3).indices.tolist():
    print(f"  early latent {_j:5d} (pullback {_pb[_j]:+.3f}) de-embeds to {top_tokens(de_embedding_scores(model, tc_early, _j), 6)}")
_le = latent_logit_effect(model, tc_late, CASE_LATENT)
print("logit effect, promoted tokens: ", top_tokens(_le, 10))
print("logit effect, suppressed:      ", top_tokens(-_le, 10))

# %% [markdown]
# **Step 2 — your guess.** Before running the next cell, write down in a sentence what you think this latent
# detects and what it helps predict. (This is not graded.)
#
# **Step 3 — the check.** The mean activation per current token, over a held-out slice of the corpus. The
# scatter plot compares it with the de-embedding score of each token that occurs. A strong relation means the
# latent mostly reads the current token directly; a weak one means context, brought in by attention, matters.

# %% code
_corpus = zoo_tokens(sized(full=256, ci=48), sized(full=128, ci=64), split="val", seed=1, model=model).to(device)
_mean, _count = mean_activation_by_token(model, tc_late, _corpus, CASE_LATENT, batch_size=16)
_seen = (_count >= 3).nonzero()[:, 0]
_top_act = _seen[_mean[_seen].topk(min(10, len(_seen))).indices]
print("tokens with the highest mean activation:", tok_strs(_top_act))
_top_de = _seen[_de[_seen].topk(min(10, len(_seen))).indices]
_overlap = len(set(_top_act.tolist()) & set(_top_de.tolist()))
_r = np.corrcoef(_de[_seen].cpu().numpy(), _mean[_seen].cpu().numpy())[0, 1]
print(f"overlap of the two top-10 lists: {_overlap}/10; correlation over tokens seen ≥3 times: {_r:.2f}")
_fig = go.Figure(go.Scatter(x=_de[_seen].cpu().numpy(), y=_mean[_seen].cpu().numpy(), mode="markers",
                            text=tok_strs(_seen), hovertemplate="%{text}: de-emb %{x:.2f}, mean act %{y:.3f}"))
_fig.update_layout(title=f"layer-{TC_LATE} latent {CASE_LATENT}: de-embedding vs mean activation per token",
                   xaxis_title="de-embedding score", yaxis_title="mean activation")
_fig.show()

# %% [markdown]
# **Step 4 — context.** Where the mean per token is not the whole story, look at single positions. The cell
# prints the contexts where the latent fires most strongly, with the firing token in brackets. Then it tests one
# kind of context that neither the de-embedding nor the pullback can see: has the current token already
# appeared earlier in the same sequence? The course corpus is full of repeated spans, and a model predicts the
# second copy by *induction* (attention looks back at what followed the token last time). If the latent's
# activation falls on repeated tokens much more often than their share of positions, it is part of that
# machinery, and the evidence for it comes from attention, not from the weights we multiplied.

# %% code
with torch.no_grad():
    _, _c = model.run_with_cache(_corpus, names_filter=tc_late.cfg.metadata.hook_name)
    _acts = tc_late.encode(_c[tc_late.cfg.metadata.hook_name])[..., CASE_LATENT]
for _v, _flat in zip(*_acts.flatten().topk(6)):
    _b, _p = divmod(int(_flat), _acts.shape[1])
    _ctx = tok_strs(_corpus[_b, max(0, _p - 10): _p + 1])
    print(f"{_v.item():6.3f}  " + " ".join(_ctx[:-1]) + f" [{_ctx[-1]}]")
# Positions whose token already occurred earlier in the same sequence (BOS left out).
_earlier = torch.zeros(_corpus.shape, dtype=torch.bool, device=_corpus.device)
for _p in range(1, _corpus.shape[1]):
    _earlier[:, _p] = (_corpus[:, 1:_p] == _corpus[:, _p:_p + 1]).any(1)
_share = ((_acts * _earlier).sum() / _acts.sum().clamp(min=1e-9)).item()
print(f"{_earlier.float().mean().item():.0%} of positions hold a token seen earlier in their sequence; "
      f"they get {_share:.0%} of this latent's total activation")

# %% [markdown]
# ### Exercise 2.7b — attribution to components, and your conclusions
# > Difficulty: ●●●●○ · Importance: ●●●●○
#
# The weights gave a guess; the corpus gave the tokens it fires on. What is still missing is *where in the model
# the activation comes from* on the positions where the latent fires. The residual stream the late transcoder
# reads is a sum of pieces, each written by one component: the token embedding (plus the position embedding on
# GPT-2), every attention head of blocks $0 \dots L$ (head $h$ of block $l$ writes $z^{l,h} W_O^{l,h}$), the
# attention biases, and the MLPs of blocks before $L$. The transcoder's layer norm centres this sum and divides
# it by one scale per position, so its pre-activation splits exactly into one term per piece:
#
# $$\text{contribution of a piece } v \text{ at a position} = \frac{\big(v - \mathrm{mean}(v)\big)\cdot W_\text{enc}[:, i]}{\text{scale}},$$
#
# plus the encoder bias. Summed over the positions where the latent is on, the terms of the heads say which head
# the latent **reads through**. Section 1 attributed latents to heads by their decoder directions; here the
# attribution is measured on real activations, so a head whose $W_O$ is larger or smaller counts for exactly
# what it wrote.
#
# Write two functions.
#
# * `head_attribution(model, transcoder, tokens, latent)`: `[L + 1, n_heads]`, where $L$ is the transcoder's
#   block (`layer_of` its hook). Entry `[l, h]` is the contribution of head `h` of block `l` to the latent's
#   pre-activation, summed over every position of `tokens` (`[batch, seq]`) where the latent is on
#   (activation > 0), **position 0 (BOS) left out**. Read `blocks.l.attn.hook_z` (`[batch, seq, n_heads, d_head]`),
#   `model.W_O[l]` (`[n_heads, d_head, d_model]`) and the scale `blocks.L.ln2.hook_scale` (`[batch, seq, 1]`)
#   from one cached run.
# * `case_study_conclusions(model, tc_early, tc_late, latent, tokens, k=5)`: your conclusions about the latent,
#   as a tuple `(top_tokens, head, upstream_latent)`, all measured on `tokens` with position 0 left out:
#   - `top_tokens`: a list of the `k` token ids with the highest **mean** activation of the latent, among the
#     tokens that occur at least 3 times (largest first);
#   - `head`: `(layer, head)`, the head with the largest (most positive) `head_attribution`;
#   - `upstream_latent`: the early transcoder latent with the largest direct contribution to the latent,
#     summed over the positions where the latent is on. At one position this is 2.6's
#     `pullback_contributions` (early activation × centred pullback weight ÷ the late scale); compute it for
#     all those positions from one cached run (you may call `pullback` from 2.6).
#
# These are the statements an investigator would make about a latent. The graded tests check each against
# what the model does on held-out text, for `CASE_LATENT` and then for other latents the test picks.

# %% solution id=ex11_case_study
def head_attribution(model, transcoder, tokens: Tensor, latent: int) -> Tensor:
    """[L + 1, n_heads]: each head's direct contribution to the latent's pre-activation, summed over the positions
    of tokens ([batch, seq]) where the latent is on, position 0 left out (L: the transcoder's block)."""
    ### BEGIN SOLUTION
    hook_in = transcoder.cfg.metadata.hook_name
    block = layer_of(hook_in)
    hook_scale = f"blocks.{block}.ln2.hook_scale"
    z_hooks = [f"blocks.{l}.attn.hook_z" for l in range(block + 1)]
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens, names_filter=[hook_in, hook_scale, *z_hooks])
        on = transcoder.encode(cache[hook_in])[..., latent] > 0
        on[:, 0] = False
        enc = transcoder.W_enc[:, latent]
        scale = cache[hook_scale][on]  # [n_on, 1]
        rows = []
        for l, name in enumerate(z_hooks):
            written = torch.einsum("nhd,hdm->nhm", cache[name][on], model.W_O[l])  # [n_on, n_heads, d_model]
            written = written - written.mean(-1, keepdim=True)
            rows.append(((written @ enc) / scale).sum(0))
        return torch.stack(rows)
    ### END SOLUTION


def case_study_conclusions(model, tc_early, tc_late, latent: int, tokens: Tensor, k: int = 5):
    """(top_tokens: list of k token ids, head: (layer, head), upstream_latent: int), measured on tokens
    ([batch, seq]) with position 0 left out."""
    ### BEGIN SOLUTION
    hook_in, hook_early = tc_late.cfg.metadata.hook_name, tc_early.cfg.metadata.hook_name
    hook_scale = f"blocks.{layer_of(hook_in)}.ln2.hook_scale"
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens, names_filter=[hook_in, hook_early, hook_scale])
        acts = tc_late.encode(cache[hook_in])[..., latent]
        ids, vals = tokens[:, 1:].flatten(), acts[:, 1:].flatten()
        sums = torch.zeros(model.cfg.d_vocab, device=vals.device).index_add_(0, ids, vals)
        counts = torch.bincount(ids, minlength=model.cfg.d_vocab)
        means = torch.where(counts >= 3, sums / counts.clamp(min=1), torch.full_like(sums, -float("inf")))
        top = means.topk(k).indices.tolist()

        heads = head_attribution(model, tc_late, tokens, latent)
        layer, head = divmod(int(heads.argmax()), heads.shape[1])

        on = acts > 0
        on[:, 0] = False
        early = tc_early.encode(cache[hook_early][on])  # [n_on, d_sae_early]
        weighted = (early / cache[hook_scale][on]).sum(0)
        upstream = int((weighted * pullback(tc_early, tc_late, latent)).argmax())
    return top, (layer, head), upstream
    ### END SOLUTION

# %% visible id=ex11_case_study_visible
_few = prompts[:4]
_ha = head_attribution(model, tc_late, _few, CASE_LATENT)
checks.assert_shape(_ha, (TC_LATE + 1, model.cfg.n_heads), "head_attribution output")
checks.assert_true(torch.isfinite(_ha).all(), "head_attribution: NaN or inf values")
_ha_bos = head_attribution(model, tc_late, _few[:, :1], CASE_LATENT)
checks.assert_true((_ha_bos == 0).all(), "head_attribution: position 0 should be left out (a BOS-only batch gives zeros)")
_top, _head, _up = case_study_conclusions(model, tc_early, tc_late, CASE_LATENT, _corpus[:8], k=4)
checks.assert_true(len(_top) == 4 and len(set(int(t) for t in _top)) == 4, "case_study_conclusions: top_tokens should be k distinct ids")
checks.assert_true(len(_head) == 2 and 0 <= int(_head[0]) <= TC_LATE and 0 <= int(_head[1]) < model.cfg.n_heads,
                   "case_study_conclusions: head should be (layer, head) with layer <= the transcoder's block")
checks.assert_true(0 <= int(_up) < tc_early.cfg.d_sae, "case_study_conclusions: upstream_latent is not an early transcoder latent")
print("head_attribution and case_study_conclusions pass the visible checks.")

# %% graded id=ex11_case_study_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
from sae_course import guards as _guards
from sae_course.zoo import zoo_tokens as _zoo_tokens
_ac, _at, _ash, _plain = _chk.assert_close, _chk.assert_true, _chk.assert_shape, _chk.plain


def _t():
    hin = tc_late.cfg.metadata.hook_name
    blk = int(hin.split(".")[1])
    toks = _zoo_tokens(24, 48, split="test", seed=31, model=model).to(device)
    with torch.no_grad():
        _, c = model.run_with_cache(toks)
        lat_acts = tc_late.encode(c[hin])
        n_on = (lat_acts[:, 1:] > 0).sum((0, 1))
        cands = ((n_on >= 8) & (n_on <= 0.3 * toks[:, 1:].numel())).nonzero()[:, 0]
        if len(cands) == 0:  # (random hub transcoders: latents on almost everywhere)
            cands = n_on.topk(4).indices
        g = torch.Generator().manual_seed(32)
        picks = cands[torch.randperm(len(cands), generator=g)[:2]].tolist()
        refs = []
        for lat in picks:
            keep = lat_acts[..., lat] > 0
            keep[:, 0] = False
            sc = c[f"blocks.{blk}.ln2.hook_scale"][..., 0][keep]
            col = tc_late.W_enc[:, lat].double()
            col = col - col.mean()  # centring the piece = centring the encoder column
            ref = torch.stack([torch.einsum("nhe,hem,m->nh", c[f"blocks.{q}.attn.hook_z"][keep].double(), model.W_O[q].double(), col)
                               .div(sc.double()[:, None]).sum(0) for q in range(blk + 1)]).float()
            refs.append((lat, ref))
    snap = _guards.snapshot(model, tc_late)
    try:
        for lat, ref in refs:
            got = _plain(head_attribution(model, tc_late, toks.clone(), lat), "head_attribution")
            _ash(got, tuple(ref.shape), f"head_attribution (latent {lat})")
            _ac(got, ref, f"head_attribution (latent {lat}): each head's summed direct contribution on the positions where the latent is on",
                atol=1e-4 + 2e-3 * float(ref.abs().max()), rtol=2e-3)
    finally:
        changed = _guards.restore(snap)
    _at(not changed, "head_attribution changed the model's or the transcoder's weights in place")


globals().pop("_t")()
### END HIDDEN TESTS

# %% graded id=ex11_case_study_test2 points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
from sae_course import guards as _guards
from sae_course.zoo import zoo_tokens as _zoo_tokens
_at, _plain = _chk.assert_true, _chk.plain


def _t():
    hin, hie = tc_late.cfg.metadata.hook_name, tc_early.cfg.metadata.hook_name
    blk = int(hin.split(".")[1])
    toks = _zoo_tokens(32, 48, split="test", seed=33, model=model).to(device)

    def measured(lat, c):
        a = tc_late.encode(c[hin])[..., lat].double()
        ids = toks[:, 1:].reshape(-1)
        n = torch.bincount(ids, minlength=model.cfg.d_vocab).double()
        tot = torch.zeros(model.cfg.d_vocab, dtype=torch.float64, device=ids.device).scatter_add_(0, ids, a[:, 1:].reshape(-1))
        avg = torch.where(n >= 3, tot / n.clamp(min=1), torch.full_like(tot, float("nan")))
        keep = a > 0
        keep[:, 0] = False
        sc = c[f"blocks.{blk}.ln2.hook_scale"][..., 0][keep].double()
        col = tc_late.W_enc[:, lat].double()
        col = col - col.mean()
        hd = torch.stack([torch.einsum("nhe,hem,m->nh", c[f"blocks.{q}.attn.hook_z"][keep].double(), model.W_O[q].double(), col)
                          .div(sc[:, None]).sum(0) for q in range(blk + 1)])
        dec = tc_early.W_dec.double()
        up = (tc_early.encode(c[hie][keep]).double() / sc[:, None]).sum(0) * (dec @ col)  # centred column = centred rows
        return avg, n, hd, up

    def as_int(v):
        if type(v) is int:
            return v
        if type(v) is torch.Tensor and v.numel() == 1 and not v.is_floating_point():
            return int(v.reshape(()))
        return None

    def judge(lat, avg, n, hd, up, got, k):
        what = f"case_study_conclusions (latent {lat})"
        _at(type(got) in (list, tuple) and len(got) == 3, f"{what}: return a tuple (top_tokens, head, upstream_latent)")
        top, head, upl = got
        if type(top) is torch.Tensor:
            top = top.tolist()
        top = [as_int(t) for t in top] if type(top) in (list, tuple) else None
        _at(top is not None and len(top) == k and None not in top, f"{what}: top_tokens should be a list of {k} ints (token ids)")
        _at(len(set(top)) == k and all(0 <= t < model.cfg.d_vocab for t in top), f"{what}: top_tokens should be {k} distinct token ids")
        _at(all(n[t] >= 3 for t in top), f"{what}: top_tokens holds a token seen fewer than 3 times (position 0 left out)")
        kth = avg.nan_to_num(-1.0).topk(k).values[-1]
        tol = 1e-4 + 1e-3 * float(avg.nan_to_num(0.0).abs().max())
        _at(bool(all(avg[t] >= kth - tol for t in top)),
            f"{what}: top_tokens are not the {k} tokens with the highest mean activation (among tokens seen at least 3 times)")
        head = [as_int(v) for v in head] if type(head) in (list, tuple) else None
        _at(head is not None and len(head) == 2 and None not in head, f"{what}: head should be a pair of ints (layer, head)")
        _at(0 <= head[0] < hd.shape[0] and 0 <= head[1] < hd.shape[1], f"{what}: head {tuple(head)} is not a head of blocks 0..{blk}")
        _at(bool(hd[head[0], head[1]] >= hd.max() - 1e-3 * hd.abs().max() - 1e-6),
            f"{what}: head {tuple(head)} is not the head with the largest (signed) summed contribution on the positions where the latent is on")
        upl = as_int(upl)
        _at(upl is not None and 0 <= upl < tc_early.cfg.d_sae, f"{what}: upstream_latent should be an int, an early transcoder latent")
        _at(bool(up[upl] >= up.max() - 1e-3 * up.abs().max() - 1e-6),
            f"{what}: upstream latent {upl} is not the early latent with the largest summed direct contribution on the positions where the latent is on")

    lats = [int(CASE_LATENT)]
    with torch.no_grad():
        _, c = model.run_with_cache(toks)
        on_count = (tc_late.encode(c[hin])[:, 1:] > 0).sum((0, 1))
        if int(on_count[lats[0]]) < 3:  # the notebook's latent hardly fires on this text: take the one that fires most
            lats = [int(on_count.argmax())]
        refs = [(lat, *measured(lat, c)) for lat in lats]
    snap = _guards.snapshot(model, tc_early, tc_late)
    try:
        for lat, avg, n, hd, up in refs:
            got = _plain(case_study_conclusions(model, tc_early, tc_late, lat, toks.clone(), k=5), "case_study_conclusions")
            judge(lat, avg, n, hd, up, got, 5)
    finally:
        changed = _guards.restore(snap)
    _at(not changed, "case_study_conclusions changed the model's or a transcoder's weights in place")


globals().pop("_t")()
### END HIDDEN TESTS

# %% graded id=ex11_case_study_test3 points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
from sae_course import guards as _guards
from sae_course.zoo import zoo_tokens as _zoo_tokens
_at, _plain = _chk.assert_true, _chk.plain


def _t():
    hin, hie = tc_late.cfg.metadata.hook_name, tc_early.cfg.metadata.hook_name
    blk = int(hin.split(".")[1])
    toks = _zoo_tokens(32, 48, split="test", seed=35, model=model).to(device)

    def measured(lat, c):
        a = tc_late.encode(c[hin])[..., lat].double()
        ids = toks[:, 1:].reshape(-1)
        n = torch.bincount(ids, minlength=model.cfg.d_vocab).double()
        tot = torch.zeros(model.cfg.d_vocab, dtype=torch.float64, device=ids.device).scatter_add_(0, ids, a[:, 1:].reshape(-1))
        avg = torch.where(n >= 3, tot / n.clamp(min=1), torch.full_like(tot, float("nan")))
        keep = a > 0
        keep[:, 0] = False
        sc = c[f"blocks.{blk}.ln2.hook_scale"][..., 0][keep].double()
        col = tc_late.W_enc[:, lat].double()
        col = col - col.mean()
        hd = torch.stack([torch.einsum("nhe,hem,m->nh", c[f"blocks.{q}.attn.hook_z"][keep].double(), model.W_O[q].double(), col)
                          .div(sc[:, None]).sum(0) for q in range(blk + 1)])
        dec = tc_early.W_dec.double()
        up = (tc_early.encode(c[hie][keep]).double() / sc[:, None]).sum(0) * (dec @ col)  # centred column = centred rows
        return avg, n, hd, up

    def as_int(v):
        if type(v) is int:
            return v
        if type(v) is torch.Tensor and v.numel() == 1 and not v.is_floating_point():
            return int(v.reshape(()))
        return None

    def judge(lat, avg, n, hd, up, got, k):
        what = f"case_study_conclusions (latent {lat})"
        _at(type(got) in (list, tuple) and len(got) == 3, f"{what}: return a tuple (top_tokens, head, upstream_latent)")
        top, head, upl = got
        if type(top) is torch.Tensor:
            top = top.tolist()
        top = [as_int(t) for t in top] if type(top) in (list, tuple) else None
        _at(top is not None and len(top) == k and None not in top, f"{what}: top_tokens should be a list of {k} ints (token ids)")
        _at(len(set(top)) == k and all(0 <= t < model.cfg.d_vocab for t in top), f"{what}: top_tokens should be {k} distinct token ids")
        _at(all(n[t] >= 3 for t in top), f"{what}: top_tokens holds a token seen fewer than 3 times (position 0 left out)")
        kth = avg.nan_to_num(-1.0).topk(k).values[-1]
        tol = 1e-4 + 1e-3 * float(avg.nan_to_num(0.0).abs().max())
        _at(bool(all(avg[t] >= kth - tol for t in top)),
            f"{what}: top_tokens are not the {k} tokens with the highest mean activation (among tokens seen at least 3 times)")
        head = [as_int(v) for v in head] if type(head) in (list, tuple) else None
        _at(head is not None and len(head) == 2 and None not in head, f"{what}: head should be a pair of ints (layer, head)")
        _at(0 <= head[0] < hd.shape[0] and 0 <= head[1] < hd.shape[1], f"{what}: head {tuple(head)} is not a head of blocks 0..{blk}")
        _at(bool(hd[head[0], head[1]] >= hd.max() - 1e-3 * hd.abs().max() - 1e-6),
            f"{what}: head {tuple(head)} is not the head with the largest (signed) summed contribution on the positions where the latent is on")
        upl = as_int(upl)
        _at(upl is not None and 0 <= upl < tc_early.cfg.d_sae, f"{what}: upstream_latent should be an int, an early transcoder latent")
        _at(bool(up[upl] >= up.max() - 1e-3 * up.abs().max() - 1e-6),
            f"{what}: upstream latent {upl} is not the early latent with the largest summed direct contribution on the positions where the latent is on")

    with torch.no_grad():
        _, c = model.run_with_cache(toks)
        on_count = (tc_late.encode(c[hin])[:, 1:] > 0).sum((0, 1))
        pool = ((on_count >= 8) & (on_count <= 0.3 * toks[:, 1:].numel())).nonzero()[:, 0]
        pool = pool[pool != int(CASE_LATENT)]  # other latents than the notebook's, picked by the test
        if len(pool) == 0:  # (random hub transcoders: latents on almost everywhere)
            pool = on_count.topk(5).indices
            pool = pool[pool != int(CASE_LATENT)]
        lats = pool[torch.randperm(len(pool), generator=torch.Generator().manual_seed(36))[:3]].tolist()
        refs = [(lat, *measured(lat, c)) for lat in lats]
    snap = _guards.snapshot(model, tc_early, tc_late)
    try:
        for lat, avg, n, hd, up in refs:
            got = _plain(case_study_conclusions(model, tc_early, tc_late, lat, toks.clone(), k=5), "case_study_conclusions")
            judge(lat, avg, n, hd, up, got, 5)
    finally:
        changed = _guards.restore(snap)
    _at(not changed, "case_study_conclusions changed the model's or a transcoder's weights in place")


globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# Your conclusions for `CASE_LATENT` on the held-out slice of Step 3, the *pullback through the head* you named
# (its OV circuit, weights only: which source tokens, or which early latents, it would carry into the latent), and
# the head attribution as a picture. The cell then checks the head claim a second way, by intervention: it zeroes
# one head's output (`hook_z`) at every position and measures how much of the latent's total activation is left,
# for the head you named and for the four heads with the largest direct contributions either way. A direct contribution is only part of a head's effect (the head also feeds later components), so
# the two need not agree perfectly; when they disagree, that is itself a finding about the latent.

# %% code
CASE_CONCLUSIONS = case_study_conclusions(model, tc_early, tc_late, CASE_LATENT, _corpus)
_top, (_hl, _hh), _up = CASE_CONCLUSIONS
print(f"layer-{TC_LATE} transcoder latent {CASE_LATENT}:")
print("  fires most on the tokens:        ", tok_strs(_top))
print(f"  reads mostly through head:        {_hl}.{_hh}")
print(f"  main upstream latent (layer {TC_EARLY}):  {_up}, which de-embeds to "
      f"{top_tokens(de_embedding_scores(model, tc_early, _up), 5)}")
# Pullback through the head you named (weights only): what the latent would read through that head's OV circuit
# from a source position that holds token t (W_E[t] W_V W_O, centred, into the encoder), or, for a head after the
# early transcoder, from an early latent j written at the source position. The layer norms are ignored.
with torch.no_grad():
    _enc = tc_late.W_enc[:, CASE_LATENT]
    _ov = model.W_V[_hl, _hh] @ model.W_O[_hl, _hh]  # [d_model, d_model]
    _via = model.W_E @ _ov
    print(f"  through head {_hl}.{_hh}, source tokens that push it most: "
          f"{top_tokens((_via - _via.mean(-1, keepdim=True)) @ _enc, 6)}")
    if _hl > TC_EARLY:
        _via = tc_early.W_dec @ _ov
        _pb_head = (_via - _via.mean(-1, keepdim=True)) @ _enc
        print(f"  through head {_hl}.{_hh}, early latents that push it most: {_pb_head.topk(3).indices.tolist()}")
_ha = head_attribution(model, tc_late, _corpus, CASE_LATENT)
plots.bars(_ha.flatten(), labels=[f"{l}.{h}" for l in range(_ha.shape[0]) for h in range(_ha.shape[1])],
           title=f"direct contribution of each head to latent {CASE_LATENT}, summed where it fires",
           xlabel="head (layer.head)", ylabel="summed contribution").show()


def _total_with_head_off(layer: int, head: int) -> float:
    def off(z, hook):
        z[:, :, head] = 0.0
        return z

    hook_in = tc_late.cfg.metadata.hook_name
    with torch.no_grad():
        with model.hooks(fwd_hooks=[(f"blocks.{layer}.attn.hook_z", off)]):
            _, c = model.run_with_cache(_corpus, names_filter=hook_in)
        return tc_late.encode(c[hook_in])[:, 1:, CASE_LATENT].sum().item()


with torch.no_grad():
    _, _c = model.run_with_cache(_corpus, names_filter=tc_late.cfg.metadata.hook_name)
    _base = tc_late.encode(_c[tc_late.cfg.metadata.hook_name])[:, 1:, CASE_LATENT].sum().item()
_tried = {(_hl, _hh)} | {divmod(i, _ha.shape[1]) for i in _ha.flatten().abs().topk(min(4, _ha.numel())).indices.tolist()}
_left = {(l, h): _total_with_head_off(l, h) / max(_base, 1e-9) for l, h in sorted(_tried)}
_worst = min(_left, key=_left.get)
print(f"activation left with head {_hl}.{_hh} zeroed: {_left[(_hl, _hh)]:.0%}; of the heads tried, the one whose "
      f"removal hurts most is {_worst[0]}.{_worst[1]} ({_left[_worst]:.0%} left)")

# %% [markdown]
# ## Part 6 — An induction circuit in attention SAEs
#
# Induction takes two attention layers. On a repeated sequence `... A B ... A [?]`, an early head writes into each
# position *which token came before it* (a previous-token head); a later head at the second `A` looks for the
# position whose previous token was `A` (its key reads what the early head wrote: K-composition) and copies `B`.
# Attention SAEs (on `hook_z`, every head's output before $W_O$) split both heads' outputs into latents, so the
# circuit should show up as *previous-token latents* of the early layer feeding *induction latents* of the later
# one. Section 1 found such latents by what they do; here we connect them with gradients.
#
# The later latent is picked by behaviour: on sequences that are a random span written twice (`induction_tokens`:
# BOS, span, span), take the latent whose mean activation on the second copy (positions `span + 2 … 2·span`, where
# induction can predict the next token) exceeds its mean activation on the first copy (positions `2 … span`) by the
# most. Then splice the early SAE in at its hook, with its error term held fixed and its latents as a leaf tensor,
# and compute each early latent's **attribution** to the later latent: activation × gradient of the later latent's
# activation summed over the second-copy positions, summed over every batch element and position.
#
# ### Exercise 2.8 — from previous-token latents to an induction latent
# > Difficulty: ●●●○○ · Importance: ●●●●○
#
# Return `(induction_latent, early_latents, attribution)`: the later SAE's induction latent (an int), the `k` early
# latents with the largest attribution (a long tensor, largest first), and the attribution of every early latent
# (float tensor [d_sae of the early SAE]). `reps`: [batch, 1 + 2·span]. `sae.encode` / `sae.decode` work on
# `hook_z` activations directly ([batch, seq, n_heads, d_head] in, latents [batch, seq, d_sae] out); reshape a
# decoded output back to the hook's shape before returning it from a hook.

# %% code
# The early and later attention layers: 0 and 1 on the zoo; on GPT-2 (12 layers), a previous-token layer (4) and
# an induction layer (5) of the published circuit.
IND_EARLY, IND_LATE = (0, 1) if model.cfg.n_layers <= 2 else (4, 5)
attn_early = load_sae("attn_z", IND_EARLY, device=device)
attn_late = load_sae("attn_z", IND_LATE, device=device)
for _sae in (attn_early, attn_late):
    _sae.eval()
    for _p in _sae.parameters():
        _p.requires_grad_(False)
SPAN = 12
reps = induction_tokens(sized(full=32, ci=16), span_len=SPAN, seed=0, model=model).to(device)
print(f"attention SAEs at layers {IND_EARLY} and {IND_LATE}; {reps.shape[0]} repeated sequences of span {SPAN}")

# %% solution id=ex08_induction
def induction_circuit(model, sae_early, sae_late, reps: Tensor, span: int, k: int = 3):
    """Returns (induction_latent: int, early_latents: [k] long, attribution: [d_sae_early] float)."""
    ### BEGIN SOLUTION
    h_early, h_late = sae_early.cfg.metadata.hook_name, sae_late.cfg.metadata.hook_name
    first = torch.arange(2, span + 1, device=reps.device)
    second = torch.arange(span + 2, 2 * span + 1, device=reps.device)
    with torch.no_grad():
        _, cache = model.run_with_cache(reps, names_filter=[h_early, h_late])
        late = sae_late.encode(cache[h_late])
        contrast = late[:, second].mean((0, 1)) - late[:, first].mean((0, 1))
        induction_latent = int(contrast.argmax())
        z = cache[h_early]
        lat = sae_early.encode(z)
        error = z - sae_early.decode(lat)
    lat = lat.clone().requires_grad_(True)
    seen = {}

    def splice(act, hook):
        return (sae_early.decode(lat) + error).reshape(act.shape)

    def keep(act, hook):
        seen["z"] = act

    model.run_with_hooks(reps, fwd_hooks=[(h_early, splice), (h_late, keep)])
    target = sae_late.encode(seen["z"])[:, second, induction_latent].sum()
    (grad,) = torch.autograd.grad(target, lat)
    attribution = (lat * grad).sum((0, 1)).detach()
    return induction_latent, attribution.topk(k).indices, attribution
    ### END SOLUTION

# %% visible id=ex08_induction_visible
IND_LATENT, PREV_LATENTS, IND_ATTRIB = induction_circuit(model, attn_early, attn_late, reps, SPAN)
checks.assert_true(isinstance(IND_LATENT, int), "induction_circuit: the induction latent should be an int")
checks.assert_shape(PREV_LATENTS, (3,), "induction_circuit: the early latents")
checks.assert_shape(IND_ATTRIB, (attn_early.cfg.d_sae,), "induction_circuit: attribution")
checks.assert_true(bool((IND_ATTRIB[PREV_LATENTS] >= IND_ATTRIB.max() - 1e-6).any()),
                   "induction_circuit: the early latents should be the ones with the largest attribution")


def ablated_induction(early_ids) -> tuple:
    """(mean activation of the induction latent on the second copy, mean log-prob of the right next token there)
    with the given early latents switched off everywhere (error term kept)."""
    h_e, h_l = attn_early.cfg.metadata.hook_name, attn_late.cfg.metadata.hook_name
    with torch.no_grad():
        _, c = model.run_with_cache(reps, names_filter=[h_e])
        lat = attn_early.encode(c[h_e])
        err = c[h_e] - attn_early.decode(lat)
        lat[..., list(early_ids)] = 0.0
        box = {}
        logits = model.run_with_hooks(reps, fwd_hooks=[
            (h_e, lambda a, hook: (attn_early.decode(lat) + err).reshape(a.shape)),
            (h_l, lambda a, hook: box.__setitem__("z", a))])
        act = attn_late.encode(box["z"])[:, SPAN + 2:, IND_LATENT].mean().item()
        logp = logits.log_softmax(-1)[:, SPAN + 1:-1].gather(-1, reps[:, SPAN + 2:, None]).mean().item()
    return act, logp


_gen = torch.Generator().manual_seed(0)
for _name, _ids in [("nothing", []), ("the top 3 early latents", PREV_LATENTS.tolist()),
                    ("3 random early latents", torch.randperm(attn_early.cfg.d_sae, generator=_gen)[:3].tolist())]:
    _a, _lp = ablated_induction(_ids)
    print(f"ablating {_name:24s}: induction latent {_a:.3f} on the second copy, log-prob of the repeat {_lp:.3f}")
# Which early head writes each top latent, and how much that head attends to the previous token.
with torch.no_grad():
    _, _c = model.run_with_cache(reps, names_filter=f"blocks.{IND_EARLY}.attn.hook_pattern")
_prev_attn = torch.diagonal(_c[f"blocks.{IND_EARLY}.attn.hook_pattern"], offset=-1, dim1=-2, dim2=-1).mean((0, 2))
print(f"mean attention to the previous token, per head of layer {IND_EARLY}:",
      ", ".join(f"{IND_EARLY}.{_h}: {_v:.2f}" for _h, _v in enumerate(_prev_attn.tolist())))
for _j in PREV_LATENTS.tolist():
    # What the latent writes into the residual stream through each head: its decoder row's piece for that head
    # times the head's W_O (heads' W_O differ in norm, so the decoder row alone can point at the wrong head).
    _through = torch.einsum("hd,hdm->hm", attn_early.W_dec[_j].reshape(model.cfg.n_heads, -1), model.W_O[IND_EARLY])
    _head = int(_through.norm(dim=-1).argmax())
    print(f"early latent {_j}: writes mostly through head {IND_EARLY}.{_head}")

# %% graded id=ex08_induction_test points=3
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk
_ac, _at, _ash, _plain = _chk.assert_close, _chk.assert_true, _chk.assert_shape, _chk.plain


def _t():
    from sae_course.zoo import induction_tokens as _reps_of
    he, hl = attn_early.cfg.metadata.hook_name, attn_late.cfg.metadata.hook_name

    def contrast_of(toks, sp):
        with torch.no_grad():
            _, c = model.run_with_cache(toks, names_filter=[hl])
            a = attn_late.encode(c[hl])
        return a[:, sp + 2:2 * sp + 1].mean((0, 1)) - a[:, 2:sp + 1].mean((0, 1))

    def attribution_of(toks, sp, j):
        with torch.no_grad():
            _, c = model.run_with_cache(toks, names_filter=[he])
            u = attn_early.encode(c[he])
            rest = c[he] - attn_early.decode(u)
        u = u.detach().clone().requires_grad_(True)
        box = {}
        model.run_with_hooks(toks, fwd_hooks=[(he, lambda a, hook: (attn_early.decode(u) + rest).reshape(a.shape)),
                                              (hl, lambda a, hook: box.__setitem__("z", a))])
        g = torch.autograd.grad(attn_late.encode(box["z"])[:, sp + 2:2 * sp + 1, j].sum(), u)[0]
        return (g * u).sum(dim=(0, 1)).detach()

    def drop_after_ablating(toks, sp, j, ids):
        with torch.no_grad():
            _, c = model.run_with_cache(toks, names_filter=[he])
            u = attn_early.encode(c[he])
            rest = c[he] - attn_early.decode(u)
            box = {}

            def act_with(v):
                model.run_with_hooks(toks, fwd_hooks=[(he, lambda a, hook: (attn_early.decode(v) + rest).reshape(a.shape)),
                                                      (hl, lambda a, hook: box.__setitem__("z", a))])
                return attn_late.encode(box["z"])[:, sp + 2:2 * sp + 1, j].mean()
            v = u.clone()
            v[..., ids] = 0.0
            return float(act_with(u) - act_with(v))

    model.reset_hooks()
    for seed, sp, kk in [(5, 10, 3), (6, 14, 4)]:
        toks = _reps_of(12, span_len=sp, seed=seed, model=model).to(device)
        con = contrast_of(toks.clone(), sp)
        best = int(con.argmax())
        want = attribution_of(toks.clone(), sp, best)
        ref_drop = drop_after_ablating(toks.clone(), sp, best, want.topk(kk).indices.tolist())
        got = _plain(induction_circuit(model, attn_early, attn_late, toks.clone(), sp, kk), "induction_circuit's result")
        _at(isinstance(got, tuple) and len(got) == 3, "induction_circuit should return three things")
        lat, early, attr = got
        _at(isinstance(lat, int) and 0 <= lat < attn_late.cfg.d_sae, "induction_circuit: the induction latent should be "
            "an int, a latent of the later SAE")
        _at(float(con[lat]) >= 0.95 * float(con[best]), f"induction_circuit (span {sp}): the latent picked is not the one "
            "whose activation rises most from the first copy to the second")
        attr = _plain(torch.as_tensor(attr)).float()
        _ash(attr, (attn_early.cfg.d_sae,), f"induction_circuit (span {sp}): attribution")
        if lat == best:
            _ac(attr, want, f"induction_circuit (span {sp}): attribution of the early latents", atol=1e-3, rtol=1e-3)
        early = _plain(torch.as_tensor(early)).long().flatten()
        _at(early.shape[0] == kk, f"induction_circuit (span {sp}): k={kk} early latents expected")
        drop = drop_after_ablating(toks.clone(), sp, best, early.tolist())
        _at(drop >= 0.9 * ref_drop, f"induction_circuit (span {sp}): ablating the early latents you chose lowers the "
            "induction latent much less than ablating the ones that feed it most")

    # A copy of the later SAE with one latent made to fire strongly on both copies: the latent most active on the
    # second copy is then not the one whose activation rises from the first copy to the second.
    import copy
    sp = 10
    toks = _reps_of(12, span_len=sp, seed=7, model=model).to(device)
    loud = copy.deepcopy(attn_late)
    with torch.no_grad():
        base = contrast_of(toks.clone(), sp)
        _, c = model.run_with_cache(toks, names_filter=[hl])
        loud.b_enc[int(base.argmin())] += 3.0 * float(attn_late.encode(c[hl]).max())
        a = loud.encode(c[hl])
        con = a[:, sp + 2:2 * sp + 1].mean((0, 1)) - a[:, 2:sp + 1].mean((0, 1))
    got = _plain(induction_circuit(model, attn_early, loud, toks.clone(), sp, 3), "induction_circuit's result")
    _at(isinstance(got, tuple) and len(got) == 3 and isinstance(got[0], int) and 0 <= got[0] < loud.cfg.d_sae,
        "induction_circuit should return (int latent, early latents, attribution)")
    _at(float(con[got[0]]) >= 0.95 * float(con.max()), "induction_circuit: with a later SAE that has a latent firing "
        "strongly on both copies, the latent picked is not the one whose activation rises most from the first copy to "
        "the second")
    model.reset_hooks()


_t(); del _t
### END HIDDEN TESTS

# %% [markdown]
# Ablating three early latents out of hundreds moves the induction latent (and the model's log-probability of the
# repeated token) far more than three random ones do, and the heads they write through are the early layer's
# previous-token heads (on the zoo when this was written: head 0.1 puts 0.41 of its attention on the previous token
# and head 0.3 0.22, the other two heads under a tenth; the top latents write mostly through 0.3 and 0.1, and
# ablating the top three lowered the induction latent from 0.42 to 0.13, random ones left it at 0.42). The gradient
# found the K-composition path: those latents matter to the later layer because its keys read them.

# %% [markdown]
# ## Summary
#
# * Holding an SAE's error term fixed turns the model into a differentiable function of the SAE's latents
#   without changing what it computes. Jacobians between latents, from token embeddings to latents, and from
#   latents to logits all follow from that one trick.
# * Gradient × activation turns a Jacobian into an attribution for one prompt; it is a first-order estimate,
#   worth checking against a real ablation.
# * Transcoders stand in for MLP layers. Because their encoder and decoder directions live in the residual
#   stream, de-embedding and pullback read circuits off the weights, with no data. The weights-only view misses
#   everything attention does, which the activation check at the end of the case study shows.
