# %% [markdown]
# # Section 0b — Sparse autoencoders on toy models
#
# In section 0 a toy model stored five sparse features in two dimensions, in **superposition**: more feature
# directions than dimensions, packed so that they interfere as little as possible. Here we pretend we do not know
# those directions and only see the model's hidden activations. A **sparse autoencoder** (SAE) tries to undo the
# packing: it explains each activation vector as a sparse, non-negative combination of learned directions, one
# latent per feature if it works. Because the toy model's true features are known, every SAE trained here can be
# scored against the ground truth — which is never possible in a real language model.
#
# **What you will build**
#
# | part | exercises |
# |---|---|
# | an SAE and its training loop | 0b.1 the toy SAE · 0b.2 training |
# | dead latents | 0b.3a resampling (simple) · 0b.3b resampling toward badly reconstructed inputs · checkpoint 0b.A what the dead latents cost |
# | other SAE designs | 0b.4a TopK · 0b.4b the Gated SAE (init, magnitude rescaling, forward with the auxiliary loss) · 0b.4b2 resampling the Gated SAE · 0b.4c JumpReLU straight-through gradients · 0b.4d the JumpReLU SAE (log-threshold, L0 penalty) |
# | shrinkage | 0b.4e the relative reconstruction bias γ · 0b.4f measuring γ for each design · checkpoint 0b.B which design shrinks |
# | did it work? | 0b.5 matching SAE latents to the true features |
# | detectors and directions | 0b.6 the encoder is not the decoder · checkpoint 0b.C predict: tied or untied? · 0b.6b measuring what tying costs |
#
# **How the notebook is graded.** Write your code between the lines of each answer cell (replace
# `raise NotImplementedError()`). Each answer is followed by a visible test (run it: it checks shapes and a small
# case) and by a locked graded test that runs hidden checks on other inputs. Set `SAE_COURSE_PROFILE=ci` before
# starting Jupyter if you want every training run shorter (it only changes sizes, never what is checked).
#
# **Run time.** Measured on the course's 2-core CPU machine (2026-11-30, one torch thread, load average 9–11 from
# other jobs sharing the two cores): the whole notebook with its solutions and hidden tests under the CI profile took
# 88 s of kernel CPU time and 261 s of wall-clock time (the mutant checker's solution run). On an idle machine
# expect the wall-clock time to be close to the CPU time. The full profile (4× the SAE training steps, 2× the batch)
# ran in 350 s (338 s of kernel CPU, one torch thread, other jobs on the second core; `bench/bench_notebooks.py`,
# 2026-11-30): about six minutes on a 2-core CPU.
#
# Notation: as in section 0, `n_inst` independent copies ("instances") are trained side by side in one batched
# tensor; `d_in` is the width of the activations the SAE reads and `d_sae` its number of latents.

# %% setup id=setup
import math

import einops
import numpy as np
import plotly.graph_objects as go
import torch
import torch.nn as nn
import torch.nn.functional as F
from plotly.subplots import make_subplots
from torch import Tensor
# tqdm.notebook, not tqdm.auto: the same class in the kernel and in the grader's own process (the grader's
# integrity check compares the two), and a widget in Jupyter, so progress bars never write to stderr.
from tqdm.notebook import tqdm

from sae_course import checks, plots
from sae_course.config import setup_notebook, sized

SETUP = setup_notebook(seed=0)
device = SETUP.device
plots.use_offline_renderer()

# %% [markdown]
# ## The toy activations
#
# The SAEs below read the hidden activations $h = W x$ of a toy model like the one of section 0, trained on very
# sparse, equally important features: five features in two dimensions. Such a model puts its five feature
# directions $W_i$ (the columns of $W$, shape `(n_inst, d_hidden, n_features)`) close to a regular pentagon of unit
# vectors. To keep this notebook independent of your section-0 answers and fast to run, `ToyFeatures` builds that
# pentagon directly (each instance rotated by a random angle and with slightly uneven norms) and samples from it:
# feature $i$ is present with probability `feature_probability` and then uniform on $[0, 1)$.

# %% setup id=toy_features
class ToyFeatures:
    """Ground truth for the SAEs: W (n_inst, d_hidden=2, n_features) on a jittered regular polygon per instance."""

    def __init__(self, n_inst: int, n_features: int = 5, feature_probability: float = 0.01, seed: int = 0,
                 device=device):
        g = torch.Generator().manual_seed(seed)
        angles = torch.arange(n_features) * 2 * math.pi / n_features + torch.rand(n_inst, 1, generator=g) * 2 * math.pi
        norms = 1.0 + 0.05 * torch.randn(n_inst, 1, n_features, generator=g)
        self.W = (torch.stack([angles.cos(), angles.sin()], dim=1) * norms).to(device)
        self.n_inst, self.n_features, self.d_hidden = n_inst, n_features, 2
        self.feature_probability = torch.full((n_inst, n_features), float(feature_probability), device=device)

    def sample_features(self, batch_size: int) -> Tensor:
        """(batch_size, n_inst, n_features): each feature on with its probability, then uniform on [0, 1)."""
        on = torch.rand(batch_size, self.n_inst, self.n_features, device=self.W.device) < self.feature_probability
        return on * torch.rand(batch_size, self.n_inst, self.n_features, device=self.W.device)


def plot_features_in_2d(W: Tensor, subplot_titles=None, title: str = "") -> go.Figure:
    """W: (n_inst, 2, n_features): one subplot per instance, one arrow per feature."""
    W = W.detach().float().cpu()
    fig = make_subplots(rows=1, cols=W.shape[0], subplot_titles=subplot_titles)
    for k in range(W.shape[0]):
        for i in range(W.shape[2]):
            fig.add_trace(go.Scatter(x=[0.0, float(W[k, 0, i])], y=[0.0, float(W[k, 1, i])], mode="lines+markers",
                                     showlegend=False), row=1, col=k + 1)
        fig.update_xaxes(range=[-1.5, 1.5], row=1, col=k + 1)
        fig.update_yaxes(range=[-1.5, 1.5], row=1, col=k + 1)
    fig.update_layout(title=title, height=260, width=max(300, 200 * W.shape[0]))
    return fig

# %% [markdown]
# ## Part 1 — An SAE on the toy activations
#
# We only see the toy model's hidden activations $h = W x$ (2 numbers per example for 5 features). A **sparse autoencoder** tries to explain each $h$ as a sparse, non-negative
# combination of learned directions:
#
# $$z = \operatorname{ReLU}\big((h - b_\text{dec})\,W_\text{enc} + b_\text{enc}\big), \qquad
#   \hat h = z\,\hat W_\text{dec} + b_\text{dec}$$
#
# where $z$ holds the `d_sae` *latent activations* and the rows of $\hat W_\text{dec}$ (`d_sae × d_in`) are the
# decoder rows $W_{\text{dec},j}$ divided by their norm. Normalising the decoder matters: otherwise the
# sparsity penalty below could be dodged by shrinking $z$ and growing the decoder. If training works, each decoder
# row should line up with one of the toy model's feature directions $W_i$.
#
# The loss, per example and instance, is a reconstruction term plus an $L_1$ sparsity term:
#
# $$L_\text{reconstruction} = \frac{1}{d_\text{in}} \|\hat h - h\|^2, \qquad L_\text{sparsity} = \sum_j |z_j|,
#   \qquad L = \sum_\text{inst} \operatorname{mean}_\text{batch}\big(L_\text{reconstruction} + \lambda\, L_\text{sparsity}\big)$$
#
# with $\lambda$ = `l1_coeff`. As for the toy model, one SAE per instance is trained in one batched tensor.
#
# ### Exercise 0b.1 — the toy SAE
# > Difficulty: ●●●○○ · Importance: ●●●●●
#
# Complete `W_dec_normalized` (each decoder row divided by its norm over `d_in`) and `forward`, which returns a
# tuple `(loss_dict, loss, acts, h_reconstructed)`:
# * `loss_dict = {"L_reconstruction": (batch, n_inst), "L_sparsity": (batch, n_inst)}` — per example;
# * `loss`: the scalar $L$ above;
# * `acts`: $z$, shape `(batch, n_inst, d_sae)`; `h_reconstructed`: $\hat h$, shape `(batch, n_inst, d_in)`.

# %% solution id=ex01_sae
class ToySAE(nn.Module):
    """One SAE per instance: W_enc (n_inst, d_in, d_sae), W_dec (n_inst, d_sae, d_in), b_enc, b_dec."""

    def __init__(self, n_inst: int, d_in: int, d_sae: int, l1_coeff: float = 0.2, device=device):
        super().__init__()
        self.n_inst, self.d_in, self.d_sae, self.l1_coeff = n_inst, d_in, d_sae, l1_coeff
        self.W_enc = nn.Parameter(nn.init.xavier_normal_(torch.empty(n_inst, d_in, d_sae, device=device)))
        self.W_dec = nn.Parameter(self.W_enc.detach().transpose(-1, -2).clone())
        self.b_enc = nn.Parameter(torch.zeros(n_inst, d_sae, device=device))
        self.b_dec = nn.Parameter(torch.zeros(n_inst, d_in, device=device))

    @property
    def W_dec_normalized(self) -> Tensor:
        """(n_inst, d_sae, d_in): each decoder row scaled to unit norm."""
        ### BEGIN SOLUTION
        return self.W_dec / self.W_dec.norm(dim=-1, keepdim=True).clamp_min(1e-8)
        ### END SOLUTION

    def forward(self, h: Tensor):
        """h: (batch, n_inst, d_in) -> (loss_dict, loss, acts, h_reconstructed)."""
        ### BEGIN SOLUTION
        h_cent = h - self.b_dec
        acts = F.relu(einops.einsum(h_cent, self.W_enc, "batch inst d_in, inst d_in d_sae -> batch inst d_sae")
                      + self.b_enc)
        h_reconstructed = einops.einsum(acts, self.W_dec_normalized,
                                        "batch inst d_sae, inst d_sae d_in -> batch inst d_in") + self.b_dec
        loss_dict = {
            "L_reconstruction": (h_reconstructed - h).pow(2).mean(-1),
            "L_sparsity": acts.abs().sum(-1),
        }
        loss = (loss_dict["L_reconstruction"] + self.l1_coeff * loss_dict["L_sparsity"]).mean(0).sum()
        return loss_dict, loss, acts, h_reconstructed
        ### END SOLUTION

# %% visible id=ex01_sae_visible
_sae = ToySAE(n_inst=3, d_in=2, d_sae=5)
_loss_dict, _loss, _acts, _h_rec = _sae(torch.randn(7, 3, 2, device=device))
checks.assert_shape(_acts, (7, 3, 5), "ToySAE acts")
checks.assert_shape(_h_rec, (7, 3, 2), "ToySAE h_reconstructed")
checks.assert_shape(_loss, (), "ToySAE loss")
checks.assert_true(set(_loss_dict) == {"L_reconstruction", "L_sparsity"},
                   "ToySAE loss_dict should have exactly the keys 'L_reconstruction' and 'L_sparsity'")
checks.assert_shape(_loss_dict["L_reconstruction"], (7, 3), "loss_dict['L_reconstruction']")
checks.assert_close(_sae.W_dec_normalized.norm(dim=-1), torch.ones(3, 5, device=device), "norms of the normalised decoder rows")
print("ToySAE passes the visible checks.")

# %% graded id=ex01_sae_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _ref_sae(W_enc, W_dec, b_enc, b_dec, h, l1):
    Wd = W_dec / W_dec.norm(dim=-1, keepdim=True)
    z = torch.relu(torch.einsum("bid,ids->bis", h - b_dec, W_enc) + b_enc)
    hr = torch.einsum("bis,isd->bid", z, Wd) + b_dec
    Lr = (hr - h).pow(2).mean(-1)
    Ls = z.abs().sum(-1)
    return Wd, z, hr, Lr, Ls, (Lr + l1 * Ls).mean(0).sum()

_g = torch.Generator().manual_seed(808)
for _n_inst, _d_in, _d_sae in [(3, 2, 5), (2, 4, 7)]:
    _sae = ToySAE(n_inst=_n_inst, d_in=_d_in, d_sae=_d_sae, l1_coeff=0.3, device=device)
    with torch.no_grad():
        _sae.W_enc.copy_(torch.randn(_n_inst, _d_in, _d_sae, generator=_g))
        _sae.W_dec.copy_(torch.randn(_n_inst, _d_sae, _d_in, generator=_g) * (torch.rand(_n_inst, _d_sae, 1, generator=_g) * 2 + 0.3))
        _sae.b_enc.copy_(torch.randn(_n_inst, _d_sae, generator=_g) * 0.5)
        _sae.b_dec.copy_(torch.randn(_n_inst, _d_in, generator=_g) * 0.5)
    _h = torch.randn(13, _n_inst, _d_in, generator=_g).to(device)
    _before = {_n: getattr(_sae, _n).detach().clone() for _n in ("W_enc", "W_dec", "b_enc", "b_dec")}
    _ref = _ref_sae(*(p.detach() for p in (_sae.W_enc, _sae.W_dec, _sae.b_enc, _sae.b_dec)), _h, 0.3)
    _what = f"(n_inst={_n_inst}, d_in={_d_in}, d_sae={_d_sae})"
    _chk.assert_close(_sae.W_dec_normalized, _ref[0], f"W_dec_normalized {_what}")
    _out = _sae(_h)
    _chk.assert_true(isinstance(_out, tuple) and len(_out) == 4, "ToySAE.forward should return (loss_dict, loss, acts, h_reconstructed)")
    _chk.assert_close(_out[2], _ref[1], f"ToySAE acts {_what}")
    _chk.assert_close(_out[3], _ref[2], f"ToySAE h_reconstructed {_what}")
    for _n, _p in (("W_enc", _sae.W_enc), ("W_dec", _sae.W_dec), ("b_enc", _sae.b_enc), ("b_dec", _sae.b_dec)):
        _chk.assert_true(torch.equal(_p.detach(), _before[_n]),
                         f"ToySAE: the parameter {_n} changed during the forward pass; compute the normalised decoder as "
                         "a new tensor instead of rescaling the parameter")
    # The gradient must flow through the normalisation: compare d(loss)/d(W_dec) with the reference.
    _Wd_ref = _before["W_dec"].clone().requires_grad_(True)
    _rloss = _ref_sae(_before["W_enc"], _Wd_ref, _before["b_enc"], _before["b_dec"], _h, 0.3)[5]
    _rgrad, = torch.autograd.grad(_rloss, _Wd_ref)
    with torch.no_grad():
        _sae.W_dec.copy_(_before["W_dec"])
    _sae.zero_grad()
    _sae(_h)[1].backward()
    _chk.assert_close(_sae.W_dec.grad if _sae.W_dec.grad is not None else torch.zeros_like(_rgrad), _rgrad,
                      f"gradient of the ToySAE loss with respect to W_dec {_what} (it must pass through the "
                      "normalisation)", atol=1e-5)
### END HIDDEN TESTS

# %% graded id=ex01_sae_test2 points=1
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _ref_sae(W_enc, W_dec, b_enc, b_dec, h, l1):
    Wd = W_dec / W_dec.norm(dim=-1, keepdim=True)
    z = torch.relu(torch.einsum("bid,ids->bis", h - b_dec, W_enc) + b_enc)
    hr = torch.einsum("bis,isd->bid", z, Wd) + b_dec
    Lr = (hr - h).pow(2).mean(-1)
    Ls = z.abs().sum(-1)
    return Lr, Ls, (Lr + l1 * Ls).mean(0).sum()

_g = torch.Generator().manual_seed(8080)
for _n_inst, _d_in, _d_sae, _l1 in [(3, 2, 5, 0.25), (2, 3, 6, 0.7)]:
    _sae = ToySAE(n_inst=_n_inst, d_in=_d_in, d_sae=_d_sae, l1_coeff=_l1, device=device)
    with torch.no_grad():
        _sae.W_enc.copy_(torch.randn(_n_inst, _d_in, _d_sae, generator=_g))
        _sae.W_dec.copy_(torch.randn(_n_inst, _d_sae, _d_in, generator=_g) * 1.7)
        _sae.b_enc.copy_(torch.randn(_n_inst, _d_sae, generator=_g) * 0.5)
        _sae.b_dec.copy_(torch.randn(_n_inst, _d_in, generator=_g) * 0.5)
    _h = torch.randn(9, _n_inst, _d_in, generator=_g).to(device)
    _Lr, _Ls, _L = _ref_sae(*(p.detach() for p in (_sae.W_enc, _sae.W_dec, _sae.b_enc, _sae.b_dec)), _h, _l1)
    _loss_dict, _loss, _, _ = _sae(_h)
    _what = f"(n_inst={_n_inst}, d_in={_d_in}, d_sae={_d_sae}, l1_coeff={_l1})"
    _chk.assert_close(_loss_dict["L_reconstruction"], _Lr, f"loss_dict['L_reconstruction'] {_what}")
    _chk.assert_close(_loss_dict["L_sparsity"], _Ls, f"loss_dict['L_sparsity'] {_what}")
    _chk.assert_scalar_close(_loss, _L, f"ToySAE loss {_what}")
### END HIDDEN TESTS

# %% [markdown]
# To train an SAE we need a stream of the toy model's hidden activations. The helpers below draw fresh features,
# push them through a (frozen) toy model and return $h = W x$.

# %% setup id=sae_helpers
@torch.no_grad()
def toy_hidden(model: ToyFeatures, features: Tensor) -> Tensor:
    """The toy model's bottleneck activations h = W x: (batch, n_inst, d_hidden)."""
    return einops.einsum(features, model.W, "batch inst feat, inst hid feat -> batch inst hid")


def hidden_sampler(model: ToyFeatures):
    """A ``sample_h`` for ``train_sae``: fresh features through the (frozen) toy model."""
    return lambda batch_size: toy_hidden(model, model.sample_features(batch_size))

# %% [markdown]
# ### Exercise 0b.2 — training the SAE
# > Difficulty: ●●●○○ · Importance: ●●●●○
#
# Write `train_sae(sae, sample_h, ...)`. `sample_h(batch_size)` returns a batch of activations
# `(batch, n_inst, d_in)` to train on. Use Adam on **all** the SAE's parameters with a constant learning rate
# `lr`. At each step $t = 0, 1, \dots$:
#
# 1. `h = sample_h(batch_size)`;
# 2. **resampling** (used in 0b.3): if `resample_fn` is given and $t > 0$ and $t$ is a multiple of `resample_every`,
#    compute `frac_active` `(n_inst, d_sae)`, the fraction of inputs on which each latent was active ($z > 0$) over
#    the batches of the previous `resample_every` steps ($t$ − `resample_every`, …, $t - 1$, all batches the same
#    size), and call `resample_fn(sae, frac_active, h)`;
# 3. forward pass, `zero_grad`, `backward`, optimiser step;
# 4. log three floats: `"loss"` (the scalar loss), `"L_reconstruction"` (`loss_dict["L_reconstruction"]`
#    averaged over the batch and **summed** over instances, like the loss) and `"L0"` (the number of active latents
#    per input, averaged over the batch **and** the instances).
#
# Return the log as a dict of three lists, one value per step.
#
# The SAE is trained on the hidden activations of a toy model with very sparse features, equal importance, five
# features in two dimensions — so each instance stores all five features in superposition.

# %% solution id=ex02_train_sae
def train_sae(sae: nn.Module, sample_h, steps: int = 10_000, batch_size: int = 1024, lr: float = 1e-3,
              resample_fn=None, resample_every: int = 2_500, progress: bool = True) -> dict[str, list[float]]:
    """Train ``sae`` on batches from ``sample_h``; returns {"loss": [...], "L_reconstruction": [...], "L0": [...]}.

    sample_h(batch_size) -> h: (batch_size, n_inst, d_in). sae(h) -> (loss_dict, loss, acts (batch, n_inst, d_sae), h_rec).
    At a step t > 0 with t % resample_every == 0 (after drawing h, before the update), call
    resample_fn(sae, frac_active, h) with frac_active: (n_inst, d_sae), the mean over the batches of steps
    t - resample_every, ..., t - 1 of the fraction of inputs on which each latent was > 0.
    Each log list has ``steps`` floats: loss.item(); L_reconstruction averaged over the batch, summed over instances;
    L0 = active latents per input, averaged over batch and instances.
    """
    ### BEGIN SOLUTION
    optimizer = torch.optim.Adam(sae.parameters(), lr=lr)
    log = {"loss": [], "L_reconstruction": [], "L0": []}
    window = []  # per-step (n_inst, d_sae) fraction of inputs on which each latent fired
    for step in tqdm(range(steps), disable=not progress):
        h = sample_h(batch_size)
        if resample_fn is not None and step > 0 and step % resample_every == 0:
            frac_active = torch.stack(window).mean(0)
            resample_fn(sae, frac_active, h)
            window = []
        loss_dict, loss, acts, _ = sae(h)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        active = (acts > 0).float()
        window.append(active.mean(0).detach())
        log["loss"].append(loss.item())
        log["L_reconstruction"].append(loss_dict["L_reconstruction"].mean(0).sum().item())
        log["L0"].append(active.sum(-1).mean().item())
    return log
    ### END SOLUTION

# %% visible id=ex02_train_sae_visible
torch.manual_seed(0)
_model = ToyFeatures(n_inst=2, feature_probability=0.05, seed=1)
_sae = ToySAE(n_inst=2, d_in=2, d_sae=5)
_log = train_sae(_sae, hidden_sampler(_model), steps=200, batch_size=128, lr=1e-2, progress=False)
checks.assert_true(set(_log) == {"loss", "L_reconstruction", "L0"}, "train_sae should return a dict with keys loss, L_reconstruction, L0")
checks.assert_true(all(len(v) == 200 for v in _log.values()), "train_sae: each list in the log should have one value per step")
checks.assert_true(np.mean(_log["loss"][-20:]) < np.mean(_log["loss"][:20]), "train_sae: the loss did not go down")
print("train_sae passes the visible checks.")

# %% graded id=ex02_train_sae_test points=1
### BEGIN HIDDEN TESTS
import torch
import torch.nn as _nn
import sae_course.checks as _chk

class _RefSAE(_nn.Module):
    def __init__(self, n_inst, d_in, d_sae, l1_coeff, g):
        super().__init__()
        self.n_inst, self.d_in, self.d_sae, self.l1_coeff = n_inst, d_in, d_sae, l1_coeff
        self.W_enc = _nn.Parameter(torch.randn(n_inst, d_in, d_sae, generator=g).to(device))
        self.W_dec = _nn.Parameter(torch.randn(n_inst, d_sae, d_in, generator=g).to(device))
        self.b_enc = _nn.Parameter((torch.randn(n_inst, d_sae, generator=g) * 0.5).to(device))
        self.b_dec = _nn.Parameter((torch.randn(n_inst, d_in, generator=g) * 0.3).to(device))

    @property
    def W_dec_normalized(self):
        return self.W_dec / self.W_dec.norm(p=2, dim=-1, keepdim=True)

    def forward(self, h):
        z = torch.relu(torch.einsum("bid,ids->bis", h - self.b_dec, self.W_enc) + self.b_enc)
        hr = torch.einsum("bis,isd->bid", z, self.W_dec_normalized) + self.b_dec
        ld = {"L_reconstruction": (hr - h).pow(2).mean(-1), "L_sparsity": z.abs().sum(-1)}
        return ld, (ld["L_reconstruction"] + self.l1_coeff * ld["L_sparsity"]).mean(0).sum(), z, hr

_g = torch.Generator().manual_seed(909)
_sae = _RefSAE(2, 3, 6, 0.3, _g)
_before = {n: p.detach().clone() for n, p in _sae.named_parameters()}
_steps, _every, _bs = 13, 4, 32
_batches = [torch.randn(_bs, 2, 3, generator=_g).to(device) for _ in range(_steps)]
_sizes, _calls = [], []
def _sample(batch_size):
    _sizes.append(batch_size)
    return _batches[len(_sizes) - 1]
def _resample(sae, frac_active, h):
    _calls.append((len(_sizes) - 1, frac_active.detach().clone(), h.detach().clone()))
_log = train_sae(_sae, _sample, steps=_steps, batch_size=_bs, lr=0.0, resample_fn=_resample, resample_every=_every,
                 progress=False)
_chk.assert_true(_sizes == [_bs] * _steps, "train_sae: sample_h(batch_size) should be called once per step")
for _n, _p in _sae.named_parameters():
    _chk.assert_close(_p, _before[_n], f"SAE parameter {_n} after training with lr=0", atol=0, rtol=0)
_chk.assert_true(isinstance(_log, dict) and set(_log) >= {"loss", "L_reconstruction", "L0"},
                 "train_sae should return a dict with keys 'loss', 'L_reconstruction' and 'L0'")
_ref = {"loss": [], "L_reconstruction": [], "L0": []}
_fracs = []
with torch.no_grad():
    for _h in _batches:
        _ld, _l, _z, _ = _sae(_h)
        _ref["loss"].append(float(_l))
        _ref["L_reconstruction"].append(float(_ld["L_reconstruction"].mean(0).sum()))
        _ref["L0"].append(float((_z > 0).float().sum(-1).mean()))
        _fracs.append((_z > 0).float().mean(0))
for _key in ("loss", "L_reconstruction", "L0"):
    _chk.assert_close(torch.tensor([float(v) for v in _log[_key]]), torch.tensor(_ref[_key]),
                      f"train_sae log['{_key}'] (one value per step)", atol=1e-5)
_chk.assert_true([c[0] for c in _calls] == [4, 8, 12],
                 "train_sae: resample_fn is called at the wrong steps (or the wrong number of times) for steps=13, "
                 "resample_every=4; it should run after drawing that step's batch")
for _t, _frac, _h in _calls:
    _chk.assert_close(_h, _batches[_t], f"the batch h passed to resample_fn at step {_t}")
    _chk.assert_close(_frac, torch.stack(_fracs[_t - _every:_t]).mean(0),
                      f"frac_active passed to resample_fn at step {_t} (over the previous {_every} steps' batches)")

# A short run with a real learning rate on fixed batches must match an inline Adam loop step for step: one optimiser
# (with its running moments) for the whole run, zero_grad at every step, all parameters.
_sae = _RefSAE(2, 3, 6, 0.3, _g)
_sae_ref = _RefSAE(2, 3, 6, 0.3, _g)
with torch.no_grad():
    for _p, _q in zip(_sae_ref.parameters(), _sae.parameters()):
        _p.copy_(_q)
_batches = [torch.randn(_bs, 2, 3, generator=_g).to(device) for _ in range(6)]
_it = iter(_batches)
train_sae(_sae, lambda b: next(_it), steps=6, batch_size=_bs, lr=1e-2, progress=False)
_opt = torch.optim.Adam(_sae_ref.parameters(), lr=1e-2)
for _h in _batches:
    _loss = _sae_ref(_h)[1]
    _opt.zero_grad()
    _loss.backward()
    _opt.step()
for (_n, _p), _q in zip(_sae.named_parameters(), _sae_ref.parameters()):
    _chk.assert_close(_p, _q.detach(), f"SAE parameter {_n} after 6 steps at lr=1e-2 on fixed batches (compared step "
                      "by step with one Adam optimiser for the whole run)", atol=1e-5)
### END HIDDEN TESTS

# %% graded id=ex02_train_sae_test2 points=2
### BEGIN HIDDEN TESTS
import math as _math
import torch
import torch.nn as _nn
import sae_course.checks as _chk

class _RefSAE(_nn.Module):
    def __init__(self, n_inst, d_in, d_sae, l1_coeff):
        super().__init__()
        self.n_inst, self.d_in, self.d_sae, self.l1_coeff = n_inst, d_in, d_sae, l1_coeff
        self.W_enc = _nn.Parameter(_nn.init.xavier_normal_(torch.empty(n_inst, d_in, d_sae, device=device)))
        self.W_dec = _nn.Parameter(self.W_enc.detach().transpose(-1, -2).clone())
        self.b_enc = _nn.Parameter(torch.zeros(n_inst, d_sae, device=device))
        self.b_dec = _nn.Parameter(torch.zeros(n_inst, d_in, device=device))

    @property
    def W_dec_normalized(self):
        return self.W_dec / self.W_dec.norm(p=2, dim=-1, keepdim=True)

    def forward(self, h):
        z = torch.relu(torch.einsum("bid,ids->bis", h - self.b_dec, self.W_enc) + self.b_enc)
        hr = torch.einsum("bis,isd->bid", z, self.W_dec_normalized) + self.b_dec
        ld = {"L_reconstruction": (hr - h).pow(2).mean(-1), "L_sparsity": z.abs().sum(-1)}
        return ld, (ld["L_reconstruction"] + self.l1_coeff * ld["L_sparsity"]).mean(0).sum(), z, hr

# Synthetic toy activations: 5 features on a regular pentagon in 2D, each on with probability 0.05.
_angles = torch.arange(5) * 2 * _math.pi / 5 + torch.tensor([[0.0], [0.3], [1.0]])
_Wtrue = torch.stack([_angles.cos(), _angles.sin()], dim=1).to(device)  # (3, 2, 5)
def _sample(batch_size):
    _x = torch.rand(batch_size, 3, 5, device=device) * (torch.rand(batch_size, 3, 5, device=device) < 0.05)
    return torch.einsum("bif,ihf->bih", _x, _Wtrue)

torch.manual_seed(9090)
_sae = _RefSAE(3, 2, 5, 0.1)
_before = {n: p.detach().clone() for n, p in _sae.named_parameters()}
_h_eval = _sample(4096)
with torch.no_grad():
    _ld0, _, _z0, _ = _sae(_h_eval)
_log = train_sae(_sae, _sample, steps=800, batch_size=256, lr=1e-2, progress=False)
for _n, _p in _sae.named_parameters():
    _chk.assert_true(not torch.equal(_p.detach(), _before[_n]),
                     f"train_sae: SAE parameter {_n} did not change; optimise all the SAE's parameters")
with torch.no_grad():
    _ld1, _, _z1, _ = _sae(_h_eval)
_rec0, _rec1 = float(_ld0["L_reconstruction"].mean()), float(_ld1["L_reconstruction"].mean())
_l00, _l01 = float((_z0 > 0).float().sum(-1).mean()), float((_z1 > 0).float().sum(-1).mean())
_chk.assert_true(_rec1 < 0.5 * _rec0, "train_sae: the reconstruction error on held-out activations did not improve enough")
_chk.assert_true(_l01 < 0.7 * _l00, "train_sae: L0 (active latents per input) on held-out activations did not fall")
_chk.assert_true(len(_log["loss"]) == 800 and sum(_log["loss"][-50:]) < sum(_log["loss"][:50]),
                 "train_sae: the logged loss should go down")
### END HIDDEN TESTS

# %% [markdown]
# Eight instances of five very sparse (probability 1%), equally important features in two dimensions: every
# instance stores all five in superposition. Each SAE below gets five latents per instance, one per feature if
# training goes well.

# %% code
n_inst_sae = 8
model_sae = ToyFeatures(n_inst=n_inst_sae, n_features=5, feature_probability=0.01, seed=5)
plot_features_in_2d(model_sae.W, title="The toy features the SAEs are trained on").show()

# %% [markdown]
# A latent that fires on no input gets no gradient through its encoder (the ReLU is flat at 0): it is **dead**. It
# is not strictly doomed — `b_dec` and the other latents keep moving, and the input distribution may drift, so its
# pre-activation can become positive again on some input — but in practice most dead latents stay dead. In large
# SAEs a sizeable share of latents often dies early in training, and every dead latent is capacity lost. Our
# toy SAE is small and its initialisation is kind, so to see the effect clearly we kill two latents per instance at
# the start, by giving them a very negative encoder bias.

# %% code
def kill_latents(sae: nn.Module, n_dead: int = 2) -> None:
    """Make the first ``n_dead`` latents of every instance dead: they can no longer fire."""
    with torch.no_grad():
        sae.b_enc[:, :n_dead] = -10.0


torch.manual_seed(6)
sae_steps, sae_batch = sized(full=10_000, ci=2_500), sized(full=1024, ci=512)
sae = ToySAE(n_inst=n_inst_sae, d_in=2, d_sae=5, l1_coeff=0.2)
kill_latents(sae)
log_plain = train_sae(sae, hidden_sampler(model_sae), steps=sae_steps, batch_size=sae_batch, lr=3e-3)
plots.lines({"L_reconstruction": log_plain["L_reconstruction"], "L0": log_plain["L0"]},
            title="SAE training (no resampling)", xlabel="step", log_y=True).show()

# %% [markdown]
# Plot the SAE's decoder directions over the model's features: the live latents spread themselves over the five
# features as best they can, but with only three of them some features have no latent of their own.

# %% setup id=plot_sae_helper
def plot_sae_over_features(model: ToyFeatures, sae: nn.Module, title: str = "") -> go.Figure:
    """Model features (grey) and SAE decoder directions (red) for each instance of a 2-D toy model."""
    Wf = model.W.detach().cpu()
    Wd = sae.W_dec_normalized.detach().cpu()
    n_inst = Wf.shape[0]
    fig = make_subplots(rows=1, cols=n_inst)
    for k in range(n_inst):
        for i in range(Wf.shape[2]):
            fig.add_trace(go.Scatter(x=[0, float(Wf[k, 0, i])], y=[0, float(Wf[k, 1, i])], mode="lines",
                                     line=dict(color="lightgrey", width=6), showlegend=False), row=1, col=k + 1)
        for j in range(Wd.shape[1]):
            fig.add_trace(go.Scatter(x=[0, float(Wd[k, j, 0])], y=[0, float(Wd[k, j, 1])], mode="lines+markers",
                                     line=dict(color="crimson", width=2), showlegend=False), row=1, col=k + 1)
        fig.update_xaxes(range=[-1.6, 1.6], row=1, col=k + 1)
        fig.update_yaxes(range=[-1.6, 1.6], row=1, col=k + 1)
    fig.update_layout(title=title, height=260, width=max(300, 200 * n_inst))
    return fig


@torch.no_grad()
def count_dead_latents(sae: nn.Module, sample_h, batch_size: int = 8192) -> Tensor:
    """(n_inst,) number of latents that fire on none of ``batch_size`` fresh inputs."""
    _, _, acts, _ = sae(sample_h(batch_size))
    return ((acts > 0).sum(0) == 0).sum(-1)

# %% code
plot_sae_over_features(model_sae, sae, title="Grey: true features · red: SAE decoder rows (no resampling)").show()
print("dead latents per instance:", count_dead_latents(sae, hidden_sampler(model_sae)).tolist())

# %% [markdown]
# ### Exercise 0b.3a — resampling dead latents (simple)
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# The fix is to **resample**: every so often, find the latents that have not fired at all recently and give them
# fresh weights. `frac_active` `(n_inst, d_sae)` comes from `train_sae`; a latent is **dead** when its
# `frac_active` is below `1e-8`.
#
# The simple rule, for every dead latent $j$ of instance $k$ (and nothing else):
# * draw a random direction $v \sim \mathcal N(0, I_{d_\text{in}})$ and scale it to unit norm (a fresh $v$ for
#   each dead latent);
# * set the decoder row `W_dec[k, j, :]` and the encoder column `W_enc[k, :, j]` both to $v$;
# * set `b_enc[k, j]` to 0.
#
# Return the boolean mask of dead latents `(n_inst, d_sae)`. Modify the parameters in place inside
# `torch.no_grad()` (e.g. `sae.W_dec.data[...] = ...`, or index assignment under the decorator given).

# %% solution id=ex03_resample_simple
@torch.no_grad()
def resample_simple(sae: nn.Module, frac_active: Tensor, h: Tensor) -> Tensor:
    """Re-initialise dead latents with random unit directions. Returns the dead mask (n_inst, d_sae), bool.

    frac_active: (n_inst, d_sae), dead where < 1e-8. h: (batch, n_inst, d_in), unused here.
    Writes W_dec[k, j, :] (d_in,), W_enc[k, :, j] (d_in,) and b_enc[k, j] of each dead latent (k, j) only.
    """
    ### BEGIN SOLUTION
    dead = frac_active < 1e-8
    n_dead = int(dead.sum())
    if n_dead == 0:
        return dead
    v = torch.randn(n_dead, sae.d_in, device=sae.W_dec.device)
    v = v / v.norm(dim=-1, keepdim=True)
    inst_idx, lat_idx = dead.nonzero(as_tuple=True)
    sae.W_dec.data[inst_idx, lat_idx, :] = v
    sae.W_enc.data[inst_idx, :, lat_idx] = v
    sae.b_enc.data[inst_idx, lat_idx] = 0.0
    return dead
    ### END SOLUTION

# %% visible id=ex03_resample_simple_visible
_sae = ToySAE(n_inst=2, d_in=2, d_sae=4)
_frac = torch.tensor([[0.0, 0.2, 0.1, 0.0], [0.3, 0.3, 0.3, 0.3]], device=device)
_old_dec = _sae.W_dec.detach().clone()
_dead = resample_simple(_sae, _frac, torch.zeros(8, 2, 2, device=device))
checks.assert_true(torch.equal(_dead.cpu(), torch.tensor([[True, False, False, True], [False] * 4])),
                   "resample_simple: wrong dead mask returned")
checks.assert_close(_sae.W_dec[1], _old_dec[1], "W_dec of an instance with no dead latent (must not change)")
checks.assert_close(_sae.W_dec[0, 0].norm(), torch.tensor(1.0), "norm of a resampled decoder row")
print("resample_simple passes the visible checks.")

# %% graded id=ex03_resample_simple_test points=2
### BEGIN HIDDEN TESTS
import torch
import torch.nn as _nn
import sae_course.checks as _chk

class _Params(_nn.Module):
    def __init__(self, n_inst, d_in, d_sae, g):
        super().__init__()
        self.n_inst, self.d_in, self.d_sae, self.l1_coeff = n_inst, d_in, d_sae, 0.2
        self.W_enc = _nn.Parameter(torch.randn(n_inst, d_in, d_sae, generator=g).to(device))
        self.W_dec = _nn.Parameter(torch.randn(n_inst, d_sae, d_in, generator=g).to(device) * 2)
        self.b_enc = _nn.Parameter(torch.randn(n_inst, d_sae, generator=g).to(device))
        self.b_dec = _nn.Parameter(torch.randn(n_inst, d_in, generator=g).to(device))

torch.manual_seed(1010)
_g = torch.Generator().manual_seed(1010)
_n_inst, _d_in, _d_sae = 4, 3, 50
_sae = _Params(_n_inst, _d_in, _d_sae, _g)
_frac = torch.rand(_n_inst, _d_sae, generator=_g) * 0.5 + 1e-3
_frac[torch.rand(_n_inst, _d_sae, generator=_g) < 0.4] = 0.0
_frac[1] = 0.02   # instance 1: every latent alive
_frac[2] = 0.0    # instance 2: every latent dead
_frac = _frac.to(device)
_dead = _frac < 1e-8
_old = {n: p.detach().clone() for n, p in _sae.named_parameters()}
_ret = resample_simple(_sae, _frac, torch.randn(16, _n_inst, _d_in, generator=_g).to(device))
_chk.assert_true(_ret is not None and torch.equal(torch.as_tensor(_ret).bool().cpu(), _dead.cpu()),
                 "resample_simple should return the boolean mask of dead latents (n_inst, d_sae)")
_live = ~_dead
_chk.assert_close(_sae.W_dec.detach()[_live], _old["W_dec"][_live], "decoder rows of live latents (must not change)", atol=0, rtol=0)
_chk.assert_close(_sae.W_enc.detach().transpose(1, 2)[_live], _old["W_enc"].transpose(1, 2)[_live],
                  "encoder columns of live latents (must not change)", atol=0, rtol=0)
_chk.assert_close(_sae.b_enc.detach()[_live], _old["b_enc"][_live], "b_enc of live latents (must not change)", atol=0, rtol=0)
_chk.assert_close(_sae.b_dec, _old["b_dec"], "b_dec (must not change)", atol=0, rtol=0)
_new_dec = _sae.W_dec.detach()[_dead]                     # (n_dead, d_in)
_new_enc = _sae.W_enc.detach().transpose(1, 2)[_dead]     # (n_dead, d_in)
_chk.assert_close(_new_dec.norm(dim=-1), torch.ones(len(_new_dec), device=device), "norms of the resampled decoder rows")
_chk.assert_close(_new_enc, _new_dec, "resampled encoder columns (they should equal the new decoder rows)")
_chk.assert_close(_sae.b_enc.detach()[_dead], torch.zeros(len(_new_dec), device=device), "b_enc of resampled latents")
_chk.assert_true(not bool(torch.isclose(_new_dec, _old["W_dec"][_dead]).all(-1).any()),
                 "resample_simple: some dead latents kept their old decoder row")
_cos = _new_dec @ _new_dec.T - torch.eye(len(_new_dec), device=device)
_chk.assert_true(float(_cos.abs().max()) < 0.99999, "resample_simple: each dead latent needs its own random direction")
_chk.assert_true(float(_new_dec.mean(0).norm()) < 0.35,
                 "resample_simple: the new directions should be Gaussian directions (spread over the whole sphere)")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 0b.3b — resampling toward badly reconstructed inputs (advanced)
# > Difficulty: ●●●●○ · Importance: ●●●○○
#
# A better rule points dead latents at inputs the SAE currently reconstructs badly, so they start out useful.
# For each instance $k$ that has dead latents:
# 1. compute the reconstruction loss of every input of the batch, $\ell_b$ = `loss_dict["L_reconstruction"][b, k]`
#    (run the SAE on `h`);
# 2. draw one input per dead latent, **with replacement**, with probability proportional to $\ell_b^2$
#    (`torch.multinomial`); if every $\ell_b$ is 0 there is nothing to fix — leave the instance alone;
# 3. for a dead latent $j$ given input $b$: $v = (h_b - b_\text{dec}) / \|h_b - b_\text{dec}\|$;
# 4. set the decoder row to $v$, the encoder column to $v \cdot$ `scale` $\cdot\, \bar n$, where $\bar n$ is the mean
#    norm of the encoder columns of the instance's **live** latents (use $\bar n = 1$ if none is alive), and
#    `b_enc` to 0.
#
# The small encoder norm (`scale` = 0.2) lets a resampled latent fire a little on its input without disrupting the
# others. Leave live latents (and instances with no dead latent) untouched, and return the dead mask.
#
# The published procedure also resets Adam's moment estimates for the resampled weights. We skip that here, and it
# matters little: a dead latent's encoder column, decoder row and bias have had zero gradient since it died, so
# their first moments have decayed by $0.9$ per step to essentially nothing; only a small leftover second moment
# (decaying by $0.999$ per step) remains, which slightly damps the first updates of the new weights rather than
# pushing them anywhere. In a large SAE where latents are resampled soon after dying, resetting the moments is the
# safer choice.

# %% solution id=ex03_resample_advanced
@torch.no_grad()
def resample_advanced(sae: nn.Module, frac_active: Tensor, h: Tensor, scale: float = 0.2) -> Tensor:
    """Re-initialise dead latents toward high-loss inputs of ``h``. Returns the dead mask (n_inst, d_sae), bool.

    frac_active: (n_inst, d_sae), dead where < 1e-8. h: (batch, n_inst, d_in).
    Per instance k: losses l = loss_dict["L_reconstruction"][:, k] (batch,); one input index per dead latent drawn
    with probability l² / sum(l²); W_dec[k, j, :] = v (d_in,), W_enc[k, :, j] = v * scale * mean live encoder norm,
    b_enc[k, j] = 0.
    """
    ### BEGIN SOLUTION
    dead = frac_active < 1e-8
    loss_dict, _, _, _ = sae(h)
    l_rec = loss_dict["L_reconstruction"]  # (batch, inst)
    for k in range(sae.n_inst):
        dead_k = dead[k].nonzero(as_tuple=True)[0]
        if len(dead_k) == 0:
            continue
        weights = l_rec[:, k] ** 2
        if float(weights.sum()) <= 0:
            continue
        idx = torch.multinomial(weights / weights.sum(), len(dead_k), replacement=True)
        v = h[idx, k] - sae.b_dec[k]
        v = v / v.norm(dim=-1, keepdim=True)
        live_k = ~dead[k]
        mean_norm = sae.W_enc[k][:, live_k].norm(dim=0).mean() if live_k.any() else 1.0
        sae.W_dec.data[k, dead_k, :] = v
        sae.W_enc.data[k, :, dead_k] = (v * scale * mean_norm).T
        sae.b_enc.data[k, dead_k] = 0.0
    return dead
    ### END SOLUTION

# %% visible id=ex03_resample_advanced_visible
torch.manual_seed(0)
_sae = ToySAE(n_inst=2, d_in=2, d_sae=4)
_frac = torch.tensor([[0.0, 0.2, 0.1, 0.3], [0.3, 0.3, 0.3, 0.3]], device=device)
_h = torch.randn(64, 2, 2, device=device)
_dead = resample_advanced(_sae, _frac, _h)
checks.assert_true(torch.equal(_dead.cpu(), torch.tensor([[True, False, False, False], [False] * 4])),
                   "resample_advanced: wrong dead mask returned")
checks.assert_close(_sae.W_dec[0, 0].norm(), torch.tensor(1.0), "norm of a resampled decoder row")
checks.assert_close(_sae.b_enc[0, 0], torch.tensor(0.0), "b_enc of a resampled latent")
print("resample_advanced passes the visible checks.")

# %% graded id=ex03_resample_advanced_test points=3
### BEGIN HIDDEN TESTS
import torch
import torch.nn as _nn
import sae_course.checks as _chk

class _RefSAE(_nn.Module):
    def __init__(self, n_inst, d_in, d_sae):
        super().__init__()
        self.n_inst, self.d_in, self.d_sae, self.l1_coeff = n_inst, d_in, d_sae, 0.2
        self.W_enc = _nn.Parameter(torch.zeros(n_inst, d_in, d_sae, device=device))
        self.W_dec = _nn.Parameter(torch.zeros(n_inst, d_sae, d_in, device=device))
        self.b_enc = _nn.Parameter(torch.zeros(n_inst, d_sae, device=device))
        self.b_dec = _nn.Parameter(torch.zeros(n_inst, d_in, device=device))

    @property
    def W_dec_normalized(self):
        return self.W_dec / self.W_dec.norm(p=2, dim=-1, keepdim=True)

    def forward(self, h):
        z = torch.relu(torch.einsum("bid,ids->bis", h - self.b_dec, self.W_enc) + self.b_enc)
        hr = torch.einsum("bis,isd->bid", z, self.W_dec_normalized) + self.b_dec
        ld = {"L_reconstruction": (hr - h).pow(2).mean(-1), "L_sparsity": z.abs().sum(-1)}
        return ld, (ld["L_reconstruction"] + self.l1_coeff * ld["L_sparsity"]).mean(0).sum(), z, hr

torch.manual_seed(1011)
_g = torch.Generator().manual_seed(1011)
_n_inst, _d_in, _d_sae, _B = 3, 4, 8, 64
_sae = _RefSAE(_n_inst, _d_in, _d_sae)
_frac = torch.full((_n_inst, _d_sae), 0.05)
_frac[0, [1, 4, 6]] = 0.0     # instance 0: three dead latents
_frac[1, 2] = 1e-3            # instance 1: all alive (one barely)
_frac[2] = 0.0                # instance 2: all dead
_frac = _frac.to(device)
_dead = _frac < 1e-8
with torch.no_grad():
    _dirs = torch.randn(_n_inst, _d_in, _d_sae, generator=_g)
    _dirs = _dirs / _dirs.norm(dim=1, keepdim=True)
    _enc_norms = torch.rand(_n_inst, _d_sae, generator=_g) * 1.5 + 0.5
    _enc_norms[_dead.cpu()] = 10.0   # dead latents' old encoders are much larger
    _sae.W_enc.copy_((_dirs * _enc_norms[:, None, :]).to(device))
    _sae.W_dec.copy_((torch.randn(_n_inst, _d_sae, _d_in, generator=_g) * 1.5).to(device))
    _sae.b_enc.copy_(torch.full((_n_inst, _d_sae), -100.0, device=device))   # no latent fires: h_rec = b_dec
    _bdec = torch.zeros(_n_inst, _d_in)
    _bdec[:, 1] = 2.0
    _sae.b_dec.copy_(_bdec.to(device))
# Every input sits (almost) on b_dec, so it is reconstructed almost perfectly, except input 17, which is far away.
_far = torch.zeros(_n_inst, _d_in)
_far[:, 0] = 3.0
_far[:, 2] = torch.tensor([0.5, -1.0, 1.5])
_h = _bdec.unsqueeze(0) + 1e-3 * torch.randn(_B, _n_inst, _d_in, generator=_g)
_h[17] = _bdec + _far
_h = _h.to(device)
_target = (_far / _far.norm(dim=-1, keepdim=True)).to(device)   # (inst, d_in): unit(h_17 - b_dec)
_old = {n: p.detach().clone() for n, p in _sae.named_parameters()}
for _scale in (0.2, 0.5):
    with torch.no_grad():
        for _n, _p in _sae.named_parameters():
            _p.copy_(_old[_n])
    _ret = resample_advanced(_sae, _frac, _h, scale=_scale)
    _chk.assert_true(_ret is not None and torch.equal(torch.as_tensor(_ret).bool().cpu(), _dead.cpu()),
                     "resample_advanced should return the boolean mask of dead latents")
    _live = ~_dead
    _chk.assert_close(_sae.W_dec.detach()[_live], _old["W_dec"][_live], "decoder rows of live latents (must not change)", atol=0, rtol=0)
    _chk.assert_close(_sae.W_enc.detach().transpose(1, 2)[_live], _old["W_enc"].transpose(1, 2)[_live],
                      "encoder columns of live latents (must not change)", atol=0, rtol=0)
    _chk.assert_close(_sae.b_enc.detach()[_live], _old["b_enc"][_live], "b_enc of live latents (must not change)", atol=0, rtol=0)
    _chk.assert_close(_sae.b_dec, _old["b_dec"], "b_dec (must not change)", atol=0, rtol=0)
    for _k in (0, 2):
        _idx = _dead[_k].nonzero(as_tuple=True)[0]
        _exp_dir = _target[_k].expand(len(_idx), _d_in)
        _chk.assert_close(_sae.W_dec.detach()[_k, _idx], _exp_dir,
                          f"resampled decoder rows of instance {_k}: they should point from b_dec to the inputs with "
                          "the largest reconstruction loss, with unit norm", atol=1e-4)
        _live_k = _live[_k]
        _nbar = float(_old["W_enc"][_k][:, _live_k].norm(dim=0).mean()) if bool(_live_k.any()) else 1.0
        _chk.assert_close(_sae.W_enc.detach()[_k][:, _idx].T, _exp_dir * _scale * _nbar,
                          f"resampled encoder columns of instance {_k} (scale={_scale})", atol=1e-4)
        _chk.assert_close(_sae.b_enc.detach()[_k, _idx], torch.zeros(len(_idx), device=device),
                          f"b_enc of resampled latents of instance {_k}")

# The sampling rule: two badly reconstructed inputs, A with loss l and B with loss 2l (every other input is
# reconstructed exactly). With probability proportional to loss², B should get about 4/5 of the dead latents.
torch.manual_seed(1012)
_n_dead = 600
_sae = _RefSAE(1, 2, _n_dead + 2)
with torch.no_grad():
    _sae.W_enc.copy_(torch.randn(1, 2, _n_dead + 2, generator=_g).to(device))
    _sae.W_dec.copy_(torch.randn(1, _n_dead + 2, 2, generator=_g).to(device))
    _sae.b_enc.fill_(-100.0)
_frac = torch.zeros(1, _n_dead + 2, device=device)
_frac[0, :2] = 0.1
_h = torch.zeros(40, 1, 2)
_h[5, 0] = torch.tensor([1.0, 0.0])                  # |h - b_dec|² = 1
_h[23, 0] = torch.tensor([0.0, 2.0 ** 0.5])          # |h - b_dec|² = 2
resample_advanced(_sae, _frac, _h.to(device))
_rows = _sae.W_dec.detach()[0, 2:].cpu()
_to_B = float((_rows[:, 1] > 0.99).float().mean())
_to_A = float((_rows[:, 0] > 0.99).float().mean())
_chk.assert_true(_to_A + _to_B > 0.99, "resample_advanced: some resampled decoder rows point at inputs that are "
                 "already reconstructed perfectly (their loss is 0)")
_chk.assert_true(0.74 < _to_B < 0.86, "resample_advanced: with two badly reconstructed inputs whose losses differ by "
                 "a factor of 2, the share of dead latents sent to each does not follow probabilities proportional "
                 "to the squared loss")
### END HIDDEN TESTS

# %% [markdown]
# Train the same SAE again — same seed, same two latents killed at the start — but with the advanced resampling
# every quarter of the run (none in the last quarter, so that resampled latents have time to settle). Compare the
# dead-latent counts and the picture with the run above.

# %% code
torch.manual_seed(6)
sae_resampled = ToySAE(n_inst=n_inst_sae, d_in=2, d_sae=5, l1_coeff=0.2)
kill_latents(sae_resampled)
log_resampled = train_sae(sae_resampled, hidden_sampler(model_sae), steps=sae_steps, batch_size=sae_batch, lr=3e-3,
                          resample_fn=resample_advanced, resample_every=sae_steps // 4)
plots.lines({"L_reconstruction (no resampling)": log_plain["L_reconstruction"],
             "L_reconstruction (resampling)": log_resampled["L_reconstruction"]},
            title="Reconstruction loss with and without resampling", xlabel="step", log_y=True).show()
plot_sae_over_features(model_sae, sae_resampled, title="Grey: true features · red: SAE decoder rows (resampling)").show()
print("dead latents per instance:", count_dead_latents(sae_resampled, hidden_sampler(model_sae)).tolist())

# %% [markdown]
# ### Checkpoint 0b.A — what did the dead latents cost?
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# The two runs above share their seed, their data and the two latents killed at the start; the only difference is the
# resampling. Read the log-scale plot and set `dead_latent_cost` to the option among `1`, `3`, `10` and `30` nearest to
# the ratio
#
# $$\frac{\text{reconstruction loss without resampling}}{\text{reconstruction loss with resampling}}$$
#
# over the **last tenth** of training (on a log scale, "nearest" means the smallest factor apart). The hidden test
# computes the ratio from `log_plain` and `log_resampled` and checks your choice.

# %% solution id=ex03_cost_answer
dead_latent_cost = None   # your answer: 1, 3, 10 or 30
### BEGIN SOLUTION
_tenth = len(log_plain["L_reconstruction"]) // 10
_ratio = np.mean(log_plain["L_reconstruction"][-_tenth:]) / np.mean(log_resampled["L_reconstruction"][-_tenth:])
dead_latent_cost = min((1, 3, 10, 30), key=lambda c: abs(math.log(c / _ratio)))
### END SOLUTION

# %% visible id=ex03_cost_answer_visible
checks.assert_true(dead_latent_cost in (1, 3, 10, 30), "dead_latent_cost should be 1, 3, 10 or 30")
print("Answer recorded; the graded test checks it.")

# %% graded id=ex03_cost_answer_test points=1
### BEGIN HIDDEN TESTS
import math as _math
import sae_course.checks as _chk

def _t():
    _at, _plain = _chk.assert_true, _chk.plain
    _a = _plain(list(log_plain["L_reconstruction"]))
    _b = _plain(list(log_resampled["L_reconstruction"]))
    _n = max(1, len(_a) // 10)
    _r = (sum(_a[-_n:]) / _n) / (sum(_b[-_n:]) / _n)
    _ans = _plain(dead_latent_cost)
    _at(type(_ans) is int and _ans in (1, 3, 10, 30), "dead_latent_cost should be 1, 3, 10 or 30")
    _best = min(abs(_math.log(_c / _r)) for _c in (1, 3, 10, 30))
    _at(abs(_math.log(_ans / _r)) <= _best + _math.log(1.2),
        "dead_latent_cost: another option is clearly nearer to the measured ratio of the final reconstruction losses "
        "(without / with resampling, last tenth of training, compared on a log scale)")

_t(); del _t
### END HIDDEN TESTS

# %% [markdown]
# Each instance has five features and, after the kill, three live latents. Without resampling two features have no
# latent of their own: the SAE can only reconstruct them through the latents of their neighbours, at an angle and
# with a sparsity penalty on top, so part of the loss stays for the rest of training. Resampling hands the dead
# latents to the inputs reconstructed worst, which are mostly the orphaned features' inputs, and the gap closes as the
# new latents settle. (Whatever your run shows, the hidden test measured the same logs you read.) In a large SAE the
# same arithmetic runs over thousands of latents: every dead one is a feature reconstructed second-hand, or not at all.

# %% [markdown]
# ## Part 3 — Other SAE designs
#
# The $L_1$ penalty has a known side effect, **shrinkage**: it pushes every active latent toward zero, so the SAE
# systematically under-estimates feature values, and it trades off "how many latents fire" against "how strongly".
# Three popular designs avoid or reduce this. Each is a small change to the forward pass.
#
# ### Exercise 0b.4a — TopK activations
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# A **TopK** SAE fixes the number of active latents directly: keep the $k$ largest pre-activations of each input,
# set all the others to zero, and apply a ReLU to what is kept (so a kept value that is negative is still 0). No
# sparsity penalty is needed — $L_0 \le k$ by construction.
#
# Write `topk_activations(pre_acts, k)` working along the **last** axis of a tensor of any shape. It must be
# differentiable: the gradient should reach exactly the kept, positive entries (`Tensor.topk` and
# `Tensor.scatter` do this for you).

# %% solution id=ex04_topk
def topk_activations(pre_acts: Tensor, k: int) -> Tensor:
    """pre_acts: (..., d_sae). Keep the k largest entries along the last axis (then ReLU), zero elsewhere."""
    ### BEGIN SOLUTION
    values, indices = pre_acts.topk(k, dim=-1)
    return torch.zeros_like(pre_acts).scatter(-1, indices, F.relu(values))
    ### END SOLUTION

# %% visible id=ex04_topk_visible
_pre = torch.tensor([[0.5, -1.0, 2.0, 0.1]], device=device)
checks.assert_close(topk_activations(_pre, 2), torch.tensor([[0.5, 0.0, 2.0, 0.0]], device=device),
                    "topk_activations with k=2 on a small example")
checks.assert_shape(topk_activations(torch.randn(3, 2, 6, device=device), 2), (3, 2, 6), "topk_activations output")
print("topk_activations passes the visible checks.")

# %% graded id=ex04_topk_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _ref_topk(x, k):
    v, i = x.topk(k, dim=-1)
    return torch.zeros_like(x).scatter(-1, i, torch.relu(v))

_g = torch.Generator().manual_seed(1111)
for _shape, _k in [((7, 3, 10), 1), ((7, 3, 10), 4), ((5, 2, 9), 7), ((6, 12), 3)]:
    _x = torch.randn(*_shape, generator=_g, dtype=torch.float64).to(device).requires_grad_(True)
    _x_ref = _x.detach().clone().requires_grad_(True)
    _up = torch.randn(*_shape, generator=_g, dtype=torch.float64).to(device)
    _y = topk_activations(_x, _k)
    _y_ref = _ref_topk(_x_ref, _k)
    _what = f"topk_activations on shape {_shape} with k={_k}"
    _chk.assert_close(_y, _y_ref, _what)
    _chk.assert_true(_y.requires_grad, f"{_what}: the output should be differentiable with respect to pre_acts")
    (_y * _up).sum().backward()
    (_y_ref * _up).sum().backward()
    _chk.assert_close(_x.grad, _x_ref.grad, f"gradient of {_what}")
_x = torch.randn(4, 2, 6, generator=_g, dtype=torch.float64).to(device).requires_grad_(True)
_chk.assert_true(torch.autograd.gradcheck(lambda t: topk_activations(t, 3), (_x,), raise_exception=False),
                 "topk_activations: torch.autograd.gradcheck fails (the gradient does not match finite differences)")
### END HIDDEN TESTS

# %% setup id=topk_sae
class TopKToySAE(ToySAE):
    """A ToySAE whose latents are topk_activations of the pre-activations; the loss is reconstruction only."""

    def __init__(self, n_inst: int, d_in: int, d_sae: int, k: int, device=device):
        super().__init__(n_inst, d_in, d_sae, l1_coeff=0.0, device=device)
        self.k = k

    def forward(self, h: Tensor):
        pre = einops.einsum(h - self.b_dec, self.W_enc, "batch inst d_in, inst d_in d_sae -> batch inst d_sae") + self.b_enc
        acts = topk_activations(pre, self.k)
        h_rec = einops.einsum(acts, self.W_dec_normalized, "batch inst d_sae, inst d_sae d_in -> batch inst d_in") + self.b_dec
        loss_dict = {"L_reconstruction": (h_rec - h).pow(2).mean(-1), "L_sparsity": (acts > 0).float().sum(-1)}
        return loss_dict, loss_dict["L_reconstruction"].mean(0).sum(), acts, h_rec

# %% [markdown]
# ### Exercise 0b.4b — Gated SAE
# > Difficulty: ●●●●○ · Importance: ●●●○○
#
# A **Gated** SAE separates *whether* a latent fires from *how strongly*. With $\tilde h = h - b_\text{dec}$:
#
# $$\pi_\text{gate} = \tilde h\, W_\text{gate} + b_\text{gate}, \qquad
#   \pi_\text{mag} = \tilde h\, W_\text{mag} + b_\text{mag}, \quad W_\text{mag} = W_\text{gate} \odot \exp(r_\text{mag})$$
#
# (the magnitude path re-uses the gate's directions, rescaled per latent by $\exp(r_\text{mag})$, which is
# broadcast over `d_in`). Then
#
# $$z = \mathbb 1[\pi_\text{gate} > 0] \odot \operatorname{ReLU}(\pi_\text{mag}), \qquad \hat h = z\,\hat W_\text{dec} + b_\text{dec}.$$
#
# The indicator has no gradient, so the gate path is trained through its own terms. Per example and instance:
# * $L_\text{reconstruction} = \frac{1}{d_\text{in}}\|\hat h - h\|^2$;
# * $L_\text{sparsity} = \sum_j \operatorname{ReLU}(\pi_\text{gate})_j$ — the $L_1$ penalty is put on the gate's
#   pre-activations, not on $z$, so it does not shrink the magnitudes;
# * $L_\text{aux} = \frac{1}{d_\text{in}}\|\operatorname{ReLU}(\pi_\text{gate})\,\hat W_\text{dec}^{\text{(detached)}} + b_\text{dec}^{\text{(detached)}} - h\|^2$,
#   which asks the gate path alone to reconstruct $h$. The decoder is **detached** here (`.detach()`): this term
#   should train the gate, not the decoder.
#
# $L = \sum_\text{inst}\operatorname{mean}_\text{batch}(L_\text{reconstruction} + \lambda L_\text{sparsity} + L_\text{aux})$.
# First create the parameters in `__init__`, all `nn.Parameter`s on `device`: `W_gate` `(n_inst, d_in, d_sae)` with
# `nn.init.xavier_normal_`; `r_mag`, `b_gate`, `b_mag` `(n_inst, d_sae)` all zeros — so that at the start
# $\exp(r_\text{mag}) = 1$ and the magnitude path equals the gate path; `W_dec` `(n_inst, d_sae, d_in)` a **copy**
# of `W_gate` transposed (tied at the start, trained separately afterwards); `b_dec` `(n_inst, d_in)` zeros.
#
# Then complete `forward`, returning `(loss_dict, loss, acts, h_reconstructed)` as in `ToySAE` with the extra key
# `"L_aux"` in `loss_dict`.

# %% solution id=ex04_gated
class GatedToySAE(nn.Module):
    """Gated SAE per instance: W_gate (n_inst, d_in, d_sae), r_mag, b_gate, b_mag (n_inst, d_sae), W_dec, b_dec."""

    def __init__(self, n_inst: int, d_in: int, d_sae: int, l1_coeff: float = 0.2, device=device):
        super().__init__()
        self.n_inst, self.d_in, self.d_sae, self.l1_coeff = n_inst, d_in, d_sae, l1_coeff
        ### BEGIN SOLUTION
        self.W_gate = nn.Parameter(nn.init.xavier_normal_(torch.empty(n_inst, d_in, d_sae, device=device)))
        self.r_mag = nn.Parameter(torch.zeros(n_inst, d_sae, device=device))
        self.b_gate = nn.Parameter(torch.zeros(n_inst, d_sae, device=device))
        self.b_mag = nn.Parameter(torch.zeros(n_inst, d_sae, device=device))
        self.W_dec = nn.Parameter(self.W_gate.detach().transpose(-1, -2).clone())
        self.b_dec = nn.Parameter(torch.zeros(n_inst, d_in, device=device))
        ### END SOLUTION

    @property
    def W_dec_normalized(self) -> Tensor:
        return self.W_dec / self.W_dec.norm(dim=-1, keepdim=True).clamp_min(1e-8)

    def forward(self, h: Tensor):
        """h: (batch, n_inst, d_in) -> (loss_dict, loss, acts, h_reconstructed)."""
        ### BEGIN SOLUTION
        h_cent = h - self.b_dec
        pi_gate = einops.einsum(h_cent, self.W_gate, "batch inst d_in, inst d_in d_sae -> batch inst d_sae") + self.b_gate
        W_mag = self.W_gate * self.r_mag.exp().unsqueeze(1)
        pi_mag = einops.einsum(h_cent, W_mag, "batch inst d_in, inst d_in d_sae -> batch inst d_sae") + self.b_mag
        acts = (pi_gate > 0).to(h.dtype) * F.relu(pi_mag)
        W_dec_n = self.W_dec_normalized
        h_reconstructed = einops.einsum(acts, W_dec_n, "batch inst d_sae, inst d_sae d_in -> batch inst d_in") + self.b_dec
        gate_acts = F.relu(pi_gate)
        h_aux = einops.einsum(gate_acts, W_dec_n.detach(), "batch inst d_sae, inst d_sae d_in -> batch inst d_in") \
            + self.b_dec.detach()
        loss_dict = {
            "L_reconstruction": (h_reconstructed - h).pow(2).mean(-1),
            "L_sparsity": gate_acts.sum(-1),
            "L_aux": (h_aux - h).pow(2).mean(-1),
        }
        loss = (loss_dict["L_reconstruction"] + self.l1_coeff * loss_dict["L_sparsity"] + loss_dict["L_aux"]).mean(0).sum()
        return loss_dict, loss, acts, h_reconstructed
        ### END SOLUTION

# %% visible id=ex04_gated_visible
_gsae = GatedToySAE(n_inst=2, d_in=3, d_sae=4)
_loss_dict, _loss, _acts, _h_rec = _gsae(torch.randn(5, 2, 3, device=device))
checks.assert_true(set(_loss_dict) == {"L_reconstruction", "L_sparsity", "L_aux"},
                   "GatedToySAE loss_dict should have the keys 'L_reconstruction', 'L_sparsity' and 'L_aux'")
checks.assert_shape(_acts, (5, 2, 4), "GatedToySAE acts")
checks.assert_shape(_h_rec, (5, 2, 3), "GatedToySAE h_reconstructed")
checks.assert_shape(_loss, (), "GatedToySAE loss")
checks.assert_true((_acts >= 0).all(), "GatedToySAE acts should be non-negative")
print("GatedToySAE passes the visible checks.")

# %% graded id=ex04_gated_test points=3
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

_NAMES = ("W_gate", "r_mag", "b_gate", "b_mag", "W_dec", "b_dec")

def _ref_gated(p, h, l1):
    Wd = p["W_dec"] / p["W_dec"].norm(dim=-1, keepdim=True)
    hc = h - p["b_dec"]
    pg = torch.einsum("bid,ids->bis", hc, p["W_gate"]) + p["b_gate"]
    pm = torch.einsum("bid,ids->bis", hc, p["W_gate"] * p["r_mag"].exp()[:, None, :]) + p["b_mag"]
    z = (pg > 0).to(h.dtype) * torch.relu(pm)
    hr = torch.einsum("bis,isd->bid", z, Wd) + p["b_dec"]
    ha = torch.einsum("bis,isd->bid", torch.relu(pg), Wd.detach()) + p["b_dec"].detach()
    ld = {"L_reconstruction": (hr - h).pow(2).mean(-1), "L_sparsity": torch.relu(pg).sum(-1),
          "L_aux": (ha - h).pow(2).mean(-1)}
    return ld, (ld["L_reconstruction"] + l1 * ld["L_sparsity"] + ld["L_aux"]).mean(0).sum(), z, hr

_g = torch.Generator().manual_seed(1112)
for _n_inst, _d_in, _d_sae, _l1 in [(2, 4, 6, 0.3), (3, 2, 5, 0.8)]:
    _m = GatedToySAE(n_inst=_n_inst, d_in=_d_in, d_sae=_d_sae, l1_coeff=_l1, device=device).double()
    _vals = {"W_gate": torch.randn(_n_inst, _d_in, _d_sae, generator=_g, dtype=torch.float64),
             "r_mag": 0.5 * torch.randn(_n_inst, _d_sae, generator=_g, dtype=torch.float64),
             "b_gate": 0.5 * torch.randn(_n_inst, _d_sae, generator=_g, dtype=torch.float64),
             "b_mag": 0.5 * torch.randn(_n_inst, _d_sae, generator=_g, dtype=torch.float64),
             "W_dec": 1.5 * torch.randn(_n_inst, _d_sae, _d_in, generator=_g, dtype=torch.float64),
             "b_dec": 0.3 * torch.randn(_n_inst, _d_in, generator=_g, dtype=torch.float64)}
    with torch.no_grad():
        for _n in _NAMES:
            getattr(_m, _n).copy_(_vals[_n].to(device))
    _h = torch.randn(11, _n_inst, _d_in, generator=_g, dtype=torch.float64).to(device)
    _ref_p = {_n: _vals[_n].to(device).requires_grad_(True) for _n in _NAMES}
    _rld, _rloss, _rz, _rhr = _ref_gated(_ref_p, _h, _l1)
    _rgrads = torch.autograd.grad(_rloss, [_ref_p[_n] for _n in _NAMES])
    _what = f"(n_inst={_n_inst}, d_in={_d_in}, d_sae={_d_sae}, l1_coeff={_l1})"
    _ld, _loss, _z, _hr = _m(_h)
    _chk.assert_close(_z, _rz, f"GatedToySAE acts {_what}")
    _chk.assert_close(_hr, _rhr, f"GatedToySAE h_reconstructed {_what}")
    for _key in ("L_reconstruction", "L_sparsity", "L_aux"):
        _chk.assert_true(_key in _ld, f"GatedToySAE loss_dict is missing '{_key}'")
        _chk.assert_close(_ld[_key], _rld[_key], f"GatedToySAE loss_dict['{_key}'] {_what}")
    _chk.assert_scalar_close(_loss, _rloss, f"GatedToySAE loss {_what}")
    _m.zero_grad()
    _loss.backward()
    for _n, _rg in zip(_NAMES, _rgrads):
        _p = getattr(_m, _n)
        _chk.assert_close(_p.grad if _p.grad is not None else torch.zeros_like(_p), _rg,
                          f"gradient of the loss with respect to {_n} {_what}")
### END HIDDEN TESTS

# %% graded id=ex04_gated_test2 points=1
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

torch.manual_seed(1118)
for _n_inst, _d_in, _d_sae in [(3, 2, 5), (2, 4, 7)]:
    _m = GatedToySAE(n_inst=_n_inst, d_in=_d_in, d_sae=_d_sae, device=device)
    _what = f"GatedToySAE initialisation (n_inst={_n_inst}, d_in={_d_in}, d_sae={_d_sae})"
    _shapes = {"W_gate": (_n_inst, _d_in, _d_sae), "r_mag": (_n_inst, _d_sae), "b_gate": (_n_inst, _d_sae),
               "b_mag": (_n_inst, _d_sae), "W_dec": (_n_inst, _d_sae, _d_in), "b_dec": (_n_inst, _d_in)}
    _params = dict(_m.named_parameters())
    for _n, _shape in _shapes.items():
        _chk.assert_true(_n in _params, f"{_what}: {_n} should be an nn.Parameter of the module")
        _chk.assert_shape(_params[_n], _shape, f"{_what}: {_n}")
    for _n in ("r_mag", "b_gate", "b_mag", "b_dec"):
        _chk.assert_close(_params[_n], torch.zeros(_shapes[_n], device=device), f"{_what}: {_n} at initialisation",
                          atol=0, rtol=0)
    _chk.assert_true(float(_m.W_gate.detach().std()) > 0.05, f"{_what}: W_gate should be randomly initialised")
    _chk.assert_close(_m.W_dec, _m.W_gate.detach().transpose(-1, -2), f"{_what}: W_dec should start as W_gate transposed",
                      atol=0, rtol=0)
    _before = _m.W_dec.detach().clone()
    with torch.no_grad():
        _m.W_gate.add_(1.0)
    _chk.assert_close(_m.W_dec, _before, f"{_what}: W_dec changed when W_gate was modified; W_dec must be its own copy",
                      atol=0, rtol=0)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 0b.4b2 — resampling the Gated SAE's dead latents
# > Difficulty: ●●●○○ · Importance: ●●●○○
#
# A Gated latent has more parameters than a `ToySAE` latent, so `resample_advanced` does not fit it. Write
# `resample_gated(sae, frac_active, h, scale)` with the same rule as 0b.3b (dead where `frac_active < 1e-8`; per
# instance with dead latents, one input per dead latent drawn with replacement with probability $\propto \ell_b^2$,
# $\ell$ = `loss_dict["L_reconstruction"]` of the Gated SAE on `h`; leave an instance alone if every $\ell_b$ is 0;
# $v = (h_b - b_\text{dec}) / \|h_b - b_\text{dec}\|$), applied to the Gated parameters. For a dead latent $j$ of
# instance $k$ decide yourself what must be reset, from how the latent computes:
#
# * the decoder row and the gate's encoder column: as in 0b.3b, with $\bar n$ the mean norm of the **live**
#   latents' columns of `W_gate` ($\bar n = 1$ if none is alive);
# * the magnitude path: remember that $W_\text{mag}$ is not a parameter of its own — it is `W_gate` rescaled per
#   latent by $\exp(r_\text{mag})$. A dead latent's old `r_mag` and `b_mag` were learned for a direction it no longer
#   has; the new latent should start as a fresh one does in `__init__`;
# * both biases.
#
# Leave live latents, `b_dec` and instances without dead latents untouched; return the dead mask. (Adam's moments
# are not reset here either, for the reason given in 0b.3b: while a Gated latent is dead its gate never opens, so
# its gate column, decoder row, `r_mag` and both biases all get zero gradient, and their first moments decay away.)

# %% solution id=ex04_gated_resample
@torch.no_grad()
def resample_gated(sae: nn.Module, frac_active: Tensor, h: Tensor, scale: float = 0.2) -> Tensor:
    """Re-initialise the dead latents of a GatedToySAE toward high-loss inputs. Returns the dead mask (n_inst, d_sae).

    frac_active: (n_inst, d_sae), dead where < 1e-8. h: (batch, n_inst, d_in).
    Per dead latent (k, j): W_dec[k, j, :] (d_in,), W_gate[k, :, j] (d_in,), r_mag[k, j], b_gate[k, j], b_mag[k, j].
    """
    ### BEGIN SOLUTION
    dead = frac_active < 1e-8
    l_rec = sae(h)[0]["L_reconstruction"]  # (batch, inst)
    for k in range(sae.n_inst):
        dead_k = dead[k].nonzero(as_tuple=True)[0]
        if len(dead_k) == 0:
            continue
        weights = l_rec[:, k] ** 2
        if float(weights.sum()) <= 0:
            continue
        idx = torch.multinomial(weights / weights.sum(), len(dead_k), replacement=True)
        v = h[idx, k] - sae.b_dec[k]
        v = v / v.norm(dim=-1, keepdim=True)
        live_k = ~dead[k]
        mean_norm = sae.W_gate[k][:, live_k].norm(dim=0).mean() if live_k.any() else 1.0
        sae.W_dec.data[k, dead_k, :] = v
        sae.W_gate.data[k, :, dead_k] = (v * scale * mean_norm).T
        sae.r_mag.data[k, dead_k] = 0.0
        sae.b_gate.data[k, dead_k] = 0.0
        sae.b_mag.data[k, dead_k] = 0.0
    return dead
    ### END SOLUTION

# %% visible id=ex04_gated_resample_visible
torch.manual_seed(0)
_gsae = GatedToySAE(n_inst=2, d_in=2, d_sae=4)
with torch.no_grad():
    _gsae.r_mag.fill_(0.7)
    _gsae.b_mag.fill_(0.3)
_frac = torch.tensor([[0.0, 0.2, 0.1, 0.3], [0.3, 0.3, 0.3, 0.3]], device=device)
_dead = resample_gated(_gsae, _frac, torch.randn(64, 2, 2, device=device))
checks.assert_true(torch.equal(_dead.cpu(), torch.tensor([[True, False, False, False], [False] * 4])),
                   "resample_gated: wrong dead mask returned")
checks.assert_close(_gsae.W_dec[0, 0].norm(), torch.tensor(1.0), "norm of a resampled decoder row")
checks.assert_close(_gsae.r_mag[1], torch.full((4,), 0.7, device=device), "r_mag of an instance with no dead latent (must not change)")
print("resample_gated passes the visible checks.")

# %% graded id=ex04_gated_resample_test points=3
### BEGIN HIDDEN TESTS
import torch
import torch.nn as _nn
import sae_course.checks as _chk

def _t():
    _ac, _at, _plain = _chk.assert_close, _chk.assert_true, _chk.plain
    _teq, _tzeros, _tstack = torch.equal, torch.zeros, torch.stack
    _PN = ("W_gate", "r_mag", "b_gate", "b_mag", "W_dec", "b_dec")

    class _GRef(_nn.Module):
        def __init__(self, n_i, d_i, d_s):
            super().__init__()
            self.n_inst, self.d_in, self.d_sae, self.l1_coeff = n_i, d_i, d_s, 0.2
            for _nm, _sh in (("W_gate", (n_i, d_i, d_s)), ("r_mag", (n_i, d_s)), ("b_gate", (n_i, d_s)),
                             ("b_mag", (n_i, d_s)), ("W_dec", (n_i, d_s, d_i)), ("b_dec", (n_i, d_i))):
                setattr(self, _nm, _nn.Parameter(torch.zeros(_sh, device=device)))

        @property
        def W_dec_normalized(self):
            return self.W_dec / self.W_dec.norm(p=2, dim=-1, keepdim=True)

        def forward(self, x):
            xc = x - self.b_dec
            pg = torch.einsum("bid,ids->bis", xc, self.W_gate) + self.b_gate
            pm = torch.einsum("bid,ids->bis", xc, self.W_gate * torch.exp(self.r_mag)[:, None, :]) + self.b_mag
            zz = (pg > 0).to(x.dtype) * torch.relu(pm)
            xr = torch.einsum("bis,isd->bid", zz, self.W_dec_normalized) + self.b_dec
            xa = torch.einsum("bis,isd->bid", torch.relu(pg), self.W_dec_normalized.detach()) + self.b_dec.detach()
            ld = {"L_reconstruction": ((xr - x) ** 2).mean(-1), "L_sparsity": torch.relu(pg).sum(-1),
                  "L_aux": ((xa - x) ** 2).mean(-1)}
            return ld, (ld["L_reconstruction"] + 0.2 * ld["L_sparsity"] + ld["L_aux"]).mean(0).sum(), zz, xr

    torch.manual_seed(1121)
    g = torch.Generator().manual_seed(1121)
    n_i, d_i, d_s, nb = 3, 4, 8, 64
    fa = torch.full((n_i, d_s), 0.05)
    fa[0, [0, 3, 5]] = 0.0     # instance 0: three dead latents
    fa[1, 6] = 1e-3            # instance 1: all alive (one barely)
    fa[2] = 0.0                # instance 2: all dead
    fa = fa.to(device)
    dm = fa < 1e-8
    lm = ~dm
    dirs = torch.randn(n_i, d_i, d_s, generator=g)
    dirs = dirs / dirs.norm(dim=1, keepdim=True)
    cn = torch.rand(n_i, d_s, generator=g) * 1.5 + 0.5
    cn[dm.cpu()] = 10.0        # the dead latents' old gate columns are much longer
    bd = torch.zeros(n_i, d_i)
    bd[:, 2] = -1.5
    start = {"W_gate": (dirs * cn[:, None, :]).to(device),
             "r_mag": (0.8 * torch.randn(n_i, d_s, generator=g)).to(device),
             "b_gate": torch.full((n_i, d_s), -100.0, device=device),    # nothing fires: h_rec = b_dec
             "b_mag": (0.5 * torch.randn(n_i, d_s, generator=g) + 1.0).to(device),
             "W_dec": (1.5 * torch.randn(n_i, d_s, d_i, generator=g)).to(device),
             "b_dec": bd.to(device)}
    far = torch.zeros(n_i, d_i)
    far[:, 1] = 2.5
    far[:, 3] = torch.tensor([1.0, -0.5, 2.0])
    hx = bd.unsqueeze(0) + 1e-3 * torch.randn(nb, n_i, d_i, generator=g)
    hx[29] = bd + far          # the one input reconstructed badly
    hx = hx.to(device)
    tgt = (far / far.norm(dim=-1, keepdim=True)).to(device)
    for sc in (0.2, 0.6):
        m = _GRef(n_i, d_i, d_s)
        with torch.no_grad():
            for nm in _PN:
                getattr(m, nm).copy_(start[nm])
        ret = _plain(resample_gated(m, fa.clone(), hx.clone(), scale=sc))
        _at(ret is not None and ret.shape == dm.shape and _teq(ret.bool().cpu(), dm.cpu()),
            "resample_gated should return the boolean mask of dead latents (n_inst, d_sae)")
        now = {nm: _plain(getattr(m, nm)) for nm in _PN}
        _ac(now["b_dec"], start["b_dec"], "b_dec (must not change)", atol=0, rtol=0)
        _ac(now["W_dec"][lm], start["W_dec"][lm], "decoder rows of live latents (must not change)", atol=0, rtol=0)
        _ac(now["W_gate"].transpose(1, 2)[lm], start["W_gate"].transpose(1, 2)[lm],
            "W_gate columns of live latents (must not change)", atol=0, rtol=0)
        for nm in ("r_mag", "b_gate", "b_mag"):
            _ac(now[nm][lm], start[nm][lm], f"{nm} of live latents (must not change)", atol=0, rtol=0)
        for k in (0, 2):
            js = dm[k].nonzero(as_tuple=True)[0]
            want = tgt[k].expand(len(js), d_i)
            _ac(now["W_dec"][k, js], want, f"resampled decoder rows of instance {k}: they should point from b_dec "
                "to the input with the largest reconstruction loss, with unit norm", atol=1e-4)
            nbar = float(start["W_gate"][k][:, lm[k]].norm(dim=0).mean()) if bool(lm[k].any()) else 1.0
            _ac(now["W_gate"][k][:, js].T, want * sc * nbar,
                f"resampled W_gate columns of instance {k} (scale={sc}): direction, or length relative to the live "
                "latents' gate columns", atol=1e-4)
            for nm, why in (("r_mag", "the magnitude path should start equal to the gate path, as after __init__"),
                            ("b_gate", "as after __init__"), ("b_mag", "as after __init__")):
                _ac(now[nm][k, js], _tzeros(len(js), device=device), f"{nm} of resampled latents of instance {k} ({why})",
                    atol=0, rtol=0)

    # The sampling rule: two badly reconstructed inputs with squared distances 1 and 2 from b_dec (losses l and 2l).
    nd = 600
    m = _GRef(1, 2, nd + 2)
    with torch.no_grad():
        m.W_gate.copy_(torch.randn(1, 2, nd + 2, generator=g).to(device))
        m.W_dec.copy_(torch.randn(1, nd + 2, 2, generator=g).to(device))
        m.b_gate.fill_(-100.0)
    fa = torch.zeros(1, nd + 2, device=device)
    fa[0, :2] = 0.1
    hx = torch.zeros(40, 1, 2)
    hx[11, 0] = torch.tensor([0.0, 1.0])
    hx[30, 0] = torch.tensor([-(2.0 ** 0.5), 0.0])
    resample_gated(m, fa, hx.to(device))
    rows = _plain(m.W_dec)[0, 2:].cpu()
    to_a = float((rows[:, 1] > 0.99).float().mean())
    to_b = float((rows[:, 0] < -0.99).float().mean())
    _at(to_a + to_b > 0.99, "resample_gated: some resampled decoder rows point at inputs that are already "
        "reconstructed perfectly (their loss is 0)")
    _at(0.74 < to_b < 0.86, "resample_gated: with two badly reconstructed inputs whose losses differ by a factor of 2, "
        "the share of dead latents sent to each does not follow probabilities proportional to the squared loss")

globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 0b.4c — JumpReLU and its straight-through gradients
# > Difficulty: ●●●●○ · Importance: ●●●○○
#
# A **JumpReLU** latent passes its pre-activation through unchanged if it exceeds a learned threshold $\theta > 0$,
# and outputs 0 otherwise: $\operatorname{JumpReLU}_\theta(x) = x\, H(x - \theta)$ with $H$ the Heaviside step.
# Sparsity can then be penalised with the number of active latents itself, $L_0 = \sum_j H(x_j - \theta_j)$.
#
# Both functions are flat in $\theta$ almost everywhere, so their true gradient with respect to $\theta$ is useless.
# We replace it with a **straight-through estimator**: pretend the jump is smeared over a window of width $\varepsilon$
# (the *bandwidth*) using the rectangle kernel $K(u) = \mathbb 1[|u| < 1/2]$ (given as `rectangle`):
#
# | function | forward | $\partial/\partial x$ | $\partial/\partial\theta$ (pseudo-gradient) |
# |---|---|---|---|
# | `JumpReLU` | $x\,H(x-\theta)$ | $H(x-\theta)$ | $-\frac{\theta}{\varepsilon}\,K\!\big(\frac{x-\theta}{\varepsilon}\big)$ |
# | `StepFunction` | $H(x-\theta)$ | $0$ | $-\frac{1}{\varepsilon}\,K\!\big(\frac{x-\theta}{\varepsilon}\big)$ |
#
# ($H(u) = 1$ when $u > 0$, else 0.) Implement both as `torch.autograd.Function`s. `forward(ctx, x, threshold,
# bandwidth)` receives `x` of shape `(batch, n_inst, d_sae)` and a `threshold` that broadcasts against it (e.g.
# `(n_inst, d_sae)`); save what `backward` needs with `ctx.save_for_backward` (tensors) or as attributes of `ctx`
# (the float bandwidth). `backward(ctx, grad_output)` returns one gradient per input of `forward`: for `x`, for
# `threshold` — multiplied by `grad_output` (chain rule) and then **summed back to `threshold`'s shape** with the
# helper `sum_to_shape` — and `None` for the bandwidth.

# %% setup id=jumprelu_helpers
def rectangle(u: Tensor) -> Tensor:
    """The rectangle kernel K(u) = 1 if |u| < 1/2 else 0."""
    return ((u > -0.5) & (u < 0.5)).to(u.dtype)


def sum_to_shape(t: Tensor, shape) -> Tensor:
    """Sum a gradient over the axes along which a tensor of ``shape`` was broadcast to ``t.shape``."""
    shape = tuple(shape)
    while t.ndim > len(shape):
        t = t.sum(0)
    for axis, size in enumerate(shape):
        if size == 1 and t.shape[axis] != 1:
            t = t.sum(axis, keepdim=True)
    return t

# %% solution id=ex04_jumprelu
class JumpReLU(torch.autograd.Function):
    """JumpReLU_θ(x) = x·H(x − θ) with a straight-through pseudo-gradient for θ."""

    @staticmethod
    def forward(ctx, x: Tensor, threshold: Tensor, bandwidth: float) -> Tensor:
        """x: (batch, n_inst, d_sae); threshold broadcasts against x, e.g. (n_inst, d_sae). Returns x's shape."""
        ### BEGIN SOLUTION
        ctx.save_for_backward(x, threshold)
        ctx.bandwidth = bandwidth
        return x * (x > threshold).to(x.dtype)
        ### END SOLUTION

    @staticmethod
    def backward(ctx, grad_output: Tensor):
        """grad_output: x's shape. Returns (grad for x: x's shape, grad for threshold: threshold's shape, None)."""
        ### BEGIN SOLUTION
        x, threshold = ctx.saved_tensors
        eps = ctx.bandwidth
        grad_x = (x > threshold).to(x.dtype) * grad_output
        grad_threshold = -(threshold / eps) * rectangle((x - threshold) / eps) * grad_output
        return grad_x, sum_to_shape(grad_threshold, threshold.shape), None
        ### END SOLUTION


class StepFunction(torch.autograd.Function):
    """H(x − θ) with a straight-through pseudo-gradient for θ (and zero gradient for x)."""

    @staticmethod
    def forward(ctx, x: Tensor, threshold: Tensor, bandwidth: float) -> Tensor:
        """x: (batch, n_inst, d_sae); threshold broadcasts against x. Returns 0/1 values of x's shape."""
        ### BEGIN SOLUTION
        ctx.save_for_backward(x, threshold)
        ctx.bandwidth = bandwidth
        return (x > threshold).to(x.dtype)
        ### END SOLUTION

    @staticmethod
    def backward(ctx, grad_output: Tensor):
        """grad_output: x's shape. Returns (grad for x: x's shape, grad for threshold: threshold's shape, None)."""
        ### BEGIN SOLUTION
        x, threshold = ctx.saved_tensors
        eps = ctx.bandwidth
        grad_threshold = -(1.0 / eps) * rectangle((x - threshold) / eps) * grad_output
        return torch.zeros_like(x), sum_to_shape(grad_threshold, threshold.shape), None
        ### END SOLUTION

# %% visible id=ex04_jumprelu_visible
_x = torch.tensor([[[0.05, 0.3, 1.0]]], device=device, requires_grad=True)
_thr = torch.tensor([[0.1, 0.32, 0.5]], device=device, requires_grad=True)
_y = JumpReLU.apply(_x, _thr, 0.1)
checks.assert_close(_y, torch.tensor([[[0.0, 0.0, 1.0]]], device=device), "JumpReLU forward on a small example")
_y.sum().backward()
checks.assert_shape(_thr.grad, (1, 3), "gradient of JumpReLU with respect to the threshold")
checks.assert_close(_x.grad, torch.tensor([[[0.0, 0.0, 1.0]]], device=device), "gradient of JumpReLU with respect to x")
_s = StepFunction.apply(_x.detach(), _thr, 0.1)
checks.assert_close(_s, torch.tensor([[[0.0, 0.0, 1.0]]], device=device), "StepFunction forward on a small example")
print("JumpReLU and StepFunction pass the visible checks.")

# %% graded id=ex04_jumprelu_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _ref_jump(x, thr, eps, up):
    y = x * (x > thr).double()
    gx = (x > thr).double() * up
    k = ((x - thr).abs() / eps < 0.5).double()
    gt = (-(thr / eps) * k * up).sum(0)
    return y, gx, gt

_g = torch.Generator().manual_seed(1113)
for _eps in (0.1, 0.3):
    _thr = (torch.rand(2, 6, generator=_g, dtype=torch.float64) * 0.5 + 0.1).to(device)
    _x = (_thr.cpu() + (torch.rand(40, 2, 6, generator=_g, dtype=torch.float64) - 0.5) * 0.8).to(device)
    _up = torch.randn(40, 2, 6, generator=_g, dtype=torch.float64).to(device)
    _xl, _tl = _x.clone().requires_grad_(True), _thr.clone().requires_grad_(True)
    _y = JumpReLU.apply(_xl, _tl, _eps)
    _ry, _rgx, _rgt = _ref_jump(_x, _thr, _eps, _up)
    _chk.assert_close(_y, _ry, f"JumpReLU forward (bandwidth={_eps})")
    (_y * _up).sum().backward()
    _chk.assert_close(_xl.grad if _xl.grad is not None else torch.zeros_like(_x), _rgx,
                      f"gradient of JumpReLU with respect to x (bandwidth={_eps})")
    _chk.assert_close(_tl.grad if _tl.grad is not None else torch.zeros_like(_thr), _rgt,
                      f"pseudo-gradient of JumpReLU with respect to the threshold (bandwidth={_eps})")
# Away from the threshold the x-gradient is the true one: finite differences agree.
_thr = (torch.rand(2, 5, generator=_g, dtype=torch.float64) * 0.5 + 0.1).to(device)
_off = (torch.rand(6, 2, 5, generator=_g, dtype=torch.float64) * 0.4 + 0.05) * torch.where(
    torch.rand(6, 2, 5, generator=_g) < 0.5, -1.0, 1.0).double()
_xf = (_thr.cpu() + _off).to(device).requires_grad_(True)
_chk.assert_true(torch.autograd.gradcheck(lambda t: JumpReLU.apply(t, _thr, 0.1), (_xf,), raise_exception=False),
                 "JumpReLU: gradcheck with respect to x fails away from the threshold")
### END HIDDEN TESTS

# %% graded id=ex04_jumprelu_test2 points=1
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

_g = torch.Generator().manual_seed(1114)
for _eps in (0.1, 0.3):
    _thr = (torch.rand(3, 5, generator=_g, dtype=torch.float64) * 0.5 + 0.1).to(device)
    _x = (_thr.cpu() + (torch.rand(30, 3, 5, generator=_g, dtype=torch.float64) - 0.5) * 0.8).to(device)
    _up = torch.randn(30, 3, 5, generator=_g, dtype=torch.float64).to(device)
    _xl, _tl = _x.clone().requires_grad_(True), _thr.clone().requires_grad_(True)
    _y = StepFunction.apply(_xl, _tl, _eps)
    _chk.assert_close(_y, (_x > _thr).double(), f"StepFunction forward (bandwidth={_eps})")
    (_y * _up).sum().backward()
    _k = ((_x - _thr).abs() / _eps < 0.5).double()
    _chk.assert_close(_xl.grad if _xl.grad is not None else torch.zeros_like(_x), torch.zeros_like(_x),
                      f"gradient of StepFunction with respect to x (bandwidth={_eps})")
    _chk.assert_close(_tl.grad if _tl.grad is not None else torch.zeros_like(_thr), (-(1 / _eps) * _k * _up).sum(0),
                      f"pseudo-gradient of StepFunction with respect to the threshold (bandwidth={_eps})")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 0b.4d — the JumpReLU SAE, whole
# > Difficulty: ●●●○○ · Importance: ●●●○○
#
# Now assemble the JumpReLU SAE from your two functions. It has the encoder, decoder and biases of `ToySAE` (given
# in `__init__`) plus one threshold per latent, learned **in log space** so that it stays positive: create the
# parameter `log_threshold`, shape `(n_inst, d_sae)`, filled with $\log(\texttt{init\_threshold})$. Then, in
# `forward`, with $\theta = \exp(\texttt{log\_threshold})$ and the pre-activations
# $\pi = (h - b_\text{dec}) W_\text{enc} + b_\text{enc}$:
#
# * `acts` $= \operatorname{JumpReLU}_\theta(\pi)$ through `JumpReLU.apply(pre, threshold, self.bandwidth)`;
# * $\hat h$ = `acts` times the normalised decoder, plus $b_\text{dec}$ (as in `ToySAE`);
# * `loss_dict = {"L_reconstruction": (batch, n_inst), "L_sparsity": (batch, n_inst)}` with
#   $L_\text{reconstruction} = \frac{1}{d_\text{in}}\|\hat h - h\|^2$ and $L_\text{sparsity} = L_0 = \sum_j H(\pi_j - \theta_j)$
#   computed with `StepFunction.apply`, so that the $L_0$ penalty reaches the thresholds through the step's
#   pseudo-gradient (counting `acts > 0` would give the same number and no gradient at all);
# * `loss` $= \sum_\text{inst}\operatorname{mean}_\text{batch}(L_\text{reconstruction} + \lambda_0 L_0)$ with $\lambda_0$ = `l0_coeff`.
#
# Return `(loss_dict, loss, acts, h_reconstructed)`.

# %% solution id=ex04_jumprelu_sae
class JumpReLUToySAE(nn.Module):
    """JumpReLU SAE per instance: W_enc (n_inst, d_in, d_sae), W_dec (n_inst, d_sae, d_in), b_enc (n_inst, d_sae),
    b_dec (n_inst, d_in), log_threshold (n_inst, d_sae); threshold = exp(log_threshold)."""

    def __init__(self, n_inst: int, d_in: int, d_sae: int, l0_coeff: float = 0.05, bandwidth: float = 0.05,
                 init_threshold: float = 0.2, device=device):
        super().__init__()
        self.n_inst, self.d_in, self.d_sae = n_inst, d_in, d_sae
        self.l0_coeff, self.bandwidth = l0_coeff, bandwidth
        self.W_enc = nn.Parameter(nn.init.xavier_normal_(torch.empty(n_inst, d_in, d_sae, device=device)))
        self.W_dec = nn.Parameter(self.W_enc.detach().transpose(-1, -2).clone())
        self.b_enc = nn.Parameter(torch.zeros(n_inst, d_sae, device=device))
        self.b_dec = nn.Parameter(torch.zeros(n_inst, d_in, device=device))
        ### BEGIN SOLUTION
        self.log_threshold = nn.Parameter(torch.full((n_inst, d_sae), math.log(init_threshold), device=device))
        ### END SOLUTION

    @property
    def W_dec_normalized(self) -> Tensor:
        """(n_inst, d_sae, d_in): each decoder row scaled to unit norm."""
        return self.W_dec / self.W_dec.norm(dim=-1, keepdim=True).clamp_min(1e-8)

    def forward(self, h: Tensor):
        """h: (batch, n_inst, d_in) -> (loss_dict, loss, acts (batch, n_inst, d_sae), h_reconstructed (batch, n_inst, d_in))."""
        ### BEGIN SOLUTION
        pre = einops.einsum(h - self.b_dec, self.W_enc, "batch inst d_in, inst d_in d_sae -> batch inst d_sae") + self.b_enc
        threshold = self.log_threshold.exp()
        acts = JumpReLU.apply(pre, threshold, self.bandwidth)
        h_rec = einops.einsum(acts, self.W_dec_normalized, "batch inst d_sae, inst d_sae d_in -> batch inst d_in") + self.b_dec
        loss_dict = {"L_reconstruction": (h_rec - h).pow(2).mean(-1),
                     "L_sparsity": StepFunction.apply(pre, threshold, self.bandwidth).sum(-1)}
        loss = (loss_dict["L_reconstruction"] + self.l0_coeff * loss_dict["L_sparsity"]).mean(0).sum()
        return loss_dict, loss, acts, h_rec
        ### END SOLUTION

# %% visible id=ex04_jumprelu_sae_visible
_jsae = JumpReLUToySAE(n_inst=2, d_in=3, d_sae=4, init_threshold=0.3)
checks.assert_true(isinstance(getattr(_jsae, "log_threshold", None), nn.Parameter),
                   "JumpReLUToySAE should have an nn.Parameter called log_threshold")
checks.assert_close(_jsae.log_threshold.exp(), torch.full((2, 4), 0.3, device=device), "exp(log_threshold) at initialisation")
_loss_dict, _loss, _acts, _h_rec = _jsae(torch.randn(5, 2, 3, device=device))
checks.assert_shape(_acts, (5, 2, 4), "JumpReLUToySAE acts")
checks.assert_shape(_h_rec, (5, 2, 3), "JumpReLUToySAE h_reconstructed")
checks.assert_shape(_loss_dict["L_sparsity"], (5, 2), "loss_dict['L_sparsity']")
checks.assert_shape(_loss, (), "JumpReLUToySAE loss")
print("JumpReLUToySAE passes the visible checks.")

# %% graded id=ex04_jumprelu_sae_test points=2
### BEGIN HIDDEN TESTS
import math as _math
import torch
import sae_course.checks as _chk

class _RJump(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, t, eps):
        ctx.save_for_backward(x, t)
        ctx.eps = eps
        return x * (x > t).to(x.dtype)

    @staticmethod
    def backward(ctx, go):
        x, t = ctx.saved_tensors
        k = ((x - t).abs() / ctx.eps < 0.5).to(x.dtype)
        return (x > t).to(x.dtype) * go, (-(t / ctx.eps) * k * go).sum(0), None

class _RStep(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, t, eps):
        ctx.save_for_backward(x, t)
        ctx.eps = eps
        return (x > t).to(x.dtype)

    @staticmethod
    def backward(ctx, go):
        x, t = ctx.saved_tensors
        k = ((x - t).abs() / ctx.eps < 0.5).to(x.dtype)
        return torch.zeros_like(x), (-(1 / ctx.eps) * k * go).sum(0), None

_NAMES = ("W_enc", "W_dec", "b_enc", "b_dec", "log_threshold")

def _ref_jsae(p, h, l0, eps):
    Wd = p["W_dec"] / p["W_dec"].norm(dim=-1, keepdim=True)
    pre = torch.einsum("bid,ids->bis", h - p["b_dec"], p["W_enc"]) + p["b_enc"]
    t = p["log_threshold"].exp()
    z = _RJump.apply(pre, t, eps)
    hr = torch.einsum("bis,isd->bid", z, Wd) + p["b_dec"]
    ld = {"L_reconstruction": (hr - h).pow(2).mean(-1), "L_sparsity": _RStep.apply(pre, t, eps).sum(-1)}
    return ld, (ld["L_reconstruction"] + l0 * ld["L_sparsity"]).mean(0).sum(), z, hr

for _init in (0.2, 0.05):
    _m = JumpReLUToySAE(n_inst=3, d_in=2, d_sae=4, init_threshold=_init, device=device)
    _chk.assert_true(isinstance(getattr(_m, "log_threshold", None), torch.nn.Parameter),
                     "JumpReLUToySAE: log_threshold should be an nn.Parameter (so that the optimiser trains it)")
    _chk.assert_shape(_m.log_threshold, (3, 4), "JumpReLUToySAE.log_threshold")
    _chk.assert_close(_m.log_threshold.detach(), torch.full((3, 4), _math.log(_init), device=device),
                      f"JumpReLUToySAE.log_threshold at initialisation (init_threshold={_init})")

_g = torch.Generator().manual_seed(1115)
for _n_inst, _d_in, _d_sae, _l0, _eps in [(2, 4, 6, 0.05, 0.1), (3, 2, 5, 0.3, 0.3)]:
    _m = JumpReLUToySAE(n_inst=_n_inst, d_in=_d_in, d_sae=_d_sae, l0_coeff=_l0, bandwidth=_eps, device=device).double()
    _vals = {"W_enc": torch.randn(_n_inst, _d_in, _d_sae, generator=_g, dtype=torch.float64),
             "W_dec": 1.5 * torch.randn(_n_inst, _d_sae, _d_in, generator=_g, dtype=torch.float64),
             "b_enc": 0.3 * torch.randn(_n_inst, _d_sae, generator=_g, dtype=torch.float64),
             "b_dec": 0.3 * torch.randn(_n_inst, _d_in, generator=_g, dtype=torch.float64),
             "log_threshold": (torch.rand(_n_inst, _d_sae, generator=_g, dtype=torch.float64) * 0.6 + 0.1).log()}
    with torch.no_grad():
        for _n in _NAMES:
            getattr(_m, _n).copy_(_vals[_n].to(device))
    _h = torch.randn(40, _n_inst, _d_in, generator=_g, dtype=torch.float64).to(device)
    _rp = {_n: _vals[_n].to(device).requires_grad_(True) for _n in _NAMES}
    _rld, _rloss, _rz, _rhr = _ref_jsae(_rp, _h, _l0, _eps)
    _rgrads = torch.autograd.grad(_rloss, [_rp[_n] for _n in _NAMES])
    _what = f"(n_inst={_n_inst}, d_in={_d_in}, d_sae={_d_sae}, l0_coeff={_l0}, bandwidth={_eps})"
    _ld, _loss, _z, _hr = _m(_h)
    _chk.assert_close(_z, _rz, f"JumpReLUToySAE acts {_what}")
    _chk.assert_close(_hr, _rhr, f"JumpReLUToySAE h_reconstructed {_what}")
    for _key in ("L_reconstruction", "L_sparsity"):
        _chk.assert_true(_key in _ld, f"JumpReLUToySAE loss_dict is missing '{_key}'")
        _chk.assert_close(_ld[_key], _rld[_key], f"JumpReLUToySAE loss_dict['{_key}'] {_what}")
    _chk.assert_scalar_close(_loss, _rloss, f"JumpReLUToySAE loss {_what}")
    _m.zero_grad()
    _loss.backward()
    for _n, _rg in zip(_NAMES, _rgrads):
        _p = getattr(_m, _n)
        _chk.assert_close(_p.grad if _p.grad is not None else torch.zeros_like(_p), _rg,
                          f"gradient of the loss with respect to {_n} {_what}")
### END HIDDEN TESTS

# %% [markdown]
# Train the three designs on the same toy activations. All of them plug into your `train_sae`, because they share
# the `(loss_dict, loss, acts, h_reconstructed)` interface.
#
# A TopK latent only learns when it wins a place in the top $k$, so TopK SAEs are prone to dead latents (large ones
# add an auxiliary loss against this). `TopKToySAE` subclasses `ToySAE`, so your resampling works on it; we use
# `scale=1` so that a resampled latent is strong enough to win on its input. The Gated SAE is resampled with your
# `resample_gated`; the JumpReLU SAE trains without resampling.

# %% code
sample_h_sae = hidden_sampler(model_sae)
torch.manual_seed(7)
sae_topk = TopKToySAE(n_inst=n_inst_sae, d_in=2, d_sae=5, k=1)
log_topk = train_sae(sae_topk, sample_h_sae, steps=sae_steps, batch_size=sae_batch, lr=3e-3,
                     resample_fn=lambda s, frac, h: resample_advanced(s, frac, h, scale=1.0),
                     resample_every=sae_steps // 5)
torch.manual_seed(7)
sae_gated = GatedToySAE(n_inst=n_inst_sae, d_in=2, d_sae=5, l1_coeff=0.4)
log_gated = train_sae(sae_gated, sample_h_sae, steps=sae_steps, batch_size=sae_batch, lr=3e-3,
                      resample_fn=resample_gated, resample_every=sae_steps // 4)
torch.manual_seed(7)
sae_jump = JumpReLUToySAE(n_inst=n_inst_sae, d_in=2, d_sae=5)
log_jump = train_sae(sae_jump, sample_h_sae, steps=sae_steps, batch_size=sae_batch, lr=3e-3)
plots.lines({"L1 (resampling)": log_resampled["L_reconstruction"], "TopK (k=1)": log_topk["L_reconstruction"],
             "Gated": log_gated["L_reconstruction"], "JumpReLU": log_jump["L_reconstruction"]},
            title="Reconstruction loss by SAE design", xlabel="step", log_y=True).show()

# %% [markdown]
# ### Exercise 0b.4e — measuring shrinkage: the relative reconstruction bias
# > Difficulty: ●●○○○ · Importance: ●●●●○
#
# Does the $L_1$ penalty really shrink the reconstructions? A direct measure, from the Gated-SAE paper, is the
# **relative reconstruction bias** $\gamma$: the factor by which the reconstruction should be divided to best match
# the input,
#
# $$\gamma = \arg\min_{\gamma'} \; \mathbb E_b \big\|\hat h_b / \gamma' - h_b\big\|^2
#   = \frac{\sum_b \hat h_b \cdot \hat h_b}{\sum_b \hat h_b \cdot h_b}$$
#
# (set the derivative with respect to $1/\gamma'$ to zero to get the closed form). $\gamma = 1$: no systematic
# bias; $\gamma < 1$: the reconstructions are systematically too short — shrinkage. A ratio of norms such as
# $\|\hat h\| / \|h\|$ is only a proxy: it also moves when the reconstruction points the wrong way.
#
# Write `relative_reconstruction_bias(h, h_rec)` returning $\gamma$ per instance, the sums running over the batch
# (and the `d_in` coordinates of each dot product).

# %% solution id=ex04_shrinkage
def relative_reconstruction_bias(h: Tensor, h_rec: Tensor) -> Tensor:
    """h, h_rec: (batch, n_inst, d_in) -> gamma: (n_inst,) = sum_b |h_rec_b|² / sum_b (h_rec_b · h_b)."""
    ### BEGIN SOLUTION
    num = einops.einsum(h_rec, h_rec, "batch inst d, batch inst d -> inst")
    den = einops.einsum(h_rec, h, "batch inst d, batch inst d -> inst")
    return num / den
    ### END SOLUTION

# %% visible id=ex04_shrinkage_visible
_h = torch.randn(50, 2, 3, device=device)
checks.assert_shape(relative_reconstruction_bias(_h, _h), (2,), "relative_reconstruction_bias output")
checks.assert_close(relative_reconstruction_bias(_h, _h), torch.ones(2, device=device), "gamma of a perfect reconstruction")
checks.assert_close(relative_reconstruction_bias(_h, 0.5 * _h), torch.full((2,), 0.5, device=device),
                    "gamma of a reconstruction that is exactly half the input")
print("relative_reconstruction_bias passes the visible checks.")

# %% graded id=ex04_shrinkage_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _ref_gamma(h, hr):
    return (hr * hr).sum(dim=(0, 2)) / (hr * h).sum(dim=(0, 2))

_g = torch.Generator().manual_seed(1116)
for _b, _n_inst, _d in [(64, 3, 4), (17, 2, 6)]:
    _h = torch.randn(_b, _n_inst, _d, generator=_g)
    _scale = torch.rand(_b, _n_inst, 1, generator=_g) * 1.5 + 0.2          # uneven per example
    _hr = _h * _scale + 0.4 * torch.randn(_b, _n_inst, _d, generator=_g)   # and off-direction noise
    _h, _hr = _h.to(device), _hr.to(device)
    _out = relative_reconstruction_bias(_h, _hr)
    _what = f"relative_reconstruction_bias (batch={_b}, n_inst={_n_inst}, d_in={_d}; noisy, unevenly scaled reconstructions)"
    _chk.assert_shape(_out, (_n_inst,), _what)
    _chk.assert_close(_out, _ref_gamma(_h, _hr), _what, atol=1e-5)
### END HIDDEN TESTS

# %% [markdown]
# Measure $\gamma$ for each design trained above. The test inputs have exactly one active feature each (a random
# one, with a uniform value): that is where an SAE with one latent per feature should reconstruct perfectly, and
# where shrinkage shows most plainly. (On an all-zero input every design just returns $b_\text{dec}$.)

# %% code
torch.manual_seed(8)
n_eval = sized(full=20_000, ci=5_000)
_which = torch.randint(0, model_sae.n_features, (n_eval, n_inst_sae), device=device)
_feats = torch.zeros(n_eval, n_inst_sae, model_sae.n_features, device=device)
_feats.scatter_(-1, _which.unsqueeze(-1), torch.rand(n_eval, n_inst_sae, 1, device=device))
h_eval = toy_hidden(model_sae, _feats)   # (n_eval, n_inst, 2): one active feature per input
designs = {"L1": sae_resampled, "TopK": sae_topk, "Gated": sae_gated, "JumpReLU": sae_jump}

# %% [markdown]
# ### Exercise 0b.4f — measure the shrinkage of each design
# > Difficulty: ●○○○○ · Importance: ●●●●○
#
# Fill the dict `shrinkage` with one float per design (the keys of `designs`: `"L1"`, `"TopK"`, `"Gated"`,
# `"JumpReLU"`): $\gamma$ of that design's reconstructions of `h_eval` (the fourth output of the SAE's forward),
# computed with your `relative_reconstruction_bias` and averaged over the instances. Work under `torch.no_grad()`.
# The hidden test measures $\gamma$ for the same trained SAEs on its own one-feature inputs and compares.

# %% solution id=ex04_shrinkage_measure
shrinkage = {}   # design name -> mean gamma over instances (a float)
### BEGIN SOLUTION
with torch.no_grad():
    for name, s in designs.items():
        shrinkage[name] = relative_reconstruction_bias(h_eval, s(h_eval)[3]).mean().item()
### END SOLUTION

# %% visible id=ex04_shrinkage_measure_visible
checks.assert_true(isinstance(shrinkage, dict) and set(shrinkage) == set(designs),
                   "shrinkage should be a dict with one entry per design: " + ", ".join(designs))
checks.assert_true(all(isinstance(v, float) for v in shrinkage.values()), "each shrinkage value should be a float")
print("shrinkage passes the visible checks.")

# %% graded id=ex04_shrinkage_measure_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _t():
    _at, _plain = _chk.assert_true, _chk.plain
    _dget, _dkeys = dict.get, dict.keys
    gen = torch.Generator().manual_seed(1123)
    nn_ = 6000
    pick = torch.randint(0, model_sae.n_features, (nn_, n_inst_sae), generator=gen)
    ff = torch.zeros(nn_, n_inst_sae, model_sae.n_features)
    ff.scatter_(-1, pick.unsqueeze(-1), torch.rand(nn_, n_inst_sae, 1, generator=gen))
    xx = torch.einsum("bif,ihf->bih", ff.to(device), model_sae.W.detach().clone())
    models = {"L1": sae_resampled, "TopK": sae_topk, "Gated": sae_gated, "JumpReLU": sae_jump}
    want = {}
    with torch.no_grad():
        for nm, mod in models.items():
            rr = _plain(mod(xx.clone())[3])
            want[nm] = float(((rr * rr).sum(dim=(0, 2)) / (rr * xx).sum(dim=(0, 2))).mean())
    _at(type(shrinkage) is dict and sorted(_dkeys(shrinkage)) == sorted(want),
        "shrinkage should be a dict with exactly the keys L1, TopK, Gated, JumpReLU")
    for nm in want:
        got = _plain(_dget(shrinkage, nm))
        _at(type(got) in (float, int), f"shrinkage[{nm!r}] should be a float")
        _at(abs(float(got) - want[nm]) < 0.02,
            f"shrinkage[{nm!r}] does not match the relative reconstruction bias gamma of that SAE's reconstructions "
            "of one-feature inputs, averaged over the instances")

globals().pop("_t")()
### END HIDDEN TESTS

# %% code
print({k: round(v, 3) for k, v in shrinkage.items()})
plots.bars(list(shrinkage.values()), labels=list(shrinkage), title="Relative reconstruction bias γ (1 = no shrinkage)",
           ylabel="γ").show()

# %% [markdown]
# ### Checkpoint 0b.B — which design shrinks?
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# Read the bars and set `most_shrinkage` to the name of the design whose reconstructions are shrunk the most
# (one of `"L1"`, `"TopK"`, `"Gated"`, `"JumpReLU"`). The hidden test measures $\gamma$ again on its own inputs and
# checks your answer against it. Before reading on, think about *why* it is that one.

# %% solution id=ex04_shrinkage_answer
most_shrinkage = None   # your answer: "L1", "TopK", "Gated" or "JumpReLU"
### BEGIN SOLUTION
most_shrinkage = "L1"
### END SOLUTION

# %% visible id=ex04_shrinkage_answer_visible
checks.assert_true(most_shrinkage in ("L1", "TopK", "Gated", "JumpReLU"),
                   'most_shrinkage should be one of "L1", "TopK", "Gated", "JumpReLU"')
print("Answer recorded; the graded test checks it.")

# %% graded id=ex04_shrinkage_answer_test points=1
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

_gen = torch.Generator().manual_seed(1117)
_n = 4000
_which = torch.randint(0, model_sae.n_features, (_n, n_inst_sae), generator=_gen)
_f = torch.zeros(_n, n_inst_sae, model_sae.n_features)
_f.scatter_(-1, _which.unsqueeze(-1), torch.rand(_n, n_inst_sae, 1, generator=_gen))
_hh = torch.einsum("bif,ihf->bih", _f.to(device), model_sae.W)
_gam = {}
with torch.no_grad():
    for _name, _s in {"L1": sae_resampled, "TopK": sae_topk, "Gated": sae_gated, "JumpReLU": sae_jump}.items():
        _hr = _s(_hh)[3]
        _gam[_name] = float(((_hr * _hr).sum(dim=(0, 2)) / (_hr * _hh).sum(dim=(0, 2))).mean())
_chk.assert_true(isinstance(most_shrinkage, str) and most_shrinkage == min(_gam, key=_gam.get),
                 "most_shrinkage: that is not the design with the smallest relative reconstruction bias γ on "
                 "one-feature inputs (smallest γ = most shrunk)")
### END HIDDEN TESTS

# %% [markdown]
# **Why the $L_1$ SAE.** Take an input where one feature is on with value $v$ and the SAE has a latent for it. The
# $L_1$ SAE pays $\lambda a$ for activation $a$ and $\frac{1}{d_\text{in}}(a - v)^2$ for the error, so the best
# activation is $a = v - \lambda d_\text{in}/2$: every active latent is pulled below its true value by the same
# amount, and $\gamma < 1$. The Gated SAE puts its penalty on the gate path only, and its magnitude path (rescaled
# by $\exp(r_\text{mag})$, with its own bias) is free to be unbiased; the JumpReLU SAE pays per *active* latent,
# whatever its size; TopK pays nothing at all. Thresholding designs separate "is the feature on?" from "how
# much?", and that is why they win on the reconstruction–sparsity frontier of real SAEs (section 3).

# %% [markdown]
# ## Part 4 — Did the SAE find the features?
#
# ### Exercise 0b.5 — matching SAE latents to the true features
# > Difficulty: ●●○○○ · Importance: ●●●●○
#
# In a toy model we know the ground truth, so we can score an SAE: for each true feature $i$ (column $W_i$ of the
# toy model's $W$), find the SAE latent whose decoder row points the same way. Use the cosine similarity
#
# $$\cos(i, j) = \frac{W_i \cdot W_{\text{dec},j}}{\|W_i\|\,\|W_{\text{dec},j}\|}$$
#
# (divide each vector by $\max(\|\cdot\|, \varepsilon)$). Write `match_features` returning, per instance, the full
# matrix `cos` `(n_inst, n_features, d_sae)`, and for each feature the best (largest, signed — a latent pointing the
# opposite way does not represent the feature) cosine `best_cos` and the index of that latent `best_latent`, both
# `(n_inst, n_features)`. Then `fraction_recovered(best_cos, threshold)`: the fraction of features (per instance)
# whose best cosine exceeds `threshold`.

# %% solution id=ex05_match
def match_features(W_dec: Tensor, W_feat: Tensor, eps: float = 1e-8):
    """W_dec: (n_inst, d_sae, d_in) decoder rows; W_feat: (n_inst, d_in, n_features) feature directions (columns).

    Returns cos (n_inst, n_features, d_sae), best_cos (n_inst, n_features), best_latent (n_inst, n_features).
    """
    ### BEGIN SOLUTION
    dec = W_dec / W_dec.norm(dim=-1, keepdim=True).clamp_min(eps)
    feat = W_feat / W_feat.norm(dim=1, keepdim=True).clamp_min(eps)
    cos = einops.einsum(feat, dec, "inst d_in feat, inst d_sae d_in -> inst feat d_sae")
    best_cos, best_latent = cos.max(dim=-1)
    return cos, best_cos, best_latent
    ### END SOLUTION


def fraction_recovered(best_cos: Tensor, threshold: float = 0.95) -> Tensor:
    """best_cos: (n_inst, n_features) -> (n_inst,) fraction of features whose best cosine exceeds ``threshold``."""
    ### BEGIN SOLUTION
    return (best_cos > threshold).float().mean(-1)
    ### END SOLUTION

# %% visible id=ex05_match_visible
_W_feat = torch.tensor([[[1.0, 0.0], [0.0, 2.0]]])   # features along x and (scaled) y
_W_dec = torch.tensor([[[0.0, 1.0], [3.0, 0.0], [-1.0, 0.0]]])
_cos, _best, _idx = match_features(_W_dec, _W_feat)
checks.assert_shape(_cos, (1, 2, 3), "match_features cos")
checks.assert_close(_best, torch.tensor([[1.0, 1.0]]), "best_cos on a hand-made example")
checks.assert_true(_idx.tolist() == [[1, 0]], "best_latent on a hand-made example")
checks.assert_close(fraction_recovered(torch.tensor([[0.99, 0.5], [0.97, 0.96]])), torch.tensor([0.5, 1.0]),
                    "fraction_recovered on a small example")
print("match_features passes the visible checks.")

# %% graded id=ex05_match_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _ref_match(W_dec, W_feat, eps=1e-8):
    d = W_dec / W_dec.norm(dim=-1, keepdim=True).clamp_min(eps)
    f = W_feat / W_feat.norm(dim=1, keepdim=True).clamp_min(eps)
    cos = torch.einsum("idf,isd->ifs", f, d)
    b, j = cos.max(-1)
    return cos, b, j

_g = torch.Generator().manual_seed(1212)
for _n_inst, _d_in, _n_feat, _d_sae in [(3, 3, 5, 7), (2, 4, 6, 4)]:
    _W_feat = torch.randn(_n_inst, _d_in, _n_feat, generator=_g) * (torch.rand(_n_inst, 1, _n_feat, generator=_g) * 1.7 + 0.3)
    _W_dec = torch.randn(_n_inst, _d_sae, _d_in, generator=_g) * (torch.rand(_n_inst, _d_sae, 1, generator=_g) * 1.7 + 0.3)
    # Plant an antipodal latent and a near-copy, so signs and normalisation matter.
    _W_dec[:, 0] = -2.0 * _W_feat[:, :, 0]
    _W_dec[:, 1] = 0.5 * _W_feat[:, :, 1] + 0.05 * torch.randn(_n_inst, _d_in, generator=_g)
    _W_feat, _W_dec = _W_feat.to(device), _W_dec.to(device)
    _rc, _rb, _rj = _ref_match(_W_dec, _W_feat)
    _out = match_features(_W_dec, _W_feat)
    _what = f"(n_inst={_n_inst}, d_in={_d_in}, n_features={_n_feat}, d_sae={_d_sae})"
    _chk.assert_true(isinstance(_out, tuple) and len(_out) == 3, "match_features should return (cos, best_cos, best_latent)")
    _chk.assert_close(_out[0], _rc, f"match_features cos {_what}")
    _chk.assert_close(_out[1], _rb, f"match_features best_cos {_what}")
    _chk.assert_true(_out[2].shape == _rj.shape and torch.equal(_out[2].long().cpu(), _rj.cpu()),
                     f"match_features best_latent {_what}: wrong latent indices")
    for _thr in (0.95, 0.6):
        _chk.assert_close(fraction_recovered(_rb, threshold=_thr), (_rb > _thr).float().mean(-1),
                          f"fraction_recovered with threshold={_thr} {_what}")
### END HIDDEN TESTS

# %% [markdown]
# Score every SAE trained above: the fraction of the toy model's features that have a latent with cosine
# similarity above 0.95, averaged over instances. Short runs on a toy problem say little about which design is
# best on real activations (that comparison is part of section 3), but dead latents visibly cost recovered features.

# %% code
saes = {"L1, no resampling": sae, "L1, resampling": sae_resampled, "TopK": sae_topk, "Gated": sae_gated,
        "JumpReLU": sae_jump}
recovered = {}
for name, s in saes.items():
    _, best_cos, _ = match_features(s.W_dec.detach(), model_sae.W.detach())
    recovered[name] = fraction_recovered(best_cos).mean().item()
    print(f"{name:>18}: {recovered[name]:.0%} of features recovered "
          f"(dead latents per instance: {count_dead_latents(s, sample_h_sae).tolist()})")
plots.bars(list(recovered.values()), labels=list(recovered), title="Fraction of true features recovered (cos > 0.95)",
           ylabel="fraction").show()

# %% [markdown]
# ### Exercise 0b.6 — the encoder is not the decoder
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# The decoder row of a latent is its *dictionary direction*: what the latent writes. The encoder column is its
# *detector*: what it reads. Without superposition the best detector of a feature is its own direction. With five
# features in two dimensions it is not: feature $i$'s neighbours overlap its direction (cosine $\cos 72° \approx 0.31$),
# so a detector that reads exactly along $W_i$ also fires when a neighbour is on. It can ignore the neighbours with
# a negative bias, or it can tilt its reading direction away from them; an untied SAE's encoder column and decoder
# row are free to part ways, and the cell after the test measures how far they do in the SAEs trained above.
# (This freedom is what a *tied* SAE, whose encoder is forced to be its decoder transposed, gives up: Part 5.)
#
# Write `encoder_decoder_cosine(W_enc, W_dec)`: for every instance $k$ and latent $j$ the cosine similarity between
# the encoder column `W_enc[k, :, j]` and the decoder row `W_dec[k, j, :]` (divide each by $\max(\|\cdot\|, \varepsilon)$).

# %% solution id=ex06_enc_dec
def encoder_decoder_cosine(W_enc: Tensor, W_dec: Tensor, eps: float = 1e-8) -> Tensor:
    """W_enc: (n_inst, d_in, d_sae); W_dec: (n_inst, d_sae, d_in) -> (n_inst, d_sae) cosine of column j with row j."""
    ### BEGIN SOLUTION
    enc = W_enc / W_enc.norm(dim=1, keepdim=True).clamp_min(eps)
    dec = W_dec / W_dec.norm(dim=-1, keepdim=True).clamp_min(eps)
    return einops.einsum(enc, dec, "inst d_in d_sae, inst d_sae d_in -> inst d_sae")
    ### END SOLUTION

# %% visible id=ex06_enc_dec_visible
_We = torch.tensor([[[2.0, 0.0], [0.0, 1.0]]])       # encoder columns (1, 0) and (0, 1), unnormalised
_Wd = torch.tensor([[[1.0, 0.0], [1.0, 1.0]]])       # decoder rows (1, 0) and (1, 1)
checks.assert_close(encoder_decoder_cosine(_We, _Wd), torch.tensor([[1.0, 2 ** -0.5]]),
                    "encoder_decoder_cosine on a hand-made example")
print("encoder_decoder_cosine passes the visible checks.")

# %% graded id=ex06_enc_dec_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _ref_ed(We, Wd, eps=1e-8):
    e = We / We.norm(dim=1, keepdim=True).clamp_min(eps)
    d = Wd / Wd.norm(dim=-1, keepdim=True).clamp_min(eps)
    return torch.einsum("ids,isd->is", e, d)

_g = torch.Generator().manual_seed(1119)
for _n_inst, _d_in, _d_sae in [(3, 2, 5), (2, 4, 7)]:
    _We = torch.randn(_n_inst, _d_in, _d_sae, generator=_g) * (torch.rand(_n_inst, 1, _d_sae, generator=_g) * 2 + 0.2)
    _Wd = torch.randn(_n_inst, _d_sae, _d_in, generator=_g) * (torch.rand(_n_inst, _d_sae, 1, generator=_g) * 2 + 0.2)
    _Wd[0, 1] = -3.0 * _We[0, :, 1]          # an anti-aligned pair: the sign matters
    _We, _Wd = _We.to(device), _Wd.to(device)
    _out = encoder_decoder_cosine(_We, _Wd)
    _what = f"encoder_decoder_cosine (n_inst={_n_inst}, d_in={_d_in}, d_sae={_d_sae}; unnormalised weights)"
    _chk.assert_shape(_out, (_n_inst, _d_sae), _what)
    _chk.assert_close(_out, _ref_ed(_We, _Wd), _what, atol=1e-5)
### END HIDDEN TESTS

# %% code
for name, s in {"L1, resampling": sae_resampled, "TopK": sae_topk}.items():
    _, _, best = match_features(s.W_dec.detach(), model_sae.W.detach())
    cos_ed = encoder_decoder_cosine(s.W_enc.detach(), s.W_dec.detach())
    matched = torch.gather(cos_ed, 1, best)   # (n_inst, n_features): the latent matched to each feature
    print(f"{name:>15}: cosine(encoder, decoder) of the latent matched to each feature, mean {matched.mean():.3f}, "
          f"min {matched.min():.3f}")

# %% [markdown]
# In the pentagon every feature has one neighbour on each side at the same angle. By that symmetry the best detector
# of feature $i$ still reads along $W_i$ (its bias does the work of ignoring the neighbours), so the encoder columns
# and decoder rows measured above barely part. The picture changes when the neighbours are **uneven**.
#
# ## Part 5 — Tied SAEs and uneven superposition
#
# A **tied** SAE uses one matrix for both jobs: $W_\text{enc} = W_\text{dec}^T$ (the encoder column of latent $j$ is
# its decoder row, with the row's own length; the decoder still uses the normalised row). It has half the
# parameters, and it is what you get if you assume that the best detector of a feature is its own direction.
#
# The toy model below stores four features in two dimensions as two close pairs: directions at $0°$, $45°$, $180°$
# and $225°$ (rotated per instance). Feature $0°$ has a neighbour at $45°$ on one side and nothing near on the other.
# A detector that reads along $0°$ sees the $45°$ feature at strength $\cos 45° \approx 0.71$; a detector that reads
# along $-45°$ does not see it at all (and still sees its own feature at $0.71$).
#
# `TiedToySAE` (given) is a `ToySAE` whose `W_enc` is a view of `W_dec`; it starts from exactly the same weights as a
# `ToySAE` with the same seed (which also starts tied), so the only difference between the two runs below is whether
# the encoder may leave the decoder during training.

# %% setup id=tied_sae
class TiedToySAE(ToySAE):
    """A ToySAE with W_enc = W_dec^T: one matrix W_dec (n_inst, d_sae, d_in) read by the encoder and the decoder."""

    def __init__(self, n_inst: int, d_in: int, d_sae: int, l1_coeff: float = 0.2, device=device):
        nn.Module.__init__(self)
        self.n_inst, self.d_in, self.d_sae, self.l1_coeff = n_inst, d_in, d_sae, l1_coeff
        w = nn.init.xavier_normal_(torch.empty(n_inst, d_in, d_sae, device=device))   # as ToySAE draws W_enc
        self.W_dec = nn.Parameter(w.transpose(-1, -2).clone())
        self.b_enc = nn.Parameter(torch.zeros(n_inst, d_sae, device=device))
        self.b_dec = nn.Parameter(torch.zeros(n_inst, d_in, device=device))

    @property
    def W_enc(self) -> Tensor:
        return self.W_dec.transpose(-1, -2)


class PairedToyFeatures(ToyFeatures):
    """Four features in 2-D as two close pairs: directions at 0, 45, 180 and 225 degrees, rotated per instance."""

    def __init__(self, n_inst: int, feature_probability: float = 0.02, seed: int = 0, device=device):
        super().__init__(n_inst, n_features=4, feature_probability=feature_probability, seed=seed, device=device)
        g = torch.Generator().manual_seed(seed + 1)
        angles = torch.tensor([0.0, 45.0, 180.0, 225.0]) * math.pi / 180 + torch.rand(n_inst, 1, generator=g) * 2 * math.pi
        self.W = torch.stack([angles.cos(), angles.sin()], dim=1).to(device)


model_pairs = PairedToyFeatures(n_inst=n_inst_sae, seed=3)
plot_features_in_2d(model_pairs.W, title="Two close pairs of features").show()

# %% [markdown]
# ### Checkpoint 0b.C — predict: tied or untied?
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# Before running the next cell: an untied `ToySAE` and a `TiedToySAE`, four latents each, same seed, same data, same
# steps, are trained on `model_pairs`. Whose decoder rows will line up better with the true features (larger mean
# best cosine, the measure of 0b.5)? Set `tied_prediction` to `"untied"`, `"tied"` or `"same"` (same: the two means
# within 0.01 of each other). The hidden test checks your choice against the two SAEs trained below.

# %% solution id=ex06_tied_prediction
tied_prediction = None   # your answer: "untied", "tied" or "same"
### BEGIN SOLUTION
tied_prediction = "untied"
### END SOLUTION

# %% visible id=ex06_tied_prediction_visible
checks.assert_true(tied_prediction in ("untied", "tied", "same"), 'tied_prediction should be "untied", "tied" or "same"')
print("Prediction recorded; it is graded after the measurement below.")

# %% code
tied_steps = sized(full=6_000, ci=1_500)
sample_h_pairs = hidden_sampler(model_pairs)
torch.manual_seed(9)
sae_untied_pairs = ToySAE(n_inst=n_inst_sae, d_in=2, d_sae=4, l1_coeff=0.2)
log_untied_pairs = train_sae(sae_untied_pairs, sample_h_pairs, steps=tied_steps, batch_size=sae_batch, lr=3e-3)
torch.manual_seed(9)
sae_tied_pairs = TiedToySAE(n_inst=n_inst_sae, d_in=2, d_sae=4, l1_coeff=0.2)
log_tied_pairs = train_sae(sae_tied_pairs, sample_h_pairs, steps=tied_steps, batch_size=sae_batch, lr=3e-3)
plot_sae_over_features(model_pairs, sae_untied_pairs, title="Untied SAE: true features (grey), decoder rows (red)").show()
plot_sae_over_features(model_pairs, sae_tied_pairs, title="Tied SAE: true features (grey), decoder rows (red)").show()
torch.manual_seed(10)
h_pairs = sample_h_pairs(sized(full=50_000, ci=20_000))   # fresh inputs from the training distribution

# %% [markdown]
# ### Exercise 0b.6b — measure what tying costs
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# Compute three floats:
# * `best_cos_untied`, `best_cos_tied`: the mean, over the features and the instances, of each feature's best
#   cosine with a **decoder** row (your `match_features` on `W_dec` and `model_pairs.W`);
# * `rec_ratio`: the tied SAE's reconstruction loss on `h_pairs` divided by the untied one's, where each
#   reconstruction loss is `loss_dict["L_reconstruction"]` averaged over the batch and the instances.
#
# Work under `torch.no_grad()`. The hidden test measures the same quantities on its own inputs.

# %% solution id=ex06_tied_measure
best_cos_untied = best_cos_tied = rec_ratio = None
### BEGIN SOLUTION
with torch.no_grad():
    best_cos_untied = match_features(sae_untied_pairs.W_dec, model_pairs.W)[1].mean().item()
    best_cos_tied = match_features(sae_tied_pairs.W_dec, model_pairs.W)[1].mean().item()
    rec_ratio = (sae_tied_pairs(h_pairs)[0]["L_reconstruction"].mean()
                 / sae_untied_pairs(h_pairs)[0]["L_reconstruction"].mean()).item()
### END SOLUTION

# %% visible id=ex06_tied_measure_visible
checks.assert_true(all(isinstance(v, float) for v in (best_cos_untied, best_cos_tied, rec_ratio)),
                   "best_cos_untied, best_cos_tied and rec_ratio should be floats")
checks.assert_true(-1.0 <= best_cos_untied <= 1.0 and -1.0 <= best_cos_tied <= 1.0, "a cosine lies in [-1, 1]")
print(f"mean best cosine: untied {best_cos_untied:.3f}, tied {best_cos_tied:.3f}; "
      f"reconstruction loss tied / untied: {rec_ratio:.2f}")

# %% graded id=ex06_tied_measure_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _t():
    _at, _plain = _chk.assert_true, _chk.plain
    feats = model_pairs.W.detach().clone()
    fu = feats / feats.norm(dim=1, keepdim=True)

    def mean_best(mod):
        rows = _plain(mod.W_dec)
        rows = rows / rows.norm(dim=-1, keepdim=True)
        return float(torch.einsum("idf,isd->ifs", fu, rows).max(-1).values.mean())

    gen = torch.Generator().manual_seed(1124)
    nb = 30_000
    on = torch.rand(nb, n_inst_sae, 4, generator=gen) < 0.02
    xx = torch.einsum("bif,ihf->bih", (on * torch.rand(nb, n_inst_sae, 4, generator=gen)).to(device), feats)
    with torch.no_grad():
        want_u, want_t = mean_best(sae_untied_pairs), mean_best(sae_tied_pairs)
        lr_t = _plain(sae_tied_pairs(xx.clone())[0]["L_reconstruction"]).mean()
        lr_u = _plain(sae_untied_pairs(xx.clone())[0]["L_reconstruction"]).mean()
    want_r = float(lr_t / lr_u)
    got = [_plain(best_cos_untied), _plain(best_cos_tied), _plain(rec_ratio)]
    _at(all(type(v) in (float, int) for v in got), "best_cos_untied, best_cos_tied and rec_ratio should be floats")
    _at(abs(got[0] - want_u) < 2e-3, "best_cos_untied is not the mean over features and instances of each feature's "
        "best (signed) cosine with a decoder row of the untied SAE")
    _at(abs(got[1] - want_t) < 2e-3, "best_cos_tied is not the mean over features and instances of each feature's "
        "best (signed) cosine with a decoder row of the tied SAE")
    _at(abs(got[2] - want_r) < 0.06 * want_r, "rec_ratio does not match the tied SAE's reconstruction loss divided by "
        "the untied SAE's on inputs from the training distribution")

globals().pop("_t")()
### END HIDDEN TESTS

# %% graded id=ex06_tied_prediction_test points=1
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _t():
    _at, _plain = _chk.assert_true, _chk.plain
    feats = model_pairs.W.detach().clone()
    fu = feats / feats.norm(dim=1, keepdim=True)
    mb = {}
    for nm, mod in (("untied", sae_untied_pairs), ("tied", sae_tied_pairs)):
        rows = _plain(mod.W_dec)
        rows = rows / rows.norm(dim=-1, keepdim=True)
        mb[nm] = float(torch.einsum("idf,isd->ifs", fu, rows).max(-1).values.mean())
    right = "same" if abs(mb["untied"] - mb["tied"]) < 0.01 else max(mb, key=mb.get)
    ans = _plain(tied_prediction)
    _at(type(ans) is str and ans in ("untied", "tied", "same"), 'tied_prediction should be "untied", "tied" or "same"')
    _at(ans == right, "tied_prediction: that is not what the two trained SAEs show (mean best cosine of the decoder "
        "rows with the true features)")

globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# **Why the tied SAE loses.** Take the latent for the $0°$ feature. Untied, its encoder column turns toward $-45°$,
# perpendicular to the $45°$ neighbour, so the neighbour never triggers it, while its decoder row stays on $0°$ and
# writes the feature back exactly. Tied, one vector must do both jobs. Reading along $0°$ lets the neighbour in at
# $0.71$ of its value, and the bias needed to block that also blocks every weak occurrence of the feature itself; so
# training compromises: the shared vector turns part of the way toward $-45°$, and the decoder row, which is that
# same vector, now writes the feature in a wrong direction. Both numbers you measured show the price: a worse
# match with the true features and a larger reconstruction loss. (The cell after 0b.6 measured the untied SAE's
# encoder-decoder cosines on the symmetric pentagon; run `encoder_decoder_cosine` on `sae_untied_pairs` to see them
# part here.) In real models, features interfere unevenly everywhere, which is why SAEs are trained untied: the best
# detector of a feature is not its dictionary direction.

# %% [markdown]
# ## Summary
#
# * An SAE recovers the features of a toy model from its activations alone; in a toy model we can check it,
#   feature by feature, against the ground truth.
# * Dead latents are a main failure mode; resampling them toward badly reconstructed inputs fixes most of it.
# * TopK, Gated and JumpReLU SAEs change how sparsity is imposed, to avoid the shrinkage of an $L_1$ penalty;
#   the relative reconstruction bias γ measures that shrinkage.
# * An SAE's encoder (detector) and decoder (dictionary direction) must be free to differ: under uneven
#   superposition a tied SAE matches the features worse and reconstructs worse.
#
# Next section: the same tools on a real language model.
