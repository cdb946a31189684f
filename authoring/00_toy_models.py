# %% [markdown]
# # Section 0 — Toy Models of Superposition, and SAEs trained on them
#
# A network often has to keep track of more properties of its input ("features") than it has neurons or
# dimensions. If most features are rarely active at the same time, it can still cope: it gives each feature a
# direction, lets the directions overlap, and accepts a little interference when two overlapping features happen
# to be on together. This is **superposition**. It is a big part of why single neurons are hard to read, and it
# is the reason sparse autoencoders (SAEs) exist: an SAE tries to undo the packing and give one latent per feature.
#
# Everything in this section is small enough to train on a laptop CPU in seconds, so you can see the effects with
# your own eyes before meeting them inside a language model in the next sections.
#
# **What you will build**
#
# | part | exercises |
# |---|---|
# | a toy model and its data | 0.1 model · 0.2 sparse features · 0.3 weighted loss · 0.4 training loop |
# | seeing superposition | 0.5 plots · 0.6 dimensionality per feature · 0.7 correlated features |
# | SAEs on the toy model | 0.8 SAE · 0.9 training · 0.10 resampling dead latents |
# | other SAE designs | 0.11 TopK, Gated, JumpReLU |
# | did it work? | 0.12 matching SAE latents to the true features |
#
# **How the notebook is graded.** Write your code between the lines of each answer cell (replace
# `raise NotImplementedError()`). Each answer is followed by a visible test (run it: it checks shapes and a small
# case) and by a locked graded test that runs hidden checks on other inputs. Training cells use a progress bar;
# set the environment variable `SAE_COURSE_PROFILE=ci` before starting Jupyter if you want every run shorter
# (it only changes sizes, never what is checked).
#
# Notation used throughout: `n_inst` independent copies ("instances") of a model are trained side by side in one
# batched tensor, `n_features` is the number of true features, `d_hidden` the width of the bottleneck.

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
from tqdm.auto import tqdm

from sae_course import checks, plots
from sae_course.config import setup_notebook, sized

SETUP = setup_notebook(seed=0)
device = SETUP.device
plots.use_offline_renderer()

# %% [markdown]
# ## Part 1 — A toy model of superposition
#
# The model squeezes a vector of `n_features` numbers through a `d_hidden`-dimensional bottleneck and tries to
# get it back:
#
# $$h = W x \in \mathbb{R}^{d_\text{hidden}}, \qquad x' = \operatorname{ReLU}(W^\top h + b) \in \mathbb{R}^{n_\text{features}}$$
#
# The same matrix $W$ (shape `d_hidden × n_features`) writes into the bottleneck and reads out of it. Column $i$
# of $W$, written $W_i$, is the direction the model assigns to feature $i$. If the columns were orthogonal, at
# most `d_hidden` features could be stored without interference; the ReLU and the bias $b$ are what let the
# model filter out small amounts of interference and so store more.
#
# Several instances are trained at once: `W` has shape `(n_inst, d_hidden, n_features)` and `b_final` has shape
# `(n_inst, n_features)`. Instance `k` only ever sees its own slice. Each instance also carries a *feature
# probability* (how often each feature is on) and an *importance* per feature (how much its reconstruction
# error counts), both stored as `(n_inst, n_features)` buffers.
#
# The helper below turns a number, a vector or a full `(n_inst, n_features)` tensor into that shape. A vector
# given as `feature_probability` is read as one probability per instance `(n_inst,)`; a vector given as
# `importance` as one importance per feature `(n_features,)`, shared by all instances.

# %% setup id=toy_helpers
def as_inst_feat(value, n_inst: int, n_features: int, vector_axis: str = "inst", device=device) -> Tensor:
    """Broadcast ``value`` to ``(n_inst, n_features)``: a number, a full tensor, or a vector that runs along
    ``vector_axis`` ("inst": one value per instance, "feat": one value per feature)."""
    t = torch.as_tensor(value, dtype=torch.float32).to(device)
    if t.ndim == 1:
        t = t.unsqueeze(-1) if vector_axis == "inst" else t.unsqueeze(0)
    return t.expand(n_inst, n_features).clone()

# %% [markdown]
# ### Exercise 0.1 — the toy model's forward pass
# > Difficulty: ●●○○○ · Importance: ●●●●○
#
# Complete `ToyModel.forward`. For every instance $k$ and every example in the batch compute
# $h = W_k x$ and then $\operatorname{ReLU}(W_k^\top h + b_k)$. Input and output both have shape
# `(batch, n_inst, n_features)`.
#
# `einops.einsum` with named axes (e.g. `"batch inst feat, inst hid feat -> batch inst hid"`) keeps the axes
# straight. The ReLU is applied once, at the very end, after adding the bias.

# %% solution id=ex01_toy_model
class ToyModel(nn.Module):
    """``n_inst`` independent toy models: x -> h = W x -> ReLU(Wᵀ h + b_final)."""

    def __init__(self, n_inst: int, n_features: int = 5, d_hidden: int = 2, feature_probability=1.0,
                 importance=1.0, device=device):
        super().__init__()
        self.n_inst, self.n_features, self.d_hidden = n_inst, n_features, d_hidden
        self.W = nn.Parameter(nn.init.xavier_normal_(torch.empty(n_inst, d_hidden, n_features, device=device)))
        self.b_final = nn.Parameter(torch.zeros(n_inst, n_features, device=device))
        self.register_buffer("feature_probability", as_inst_feat(feature_probability, n_inst, n_features, "inst", device))
        self.register_buffer("importance", as_inst_feat(importance, n_inst, n_features, "feat", device))

    def forward(self, features: Tensor) -> Tensor:
        """features: (batch, n_inst, n_features) -> reconstruction (batch, n_inst, n_features)."""
        ### BEGIN SOLUTION
        h = einops.einsum(features, self.W, "batch inst feat, inst hid feat -> batch inst hid")
        out = einops.einsum(h, self.W, "batch inst hid, inst hid feat -> batch inst feat")
        return F.relu(out + self.b_final)
        ### END SOLUTION

# %% visible id=ex01_toy_model_visible
_m = ToyModel(n_inst=3, n_features=5, d_hidden=2)
_out = _m(torch.rand(4, 3, 5, device=device))
checks.assert_shape(_out, (4, 3, 5), "ToyModel output")
checks.assert_true((_out >= 0).all(), "ToyModel output: the output passes through a ReLU, so it cannot be negative")
# A small known case: with W = identity and no bias, a non-negative input comes back unchanged.
_m = ToyModel(n_inst=1, n_features=2, d_hidden=2)
with torch.no_grad():
    _m.W.copy_(torch.eye(2, device=device).unsqueeze(0))
_x = torch.tensor([[[0.3, 0.7]]], device=device)
checks.assert_close(_m(_x), _x, "ToyModel output with W = identity and b_final = 0")
print("ToyModel looks right on these small cases.")

# %% graded id=ex01_toy_model_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _ref_toy_forward(W, b, x):
    h = torch.einsum("ihf,bif->bih", W, x)
    return torch.relu(torch.einsum("ihf,bih->bif", W, h) + b)

_g = torch.Generator().manual_seed(101)
for _n_inst, _n_feat, _d_hid, _batch in [(3, 7, 3, 16), (2, 5, 2, 9), (1, 6, 4, 5)]:
    _m = ToyModel(n_inst=_n_inst, n_features=_n_feat, d_hidden=_d_hid, device=device)
    with torch.no_grad():
        _m.W.copy_(torch.randn(_n_inst, _d_hid, _n_feat, generator=_g).to(device))
        _m.b_final.copy_((torch.randn(_n_inst, _n_feat, generator=_g) * 0.5).to(device))
    _x = torch.rand(_batch, _n_inst, _n_feat, generator=_g)
    _x = (_x * (torch.rand(_batch, _n_inst, _n_feat, generator=_g) < 0.6)).to(device)
    _what = f"ToyModel output (n_inst={_n_inst}, n_features={_n_feat}, d_hidden={_d_hid})"
    _out = _m(_x)
    _chk.assert_shape(_out, (_batch, _n_inst, _n_feat), _what)
    _chk.assert_close(_out, _ref_toy_forward(_m.W.detach(), _m.b_final.detach(), _x), _what)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 0.2 — sparse synthetic features
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# The data is synthetic. In each example, feature $i$ of instance $k$ is **present** with probability
# $p_{k,i}$ (independently of everything else) and then takes a value drawn uniformly from $[0, 1)$; otherwise it
# is exactly $0$. A small $p$ means a *sparse* feature. Different instances get different probabilities, which is
# how we compare sparsity levels in one training run.
#
# Write `generate_batch(feature_probability, batch_size)`. Use torch's global random generator (`torch.rand`) and
# create the tensors on `feature_probability.device`.

# %% solution id=ex02_generate_batch
def generate_batch(feature_probability: Tensor, batch_size: int) -> Tensor:
    """feature_probability: (n_inst, n_features), entries in [0, 1].

    Returns (batch_size, n_inst, n_features): each entry is present with its probability, present entries are
    uniform on [0, 1), absent ones are 0.
    """
    ### BEGIN SOLUTION
    shape = (batch_size, *feature_probability.shape)
    present = torch.rand(shape, device=feature_probability.device) < feature_probability
    values = torch.rand(shape, device=feature_probability.device)
    return values * present
    ### END SOLUTION

# %% visible id=ex02_generate_batch_visible
_p = torch.tensor([[1.0, 0.0, 0.5]], device=device)
_x = generate_batch(_p, 2000)
checks.assert_shape(_x, (2000, 1, 3), "generate_batch output")
checks.assert_true(((_x >= 0) & (_x <= 1)).all(), "generate_batch: values must lie in [0, 1]")
checks.assert_true((_x[:, 0, 0] > 0).all(), "generate_batch: a feature with probability 1 should be present in every example")
checks.assert_true((_x[:, 0, 1] == 0).all(), "generate_batch: a feature with probability 0 should never be present")
_frac = (_x[:, 0, 2] > 0).float().mean().item()
checks.assert_true(0.4 < _frac < 0.6, f"generate_batch: a feature with probability 0.5 was present in {_frac:.0%} of examples")
print("generate_batch passes the visible checks.")

# %% graded id=ex02_generate_batch_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _corr(a, b):
    a, b = a.double() - a.double().mean(), b.double() - b.double().mean()
    return float((a * b).mean() / (a.std(unbiased=False) * b.std(unbiased=False) + 1e-12))

torch.manual_seed(202)
_g = torch.Generator().manual_seed(202)
_p = (torch.rand(3, 6, generator=_g) * 0.8 + 0.05).to(device)
_x = generate_batch(_p, 20_000)
_chk.assert_shape(_x, (20_000, 3, 6), "generate_batch output")
_chk.assert_true(_x.dtype.is_floating_point, "generate_batch: the output should be a floating-point tensor")
_chk.assert_true(((_x >= 0) & (_x <= 1)).all(), "generate_batch: some values lie outside [0, 1]")
_present = (_x > 0).float()
_chk.assert_close(_present.mean(0), _p, "fraction of examples in which each (instance, feature) is present",
                  atol=0.02, rtol=0.0)
_vals = _x[_x > 0]
_chk.assert_scalar_close(_vals.mean(), 0.5, "mean of the non-zero values (they should be uniform on [0, 1))",
                         atol=0.02, rtol=0.0)
_chk.assert_scalar_close((_vals < 0.25).float().mean(), 0.25,
                         "fraction of non-zero values below 0.25 (they should be uniform on [0, 1))", atol=0.02, rtol=0.0)
_chk.assert_true(abs(_corr(_present[:, 0, 0], _present[:, 1, 0])) < 0.05,
                 "generate_batch: features of different instances should be drawn independently")
_chk.assert_true(abs(_corr(_x[:, 2, 1], _x[:, 2, 3])) < 0.05,
                 "generate_batch: different features should be drawn independently")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 0.3 — importance-weighted reconstruction loss
# > Difficulty: ●○○○○ · Importance: ●●●○○
#
# Not all features matter equally: feature $i$ of instance $k$ has an importance $I_{k,i}$ that multiplies its
# squared error. The loss we train on is
#
# $$L = \sum_{k=1}^{n_\text{inst}} \frac{1}{B\, n_\text{features}} \sum_{b=1}^{B} \sum_{i=1}^{n_\text{features}} I_{k,i}\,\big(x_{b,k,i} - x'_{b,k,i}\big)^2$$
#
# i.e. the importance-weighted squared error, **averaged over the batch and the features, and summed over
# instances**. Summing over instances keeps the instances independent: the gradient that reaches instance $k$ is
# exactly what it would be if it were trained alone.

# %% solution id=ex03_loss
def calculate_loss(out: Tensor, batch: Tensor, importance: Tensor) -> Tensor:
    """out, batch: (batch, n_inst, n_features); importance: (n_inst, n_features). Returns a 0-d tensor."""
    ### BEGIN SOLUTION
    error = importance * (batch - out) ** 2
    return einops.reduce(error, "batch inst feat -> inst", "mean").sum()
    ### END SOLUTION

# %% visible id=ex03_loss_visible
_out = torch.zeros(2, 1, 2, device=device)
_batch = torch.ones(2, 1, 2, device=device)
_loss = calculate_loss(_out, _batch, torch.ones(1, 2, device=device))
checks.assert_shape(_loss, (), "calculate_loss output (a single number)")
checks.assert_scalar_close(_loss, 1.0, "calculate_loss when every error is 1 and every importance is 1")
print("calculate_loss passes the visible checks.")

# %% graded id=ex03_loss_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

_g = torch.Generator().manual_seed(303)
for _b, _n_inst, _n_feat in [(11, 4, 6), (3, 2, 9)]:
    _out = torch.rand(_b, _n_inst, _n_feat, generator=_g).to(device).requires_grad_(True)
    _batch = torch.rand(_b, _n_inst, _n_feat, generator=_g).to(device)
    _imp = (torch.rand(_n_inst, _n_feat, generator=_g) * 1.3 + 0.2).to(device)
    _loss = calculate_loss(_out, _batch, _imp)
    _ref = ((_imp * (_batch - _out.detach()) ** 2).mean(dim=(0, 2))).sum()
    _chk.assert_shape(_loss, (), "calculate_loss output")
    _chk.assert_scalar_close(_loss, _ref, f"calculate_loss (batch={_b}, n_inst={_n_inst}, n_features={_n_feat})")
    _chk.assert_true(_loss.requires_grad, "calculate_loss: the loss must stay connected to `out` so it can be backpropagated")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 0.4 — the training loop
# > Difficulty: ●●○○○ · Importance: ●●●●○
#
# Train all instances at once with Adam. A learning-rate *schedule* is a function `lr_schedule(step, steps)`
# returning a factor; at step $t$ (counting from 0) the learning rate is `lr * lr_schedule(t, steps)`. Three
# schedules are given below. Set the rate on every parameter group of the optimiser before each update.
#
# Each step:
# 1. draw a batch: `batch_fn(batch_size)` if a `batch_fn` is given, otherwise
#    `generate_batch(model.feature_probability, batch_size)`;
# 2. run the model and compute `calculate_loss(out, batch, model.importance)`;
# 3. the usual `zero_grad` / `backward` / `step`, optimising **all** the model's parameters;
# 4. record `loss.item()`.
#
# Return the list of the `steps` recorded losses. Wrap the loop in `tqdm(range(steps), disable=not progress)`.

# %% setup id=lr_schedules
def constant_lr(step: int, steps: int) -> float:
    return 1.0


def linear_lr(step: int, steps: int) -> float:
    return 1.0 - step / steps


def cosine_decay_lr(step: int, steps: int) -> float:
    return 0.5 * (1.0 + math.cos(math.pi * step / steps))

# %% solution id=ex04_train
def train_toy_model(model: ToyModel, steps: int = 10_000, batch_size: int = 1024, lr: float = 1e-3,
                    lr_schedule=constant_lr, batch_fn=None, progress: bool = True) -> list[float]:
    """Train every instance of ``model`` at once; returns the loss of every step (floats)."""
    ### BEGIN SOLUTION
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for step in tqdm(range(steps), disable=not progress):
        for group in optimizer.param_groups:
            group["lr"] = lr * lr_schedule(step, steps)
        if batch_fn is not None:
            batch = batch_fn(batch_size)
        else:
            batch = generate_batch(model.feature_probability, batch_size)
        out = model(batch)
        loss = calculate_loss(out, batch, model.importance)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
    ### END SOLUTION

# %% visible id=ex04_train_visible
torch.manual_seed(0)
_m = ToyModel(n_inst=2, n_features=5, d_hidden=2, feature_probability=0.1)
_losses = train_toy_model(_m, steps=300, batch_size=256, lr=1e-2, progress=False)
checks.assert_true(isinstance(_losses, list) and len(_losses) == 300,
                   "train_toy_model should return a list with one loss per step")
_first, _last = np.mean(_losses[:30]), np.mean(_losses[-30:])
checks.assert_true(_last < _first, f"train_toy_model: the loss did not go down ({_first:.4f} -> {_last:.4f})")
print(f"loss {_first:.4f} -> {_last:.4f}: training runs.")

# %% graded id=ex04_train_test points=1
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _snapshot(m):
    return {n: p.detach().clone() for n, p in m.named_parameters()}

torch.manual_seed(404)
_m = ToyModel(n_inst=2, n_features=4, d_hidden=2, feature_probability=0.5, device=device)
_before = _snapshot(_m)
_calls = []
def _zero_schedule(step, steps):
    _calls.append((step, steps))
    return 0.0
_losses = train_toy_model(_m, steps=12, batch_size=64, lr=1e-2, lr_schedule=_zero_schedule, progress=False)
_chk.assert_true(isinstance(_losses, list) and len(_losses) == 12, "train_toy_model should return one loss per step")
_chk.assert_true(all(isinstance(float(_l), float) for _l in _losses), "train_toy_model should return numbers")
_chk.assert_true(set(_calls) == {(_t, 12) for _t in range(12)},
                 "train_toy_model: lr_schedule(step, steps) should be called for every step 0, 1, ..., steps - 1")
for _n, _p in _m.named_parameters():
    _chk.assert_close(_p, _before[_n], f"parameter {_n} after training with a schedule that is always 0 "
                      "(the learning rate must be lr * lr_schedule(step, steps))", atol=0, rtol=0)
_losses = train_toy_model(_m, steps=5, batch_size=64, lr=0.0, lr_schedule=constant_lr, progress=False)
for _n, _p in _m.named_parameters():
    _chk.assert_close(_p, _before[_n], f"parameter {_n} after training with lr=0", atol=0, rtol=0)
_losses = train_toy_model(_m, steps=5, batch_size=64, lr=1e-2, lr_schedule=constant_lr, progress=False)
for _n, _p in _m.named_parameters():
    _chk.assert_true(not torch.equal(_p.detach(), _before[_n]),
                     f"train_toy_model: parameter {_n} did not change; every parameter of the model should be trained")
_sizes = []
def _batch_fn(batch_size):
    _sizes.append(batch_size)
    return torch.rand(batch_size, 2, 4, device=device)
train_toy_model(_m, steps=3, batch_size=16, lr=1e-2, batch_fn=_batch_fn, progress=False)
_chk.assert_true(_sizes == [16, 16, 16], "train_toy_model: when batch_fn is given, call batch_fn(batch_size) once per step")
### END HIDDEN TESTS

# %% graded id=ex04_train_test2 points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

# Two dense instances (every feature always on) and two sparse ones. Importance decays with the feature index.
torch.manual_seed(4040)
_m = ToyModel(n_inst=4, n_features=5, d_hidden=2, feature_probability=torch.tensor([1.0, 1.0, 0.03, 0.03]),
              importance=0.9 ** torch.arange(5.0), device=device)
_losses = train_toy_model(_m, steps=1500, batch_size=512, lr=1e-2, lr_schedule=cosine_decay_lr, progress=False)
_chk.assert_true(len(_losses) == 1500, "train_toy_model should return one loss per step")
_first, _last = sum(_losses[:100]) / 100, sum(_losses[-100:]) / 100
_chk.assert_true(_last < 0.7 * _first, "train_toy_model: the loss did not decrease enough during training")
_norms = _m.W.detach().norm(dim=1).cpu()  # (inst, feat)
for _k in (0, 1):
    _chk.assert_true(1.6 < float((_norms[_k] ** 2).sum()) < 2.4,
                     f"train_toy_model: dense instance {_k} should use its 2 hidden dimensions without superposition "
                     "(the squared feature norms should add up to about d_hidden = 2)")
for _k in (2, 3):
    _chk.assert_true(int((_norms[_k] > 0.5).sum()) >= 4 and float((_norms[_k] ** 2).sum()) > 4.0,
                     f"train_toy_model: sparse instance {_k} should represent at least 4 of its 5 features "
                     "(superposition)")
### END HIDDEN TESTS

# %% [markdown]
# Now train eight instances whose features get sparser from left to right (feature probability from 1 down to
# 0.02) and whose importance decays as $0.9^i$ with the feature index. This takes a few seconds.

# %% code
torch.manual_seed(1)
n_inst_2d = 8
feature_probability_2d = 50 ** -torch.linspace(0, 1, n_inst_2d)
model_2d = ToyModel(n_inst=n_inst_2d, n_features=5, d_hidden=2, feature_probability=feature_probability_2d,
                    importance=0.9 ** torch.arange(5.0))
losses_2d = train_toy_model(model_2d, steps=sized(full=10_000, ci=2_000), batch_size=sized(full=1024, ci=512),
                            lr=5e-3, lr_schedule=cosine_decay_lr)
plots.lines({"loss": losses_2d}, title="Toy model training loss (sum over the 8 instances)", xlabel="step",
            ylabel="loss", log_y=True).show()

# %% [markdown]
# ## Part 2 — Seeing superposition
#
# ### Exercise 0.5a — features in two dimensions
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# When `d_hidden = 2` every feature direction $W_i$ is an arrow in the plane, so the whole model of an instance
# can be drawn. Write `plot_features_in_2d(W)` returning a plotly figure with:
# * one subplot per instance, all in one row: `make_subplots(rows=1, cols=n_inst, subplot_titles=...)`;
# * for feature $i$ of instance $k$, **one** `go.Scatter` trace going from the origin to the tip of $W_i$:
#   `x=[0, W[k, 0, i]]`, `y=[0, W[k, 1, i]]` (as Python floats), `mode="lines+markers"`, placed in column `k + 1`;
# * traces added instance by instance and, within an instance, feature by feature.
#
# Colour, axis ranges and an equal aspect ratio are up to you.

# %% solution id=ex05_plot_2d
def plot_features_in_2d(W: Tensor, subplot_titles=None, title: str = "") -> go.Figure:
    """W: (n_inst, 2, n_features). Returns a figure with n_inst subplots, one line trace per feature."""
    ### BEGIN SOLUTION
    W = W.detach().float().cpu()
    n_inst, _, n_features = W.shape
    fig = make_subplots(rows=1, cols=n_inst, subplot_titles=subplot_titles)
    colors = [f"hsl({int(360 * i / max(n_features, 1))}, 70%, 45%)" for i in range(n_features)]
    for k in range(n_inst):
        for i in range(n_features):
            fig.add_trace(go.Scatter(x=[0.0, float(W[k, 0, i])], y=[0.0, float(W[k, 1, i])], mode="lines+markers",
                                     line=dict(color=colors[i]), name=f"feature {i}", showlegend=(k == 0)),
                          row=1, col=k + 1)
        fig.update_xaxes(range=[-1.5, 1.5], row=1, col=k + 1)
        fig.update_yaxes(range=[-1.5, 1.5], scaleanchor=f"x{k + 1 if k else ''}", row=1, col=k + 1)
    fig.update_layout(title=title, height=300, width=max(300, 220 * n_inst))
    return fig
    ### END SOLUTION

# %% visible id=ex05_plot_2d_visible
_W = torch.tensor([[[1.0, 0.0, -0.5], [0.0, 1.0, 0.5]]])  # one instance, three features
_fig = plot_features_in_2d(_W)
checks.assert_true(isinstance(_fig, go.Figure), "plot_features_in_2d should return a plotly go.Figure")
checks.assert_true(len(_fig.data) == 3, f"plot_features_in_2d: expected 3 traces (one per feature), got {len(_fig.data)}")
checks.assert_close(torch.tensor(_fig.data[1].x, dtype=torch.float64), torch.tensor([0.0, 0.0], dtype=torch.float64),
                    "x coordinates of the trace of feature 1 (which points straight up)")
checks.assert_close(torch.tensor(_fig.data[1].y, dtype=torch.float64), torch.tensor([0.0, 1.0], dtype=torch.float64),
                    "y coordinates of the trace of feature 1 (which points straight up)")
print("plot_features_in_2d passes the visible checks.")

# %% graded id=ex05_plot_2d_test points=1
### BEGIN HIDDEN TESTS
import numpy as _np
import torch
import plotly.graph_objects as _go
import sae_course.checks as _chk

_g = torch.Generator().manual_seed(505)
for _n_inst, _n_feat in [(3, 4), (2, 6)]:
    _W = torch.randn(_n_inst, 2, _n_feat, generator=_g).to(device)
    _fig = plot_features_in_2d(_W)
    _chk.assert_true(isinstance(_fig, _go.Figure), "plot_features_in_2d should return a go.Figure")
    _chk.assert_true(len(_fig.data) == _n_inst * _n_feat,
                     f"plot_features_in_2d: expected one trace per (instance, feature), i.e. {_n_inst * _n_feat}, "
                     f"got {len(_fig.data)}")
    _axes = []
    for _k in range(_n_inst):
        for _i in range(_n_feat):
            _tr = _fig.data[_k * _n_feat + _i]
            _what = f"trace of instance {_k}, feature {_i} (n_inst={_n_inst}, n_features={_n_feat})"
            _chk.assert_true(_tr.type == "scatter", f"{_what}: expected a go.Scatter trace")
            _chk.assert_close(torch.tensor(_np.asarray(_tr.x, dtype=float)), torch.stack([torch.zeros(()), _W[_k, 0, _i].cpu()]).double(),
                              f"{_what}: x coordinates", atol=1e-5)
            _chk.assert_close(torch.tensor(_np.asarray(_tr.y, dtype=float)), torch.stack([torch.zeros(()), _W[_k, 1, _i].cpu()]).double(),
                              f"{_what}: y coordinates", atol=1e-5)
        _axes.append({_fig.data[_k * _n_feat + _i].xaxis for _i in range(_n_feat)})
    _chk.assert_true(all(len(_a) == 1 for _a in _axes), "plot_features_in_2d: all features of one instance belong in one subplot")
    _chk.assert_true(len({next(iter(_a)) for _a in _axes}) == _n_inst,
                     "plot_features_in_2d: each instance needs its own subplot")
### END HIDDEN TESTS

# %% code
plot_features_in_2d(model_2d.W, subplot_titles=[f"p = {p:.3f}" for p in feature_probability_2d.tolist()],
                    title="Feature directions W_i of each instance (sparser to the right)").show()

# %% [markdown]
# Read the plot from left to right. With dense features (left) the model keeps the two most important features
# on orthogonal directions and drops the rest (arrows of length ~0): no superposition. As the features get
# sparser, more arrows appear — first as *antipodal pairs* (two features on opposite directions, which a ReLU can
# tell apart), and at high sparsity all five, often arranged as a pentagon.
#
# ### Exercise 0.5b — more dimensions: $W^\top W$ and feature norms
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# With more than two hidden dimensions we cannot draw the arrows, but two summaries tell most of the story:
# * the matrix $W^\top W$ (`n_features × n_features`): its diagonal holds the squared norms $\|W_i\|^2$ and its
#   off-diagonal entries $W_i \cdot W_j$ show which features interfere;
# * the feature norms $\|W_i\|$: a norm near 1 means the feature is represented, near 0 that it was dropped.
#
# Write `plot_features_nd(W)` returning `make_subplots(rows=2, cols=n_inst)` with, for each instance $k$ (column
# `k + 1`), a `go.Heatmap` of $W_k^\top W_k$ in row 1 and a `go.Bar` of the feature norms in row 2; add the
# traces instance by instance (heatmap, then bars).

# %% solution id=ex05_plot_nd
def plot_features_nd(W: Tensor, title: str = "") -> go.Figure:
    """W: (n_inst, d_hidden, n_features). Row 1: heatmaps of WᵀW; row 2: bars of the feature norms."""
    ### BEGIN SOLUTION
    W = W.detach().float().cpu()
    n_inst = W.shape[0]
    WtW = einops.einsum(W, W, "inst hid f1, inst hid f2 -> inst f1 f2")
    norms = W.norm(dim=1)
    fig = make_subplots(rows=2, cols=n_inst, row_heights=[0.7, 0.3], vertical_spacing=0.08)
    for k in range(n_inst):
        fig.add_trace(go.Heatmap(z=WtW[k].numpy(), zmid=0, colorscale="RdBu", showscale=(k == 0)), row=1, col=k + 1)
        fig.add_trace(go.Bar(y=norms[k].numpy(), showlegend=False, marker_color="steelblue"), row=2, col=k + 1)
        fig.update_yaxes(autorange="reversed", row=1, col=k + 1)
    fig.update_layout(title=title, height=450, width=max(350, 230 * n_inst))
    return fig
    ### END SOLUTION

# %% visible id=ex05_plot_nd_visible
_W = torch.zeros(1, 3, 4)
_W[0, 0, 0] = 2.0
_fig = plot_features_nd(_W)
_hm = [t for t in _fig.data if t.type == "heatmap"]
_bars = [t for t in _fig.data if t.type == "bar"]
checks.assert_true(len(_hm) == 1 and len(_bars) == 1, "plot_features_nd: expected one heatmap and one bar chart per instance")
checks.assert_shape(torch.tensor(np.asarray(_hm[0].z, dtype=float)), (4, 4), "the heatmap of WᵀW (n_features × n_features)")
checks.assert_shape(torch.tensor(np.asarray(_bars[0].y, dtype=float)), (4,), "the bar chart of feature norms")
print("plot_features_nd passes the visible checks.")

# %% graded id=ex05_plot_nd_test points=1
### BEGIN HIDDEN TESTS
import numpy as _np
import torch
import plotly.graph_objects as _go
import sae_course.checks as _chk

_g = torch.Generator().manual_seed(5050)
for _n_inst, _d_hid, _n_feat in [(3, 4, 7), (2, 5, 3)]:
    _W = torch.randn(_n_inst, _d_hid, _n_feat, generator=_g).to(device)
    _fig = plot_features_nd(_W)
    _chk.assert_true(isinstance(_fig, _go.Figure), "plot_features_nd should return a go.Figure")
    _hm = [t for t in _fig.data if t.type == "heatmap"]
    _bars = [t for t in _fig.data if t.type == "bar"]
    _chk.assert_true(len(_hm) == _n_inst and len(_bars) == _n_inst,
                     "plot_features_nd: expected exactly one heatmap and one bar chart per instance")
    _Wc = _W.cpu().double()
    for _k in range(_n_inst):
        _what = f"instance {_k} (n_inst={_n_inst}, d_hidden={_d_hid}, n_features={_n_feat})"
        _chk.assert_close(torch.tensor(_np.asarray(_hm[_k].z, dtype=float)), _Wc[_k].T @ _Wc[_k],
                          f"heatmap values, {_what}", atol=1e-4)
        _chk.assert_close(torch.tensor(_np.asarray(_bars[_k].y, dtype=float)), _Wc[_k].norm(dim=0),
                          f"bar heights (feature norms), {_what}", atol=1e-4)
    _chk.assert_true(len({t.xaxis for t in _hm}) == _n_inst, "plot_features_nd: each heatmap needs its own subplot")
### END HIDDEN TESTS

# %% [markdown]
# A bigger model: 20 features squeezed into 5 dimensions, six instances from dense to very sparse, importance
# decaying with the feature index. In the dense instance only ~5 features survive and $W^\top W$ is close to a
# block of the identity; in the sparse ones almost every feature has norm ~1 and the off-diagonal entries fill in.

# %% code
torch.manual_seed(2)
n_inst_nd = 6
feature_probability_nd = 20 ** -torch.linspace(0, 1, n_inst_nd)
model_nd = ToyModel(n_inst=n_inst_nd, n_features=20, d_hidden=5, feature_probability=feature_probability_nd,
                    importance=0.9 ** torch.arange(20.0))
losses_nd = train_toy_model(model_nd, steps=sized(full=10_000, ci=2_000), batch_size=sized(full=1024, ci=512),
                            lr=5e-3, lr_schedule=cosine_decay_lr)
plot_features_nd(model_nd.W, title="WᵀW (top) and feature norms (bottom); sparser to the right").show()

# %% [markdown]
# ### Exercise 0.6 — measuring superposition
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# How much of a dimension does each feature get? For feature $i$ define its **dimensionality**
#
# $$D_i = \frac{\|W_i\|^2}{\sum_j \big(\hat W_i \cdot W_j\big)^2}, \qquad \hat W_i = \frac{W_i}{\|W_i\|}$$
#
# where the sum runs over **all** features $j$, $i$ included. A feature with a dimension to itself has $D_i = 1$;
# an antipodal pair shares one dimension, $D_i = 1/2$; a pentagon's five features share two, $D_i = 2/5$; a dropped
# feature has $D_i = 0$. To stay finite when $W_i = 0$, divide $W_i$ by $\max(\|W_i\|, \varepsilon)$ and the ratio by
# $\max(\text{denominator}, \varepsilon)$, so a zero feature gets $D_i = 0$.
#
# Also write two per-instance summaries:
# * `fraction_represented(W, threshold)`: the fraction of features with $\|W_i\| > $ `threshold`;
# * `dimensions_per_feature(W)`: $d_\text{hidden} / \|W\|_F^2$, how many hidden dimensions each *represented*
#   feature gets on average (the squared Frobenius norm counts the represented features).

# %% solution id=ex06_dimensionality
def feature_dimensionality(W: Tensor, eps: float = 1e-8) -> Tensor:
    """W: (n_inst, d_hidden, n_features) -> D: (n_inst, n_features)."""
    ### BEGIN SOLUTION
    norms = W.norm(dim=1)  # (inst, feat)
    W_hat = W / norms.clamp_min(eps).unsqueeze(1)
    overlaps = einops.einsum(W_hat, W, "inst hid fi, inst hid fj -> inst fi fj")
    return norms ** 2 / (overlaps ** 2).sum(-1).clamp_min(eps)
    ### END SOLUTION


def fraction_represented(W: Tensor, threshold: float = 0.5) -> Tensor:
    """W: (n_inst, d_hidden, n_features) -> (n_inst,): fraction of features whose norm exceeds ``threshold``."""
    ### BEGIN SOLUTION
    return (W.norm(dim=1) > threshold).float().mean(-1)
    ### END SOLUTION


def dimensions_per_feature(W: Tensor) -> Tensor:
    """W: (n_inst, d_hidden, n_features) -> (n_inst,): d_hidden / ||W||_F²."""
    ### BEGIN SOLUTION
    return W.shape[1] / (W ** 2).sum(dim=(1, 2))
    ### END SOLUTION

# %% visible id=ex06_dimensionality_visible
# Instance 0: two orthogonal features and a dropped one. Instance 1: an antipodal pair plus a lone feature.
_W = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
                   [[1.0, -1.0, 0.0], [0.0, 0.0, 1.0]]])
checks.assert_close(feature_dimensionality(_W), torch.tensor([[1.0, 1.0, 0.0], [0.5, 0.5, 1.0]]),
                    "feature_dimensionality on two hand-made instances")
checks.assert_shape(fraction_represented(_W), (2,), "fraction_represented output")
checks.assert_shape(dimensions_per_feature(_W), (2,), "dimensions_per_feature output")
print("The dimensionality functions pass the visible checks.")

# %% graded id=ex06_dimensionality_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _ref_dim(W, eps=1e-8):
    n = W.norm(dim=1)
    Wh = W / n.clamp_min(eps).unsqueeze(1)
    ov = torch.einsum("ihf,ihg->ifg", Wh, W)
    return n ** 2 / (ov ** 2).sum(-1).clamp_min(eps)

_g = torch.Generator().manual_seed(606)
for _n_inst, _d_hid, _n_feat in [(3, 2, 5), (2, 4, 9)]:
    _W = torch.randn(_n_inst, _d_hid, _n_feat, generator=_g) * (torch.rand(_n_inst, 1, _n_feat, generator=_g) * 1.5)
    _W[0, :, 1] = 0.0  # a dropped feature
    _W = _W.to(device)
    _D = feature_dimensionality(_W)
    _chk.assert_shape(_D, (_n_inst, _n_feat), "feature_dimensionality output")
    _chk.assert_close(_D, _ref_dim(_W), f"feature_dimensionality (n_inst={_n_inst}, d_hidden={_d_hid}, "
                      f"n_features={_n_feat}, one feature exactly zero)", atol=1e-5)
### END HIDDEN TESTS

# %% graded id=ex06_dimensionality_test2 points=1
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

_g = torch.Generator().manual_seed(6060)
_W = (torch.randn(4, 3, 10, generator=_g) * torch.rand(4, 1, 10, generator=_g) * 0.8).to(device)
for _thr in (0.5, 0.2):
    _chk.assert_close(fraction_represented(_W, threshold=_thr), (_W.norm(dim=1) > _thr).float().mean(-1),
                      f"fraction_represented with threshold={_thr}")
_chk.assert_close(dimensions_per_feature(_W), 3 / (_W ** 2).sum(dim=(1, 2)), "dimensions_per_feature")
### END HIDDEN TESTS

# %% [markdown]
# How does the geometry change with sparsity? Below, a model with 30 features in 6 dimensions is trained at eight
# sparsity levels. The line shows `dimensions_per_feature` per instance, the dots the dimensionality $D_i$ of each
# feature. As features get sparser the line falls (more features share the space), and the dots tend to sit on a
# few values — $1$, $1/2$, $2/5$, $1/3$ ... — that correspond to clean geometric arrangements.

# %% code
torch.manual_seed(3)
n_inst_dim = 8
feature_probability_dim = 30 ** -torch.linspace(0, 1, n_inst_dim)
model_dim = ToyModel(n_inst=n_inst_dim, n_features=30, d_hidden=6, feature_probability=feature_probability_dim)
_ = train_toy_model(model_dim, steps=sized(full=10_000, ci=2_000), batch_size=sized(full=1024, ci=512), lr=5e-3,
                    lr_schedule=cosine_decay_lr)
dims = feature_dimensionality(model_dim.W.detach()).cpu()
fig = go.Figure(go.Scatter(x=(1 / feature_probability_dim).tolist(), y=dimensions_per_feature(model_dim.W.detach()).cpu().tolist(),
                           mode="lines+markers", name="d_hidden / ‖W‖²"))
xs = (1 / feature_probability_dim).unsqueeze(1).expand_as(dims)
fig.add_trace(go.Scatter(x=xs.flatten().tolist(), y=dims.flatten().tolist(), mode="markers", opacity=0.4,
                         name="dimensionality D_i"))
fig.update_layout(title="Dimensionality per feature vs 1 / feature probability", xaxis_type="log",
                  xaxis_title="1 / p", yaxis_title="dimensions", height=400)
fig.show()
print("fraction of features represented per instance:", fraction_represented(model_dim.W.detach()).cpu().numpy().round(2))

# %% [markdown]
# ### Exercise 0.7a — correlated features
# > Difficulty: ●●○○○ · Importance: ●●○○○
#
# Real features are not independent. To study that, build features in **pairs** $(2m, 2m+1)$:
#
# * **correlated pairs**: in each example, pair $m$ of instance $k$ is switched on with probability $p_k$
#   (independently for each pair, instance and example). When it is on, *both* features are present, each with its
#   own independent uniform value in $[0, 1)$; when it is off, both are 0.
#
# Each feature is still present with probability $p_k$ on its own — only the joint behaviour changes.
# `feature_probability` here has shape `(n_inst,)`: one probability per instance, shared by all pairs.

# %% solution id=ex07_correlated
def generate_correlated_batch(feature_probability: Tensor, batch_size: int, n_pairs: int) -> Tensor:
    """feature_probability: (n_inst,). Returns (batch_size, n_inst, 2 * n_pairs); features 2m and 2m+1 fire together."""
    ### BEGIN SOLUTION
    n_inst = feature_probability.shape[0]
    dev = feature_probability.device
    pair_on = torch.rand(batch_size, n_inst, n_pairs, device=dev) < feature_probability[:, None]
    present = pair_on.repeat_interleave(2, dim=-1)
    return torch.rand(batch_size, n_inst, 2 * n_pairs, device=dev) * present
    ### END SOLUTION

# %% visible id=ex07_correlated_visible
_x = generate_correlated_batch(torch.tensor([0.3, 0.6], device=device), 1000, n_pairs=2)
checks.assert_shape(_x, (1000, 2, 4), "generate_correlated_batch output")
checks.assert_true(((_x > 0)[..., 0::2] == (_x > 0)[..., 1::2]).all(),
                   "generate_correlated_batch: the two features of a pair should be present in exactly the same examples")
print("generate_correlated_batch passes the visible checks.")

# %% graded id=ex07_correlated_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _corr(a, b):
    a, b = a.double() - a.double().mean(), b.double() - b.double().mean()
    return float((a * b).mean() / (a.std(unbiased=False) * b.std(unbiased=False) + 1e-12))

torch.manual_seed(707)
_p = torch.tensor([0.05, 0.2, 0.4], device=device)
_x = generate_correlated_batch(_p, 40_000, n_pairs=3)
_chk.assert_shape(_x, (40_000, 3, 6), "generate_correlated_batch output")
_chk.assert_true(((_x >= 0) & (_x <= 1)).all(), "generate_correlated_batch: some values lie outside [0, 1]")
_on = (_x > 0).float()
_chk.assert_close(_on.mean(0), _p[:, None].expand(3, 6), "fraction of examples in which each feature is present "
                  "(it should equal the instance's feature probability)", atol=0.015, rtol=0.0)
_chk.assert_true(bool((_on[..., 0::2] == _on[..., 1::2]).all()),
                 "generate_correlated_batch: the two features of a pair should be present in exactly the same examples")
for _k in range(3):
    _chk.assert_true(_corr(_on[:, _k, 0], _on[:, _k, 1]) > 0.9,
                     f"generate_correlated_batch: the features of a pair should be positively correlated (instance {_k})")
    _chk.assert_true(abs(_corr(_on[:, _k, 0], _on[:, _k, 2])) < 0.05,
                     f"generate_correlated_batch: different pairs should switch on independently (instance {_k})")
_both = (_on[..., 0] > 0) & (_on[..., 1] > 0)
_chk.assert_true(float((_x[..., 0][_both] == _x[..., 1][_both]).float().mean()) < 0.01,
                 "generate_correlated_batch: the two features of a pair should get independent values")
_chk.assert_true(abs(_corr(_x[..., 0][_both], _x[..., 1][_both])) < 0.05,
                 "generate_correlated_batch: the two features of a pair should get independent values")
_chk.assert_scalar_close(_x[_x > 0].mean(), 0.5, "mean of the non-zero values (uniform on [0, 1))", atol=0.02, rtol=0.0)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 0.7b — anticorrelated features
# > Difficulty: ●●○○○ · Importance: ●●○○○
#
# * **anticorrelated pairs**: at most one feature of a pair is ever present. Switch pair $m$ on with probability
#   $2p_k$ (this needs $p_k \le 1/2$); when it is on, pick **one** of its two features, each with probability
#   $1/2$, and give it a uniform value in $[0, 1)$.
#
# Check for yourself that each feature is then present with probability $p_k$, like before.

# %% solution id=ex07_anticorrelated
def generate_anticorrelated_batch(feature_probability: Tensor, batch_size: int, n_pairs: int) -> Tensor:
    """feature_probability: (n_inst,), entries <= 0.5. Returns (batch_size, n_inst, 2 * n_pairs); never both of a pair."""
    ### BEGIN SOLUTION
    n_inst = feature_probability.shape[0]
    dev = feature_probability.device
    pair_on = torch.rand(batch_size, n_inst, n_pairs, device=dev) < 2 * feature_probability[:, None]
    first = torch.rand(batch_size, n_inst, n_pairs, device=dev) < 0.5
    present = torch.stack([pair_on & first, pair_on & ~first], dim=-1).flatten(-2)
    return torch.rand(batch_size, n_inst, 2 * n_pairs, device=dev) * present
    ### END SOLUTION

# %% visible id=ex07_anticorrelated_visible
_x = generate_anticorrelated_batch(torch.tensor([0.3, 0.5], device=device), 1000, n_pairs=2)
checks.assert_shape(_x, (1000, 2, 4), "generate_anticorrelated_batch output")
checks.assert_true(~((_x[..., 0::2] > 0) & (_x[..., 1::2] > 0)).any(),
                   "generate_anticorrelated_batch: the two features of a pair should never be present together")
print("generate_anticorrelated_batch passes the visible checks.")

# %% graded id=ex07_anticorrelated_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _corr(a, b):
    a, b = a.double() - a.double().mean(), b.double() - b.double().mean()
    return float((a * b).mean() / (a.std(unbiased=False) * b.std(unbiased=False) + 1e-12))

torch.manual_seed(7070)
_p = torch.tensor([0.05, 0.2, 0.4], device=device)
_x = generate_anticorrelated_batch(_p, 40_000, n_pairs=3)
_chk.assert_shape(_x, (40_000, 3, 6), "generate_anticorrelated_batch output")
_chk.assert_true(((_x >= 0) & (_x <= 1)).all(), "generate_anticorrelated_batch: some values lie outside [0, 1]")
_on = (_x > 0).float()
_chk.assert_close(_on.mean(0), _p[:, None].expand(3, 6), "fraction of examples in which each feature is present "
                  "(it should equal the instance's feature probability)", atol=0.015, rtol=0.0)
_chk.assert_true(not bool(((_on[..., 0::2] > 0) & (_on[..., 1::2] > 0)).any()),
                 "generate_anticorrelated_batch: the two features of a pair should never be present together")
for _k in range(3):
    _chk.assert_true(_corr(_on[:, _k, 0], _on[:, _k, 1]) < -0.02,
                     f"generate_anticorrelated_batch: the features of a pair should be negatively correlated (instance {_k})")
    _chk.assert_true(abs(_corr(_on[:, _k, 0], _on[:, _k, 2])) < 0.05 and abs(_corr(_on[:, _k, 1], _on[:, _k, 4])) < 0.05,
                     f"generate_anticorrelated_batch: different pairs should switch on independently (instance {_k})")
_chk.assert_scalar_close(_x[_x > 0].mean(), 0.5, "mean of the non-zero values (uniform on [0, 1))", atol=0.02, rtol=0.0)
### END HIDDEN TESTS

# %% [markdown]
# What does the model do with correlated features? Below, 4 features (2 pairs) with equal importance are squeezed
# into 2 dimensions, two instances on correlated pairs and two on anticorrelated pairs.
#
# * Anticorrelated features never fire together, so putting the two features of a pair on **opposite** directions
#   costs nothing: expect antipodal pairs.
# * Correlated features always fire together, so an antipodal pair would cancel out. The model avoids that: it
#   either keeps the two features of a pair orthogonal, or — short of room — merges them onto one shared direction
#   (two arrows on top of each other, each of norm ≈ 0.7) that stores roughly their sum, the way PCA would.

# %% code
torch.manual_seed(4)
p_corr = torch.tensor([0.25, 0.25], device=device)
model_corr = ToyModel(n_inst=2, n_features=4, d_hidden=2)
model_anti = ToyModel(n_inst=2, n_features=4, d_hidden=2)
_ = train_toy_model(model_corr, steps=sized(full=10_000, ci=2_000), batch_size=sized(full=1024, ci=512), lr=5e-3,
                    lr_schedule=cosine_decay_lr, batch_fn=lambda b: generate_correlated_batch(p_corr, b, n_pairs=2))
_ = train_toy_model(model_anti, steps=sized(full=10_000, ci=2_000), batch_size=sized(full=1024, ci=512), lr=5e-3,
                    lr_schedule=cosine_decay_lr, batch_fn=lambda b: generate_anticorrelated_batch(p_corr, b, n_pairs=2))
plot_features_in_2d(torch.cat([model_corr.W, model_anti.W]),
                    subplot_titles=["correlated", "correlated", "anticorrelated", "anticorrelated"],
                    title="Pairs are features (0, 1) and (2, 3)").show()

# %% [markdown]
# ## Part 3 — Sparse autoencoders on the toy model
#
# Pretend we did not know the true features and only saw the toy model's hidden activations $h = W x$ (2 numbers
# per example for 5 features). A **sparse autoencoder** tries to explain each $h$ as a sparse, non-negative
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
# ### Exercise 0.8 — the toy SAE
# > Difficulty: ●●●○○ · Importance: ●●●●●
#
# Complete `W_dec_normalized` (each decoder row divided by its norm over `d_in`) and `forward`, which returns a
# tuple `(loss_dict, loss, acts, h_reconstructed)`:
# * `loss_dict = {"L_reconstruction": (batch, n_inst), "L_sparsity": (batch, n_inst)}` — per example;
# * `loss`: the scalar $L$ above;
# * `acts`: $z$, shape `(batch, n_inst, d_sae)`; `h_reconstructed`: $\hat h$, shape `(batch, n_inst, d_in)`.

# %% solution id=ex08_sae
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

# %% visible id=ex08_sae_visible
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

# %% graded id=ex08_sae_test points=2
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
    _ref = _ref_sae(*(p.detach() for p in (_sae.W_enc, _sae.W_dec, _sae.b_enc, _sae.b_dec)), _h, 0.3)
    _what = f"(n_inst={_n_inst}, d_in={_d_in}, d_sae={_d_sae})"
    _chk.assert_close(_sae.W_dec_normalized, _ref[0], f"W_dec_normalized {_what}")
    _out = _sae(_h)
    _chk.assert_true(isinstance(_out, tuple) and len(_out) == 4, "ToySAE.forward should return (loss_dict, loss, acts, h_reconstructed)")
    _chk.assert_close(_out[2], _ref[1], f"ToySAE acts {_what}")
    _chk.assert_close(_out[3], _ref[2], f"ToySAE h_reconstructed {_what}")
### END HIDDEN TESTS

# %% graded id=ex08_sae_test2 points=1
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
def toy_hidden(model: ToyModel, features: Tensor) -> Tensor:
    """The toy model's bottleneck activations h = W x: (batch, n_inst, d_hidden)."""
    return einops.einsum(features, model.W, "batch inst feat, inst hid feat -> batch inst hid")


def hidden_sampler(model: ToyModel):
    """A ``sample_h`` for ``train_sae``: fresh features through the (frozen) toy model."""
    return lambda batch_size: toy_hidden(model, generate_batch(model.feature_probability, batch_size))

# %% [markdown]
# ### Exercise 0.9 — training the SAE
# > Difficulty: ●●●○○ · Importance: ●●●●○
#
# Write `train_sae(sae, sample_h, ...)`. `sample_h(batch_size)` returns a batch of activations
# `(batch, n_inst, d_in)` to train on. Use Adam on **all** the SAE's parameters with a constant learning rate
# `lr`. At each step $t = 0, 1, \dots$:
#
# 1. `h = sample_h(batch_size)`;
# 2. **resampling** (used in 0.10): if `resample_fn` is given and $t > 0$ and $t$ is a multiple of `resample_every`,
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

# %% solution id=ex09_train_sae
def train_sae(sae: nn.Module, sample_h, steps: int = 10_000, batch_size: int = 1024, lr: float = 1e-3,
              resample_fn=None, resample_every: int = 2_500, progress: bool = True) -> dict[str, list[float]]:
    """Train ``sae`` on batches from ``sample_h``; returns {"loss": [...], "L_reconstruction": [...], "L0": [...]}."""
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

# %% visible id=ex09_train_sae_visible
torch.manual_seed(0)
_model = ToyModel(n_inst=2, n_features=5, d_hidden=2, feature_probability=0.05)
_sae = ToySAE(n_inst=2, d_in=2, d_sae=5)
_log = train_sae(_sae, hidden_sampler(_model), steps=200, batch_size=128, lr=1e-2, progress=False)
checks.assert_true(set(_log) == {"loss", "L_reconstruction", "L0"}, "train_sae should return a dict with keys loss, L_reconstruction, L0")
checks.assert_true(all(len(v) == 200 for v in _log.values()), "train_sae: each list in the log should have one value per step")
checks.assert_true(np.mean(_log["loss"][-20:]) < np.mean(_log["loss"][:20]), "train_sae: the loss did not go down")
print("train_sae passes the visible checks.")

# %% graded id=ex09_train_sae_test points=1
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
        return self.W_dec / self.W_dec.norm(dim=-1, keepdim=True)

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
                 "train_sae: with steps=13 and resample_every=4, resample_fn should be called at steps 4, 8 and 12, "
                 "after drawing that step's batch")
for _t, _frac, _h in _calls:
    _chk.assert_close(_h, _batches[_t], f"the batch h passed to resample_fn at step {_t}")
    _chk.assert_close(_frac, torch.stack(_fracs[_t - _every:_t]).mean(0),
                      f"frac_active passed to resample_fn at step {_t} (over the previous {_every} steps' batches)")
### END HIDDEN TESTS

# %% graded id=ex09_train_sae_test2 points=2
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
        return self.W_dec / self.W_dec.norm(dim=-1, keepdim=True)

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
# Let us train a toy model whose five features are very sparse (probability 1%) and equally important, so every
# instance stores all five in its two hidden dimensions, then an SAE with five latents per instance on its hidden
# activations.

# %% code
torch.manual_seed(5)
n_inst_sae = 8
model_sae = ToyModel(n_inst=n_inst_sae, n_features=5, d_hidden=2, feature_probability=0.01)
_ = train_toy_model(model_sae, steps=sized(full=10_000, ci=2_000), batch_size=sized(full=1024, ci=512), lr=5e-3,
                    lr_schedule=cosine_decay_lr)
plot_features_in_2d(model_sae.W, title="The toy model the SAEs are trained on").show()

# %% [markdown]
# A latent that never fires gets no gradient (the ReLU is flat at 0), so it can never come back: it is **dead**. In
# large SAEs a sizeable share of latents often dies early in training, and every dead latent is capacity lost. Our
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
def plot_sae_over_features(model: ToyModel, sae: nn.Module, title: str = "") -> go.Figure:
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
# ### Exercise 0.10a — resampling dead latents (simple)
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

# %% solution id=ex10_resample_simple
@torch.no_grad()
def resample_simple(sae: nn.Module, frac_active: Tensor, h: Tensor) -> Tensor:
    """Re-initialise dead latents with random unit directions. h is unused here. Returns the dead mask (n_inst, d_sae)."""
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

# %% visible id=ex10_resample_simple_visible
_sae = ToySAE(n_inst=2, d_in=2, d_sae=4)
_frac = torch.tensor([[0.0, 0.2, 0.1, 0.0], [0.3, 0.3, 0.3, 0.3]], device=device)
_old_dec = _sae.W_dec.detach().clone()
_dead = resample_simple(_sae, _frac, torch.zeros(8, 2, 2, device=device))
checks.assert_true(torch.equal(_dead.cpu(), torch.tensor([[True, False, False, True], [False] * 4])),
                   "resample_simple: wrong dead mask returned")
checks.assert_close(_sae.W_dec[1], _old_dec[1], "W_dec of an instance with no dead latent (must not change)")
checks.assert_close(_sae.W_dec[0, 0].norm(), torch.tensor(1.0), "norm of a resampled decoder row")
print("resample_simple passes the visible checks.")

# %% graded id=ex10_resample_simple_test points=2
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
# ### Exercise 0.10b — resampling toward badly reconstructed inputs (advanced)
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

# %% solution id=ex10_resample_advanced
@torch.no_grad()
def resample_advanced(sae: nn.Module, frac_active: Tensor, h: Tensor, scale: float = 0.2) -> Tensor:
    """Re-initialise dead latents toward high-loss inputs of ``h`` (batch, n_inst, d_in). Returns the dead mask."""
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

# %% visible id=ex10_resample_advanced_visible
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

# %% graded id=ex10_resample_advanced_test points=3
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
        return self.W_dec / self.W_dec.norm(dim=-1, keepdim=True)

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
# ## Part 4 — Other SAE designs
#
# The $L_1$ penalty has a known side effect, **shrinkage**: it pushes every active latent toward zero, so the SAE
# systematically under-estimates feature values, and it trades off "how many latents fire" against "how strongly".
# Three popular designs avoid or reduce this. Each is a small change to the forward pass.
#
# ### Exercise 0.11a — TopK activations
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# A **TopK** SAE fixes the number of active latents directly: keep the $k$ largest pre-activations of each input,
# set all the others to zero, and apply a ReLU to what is kept (so a kept value that is negative is still 0). No
# sparsity penalty is needed — $L_0 \le k$ by construction.
#
# Write `topk_activations(pre_acts, k)` working along the **last** axis of a tensor of any shape. It must be
# differentiable: the gradient should reach exactly the kept, positive entries (`Tensor.topk` and
# `Tensor.scatter` do this for you).

# %% solution id=ex11_topk
def topk_activations(pre_acts: Tensor, k: int) -> Tensor:
    """pre_acts: (..., d_sae). Keep the k largest entries along the last axis (then ReLU), zero elsewhere."""
    ### BEGIN SOLUTION
    values, indices = pre_acts.topk(k, dim=-1)
    return torch.zeros_like(pre_acts).scatter(-1, indices, F.relu(values))
    ### END SOLUTION

# %% visible id=ex11_topk_visible
_pre = torch.tensor([[0.5, -1.0, 2.0, 0.1]], device=device)
checks.assert_close(topk_activations(_pre, 2), torch.tensor([[0.5, 0.0, 2.0, 0.0]], device=device),
                    "topk_activations with k=2 on a small example")
checks.assert_shape(topk_activations(torch.randn(3, 2, 6, device=device), 2), (3, 2, 6), "topk_activations output")
print("topk_activations passes the visible checks.")

# %% graded id=ex11_topk_test points=2
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
# ### Exercise 0.11b — Gated SAE
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
# Complete `forward`, returning `(loss_dict, loss, acts, h_reconstructed)` as in `ToySAE` with the extra key
# `"L_aux"` in `loss_dict`.

# %% solution id=ex11_gated
class GatedToySAE(nn.Module):
    """Gated SAE per instance: W_gate (n_inst, d_in, d_sae), r_mag, b_gate, b_mag (n_inst, d_sae), W_dec, b_dec."""

    def __init__(self, n_inst: int, d_in: int, d_sae: int, l1_coeff: float = 0.2, device=device):
        super().__init__()
        self.n_inst, self.d_in, self.d_sae, self.l1_coeff = n_inst, d_in, d_sae, l1_coeff
        self.W_gate = nn.Parameter(nn.init.xavier_normal_(torch.empty(n_inst, d_in, d_sae, device=device)))
        self.r_mag = nn.Parameter(torch.zeros(n_inst, d_sae, device=device))
        self.b_gate = nn.Parameter(torch.zeros(n_inst, d_sae, device=device))
        self.b_mag = nn.Parameter(torch.zeros(n_inst, d_sae, device=device))
        self.W_dec = nn.Parameter(self.W_gate.detach().transpose(-1, -2).clone())
        self.b_dec = nn.Parameter(torch.zeros(n_inst, d_in, device=device))

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

# %% visible id=ex11_gated_visible
_gsae = GatedToySAE(n_inst=2, d_in=3, d_sae=4)
_loss_dict, _loss, _acts, _h_rec = _gsae(torch.randn(5, 2, 3, device=device))
checks.assert_true(set(_loss_dict) == {"L_reconstruction", "L_sparsity", "L_aux"},
                   "GatedToySAE loss_dict should have the keys 'L_reconstruction', 'L_sparsity' and 'L_aux'")
checks.assert_shape(_acts, (5, 2, 4), "GatedToySAE acts")
checks.assert_shape(_h_rec, (5, 2, 3), "GatedToySAE h_reconstructed")
checks.assert_shape(_loss, (), "GatedToySAE loss")
checks.assert_true((_acts >= 0).all(), "GatedToySAE acts should be non-negative")
print("GatedToySAE passes the visible checks.")

# %% graded id=ex11_gated_test points=3
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

# %% [markdown]
# ### Exercise 0.11c — JumpReLU and its straight-through gradients
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

# %% solution id=ex11_jumprelu
class JumpReLU(torch.autograd.Function):
    """JumpReLU_θ(x) = x·H(x − θ) with a straight-through pseudo-gradient for θ."""

    @staticmethod
    def forward(ctx, x: Tensor, threshold: Tensor, bandwidth: float) -> Tensor:
        ### BEGIN SOLUTION
        ctx.save_for_backward(x, threshold)
        ctx.bandwidth = bandwidth
        return x * (x > threshold).to(x.dtype)
        ### END SOLUTION

    @staticmethod
    def backward(ctx, grad_output: Tensor):
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
        ### BEGIN SOLUTION
        ctx.save_for_backward(x, threshold)
        ctx.bandwidth = bandwidth
        return (x > threshold).to(x.dtype)
        ### END SOLUTION

    @staticmethod
    def backward(ctx, grad_output: Tensor):
        ### BEGIN SOLUTION
        x, threshold = ctx.saved_tensors
        eps = ctx.bandwidth
        grad_threshold = -(1.0 / eps) * rectangle((x - threshold) / eps) * grad_output
        return torch.zeros_like(x), sum_to_shape(grad_threshold, threshold.shape), None
        ### END SOLUTION

# %% visible id=ex11_jumprelu_visible
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

# %% graded id=ex11_jumprelu_test points=2
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

# %% graded id=ex11_jumprelu_test2 points=1
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

# %% setup id=jumprelu_sae
class JumpReLUToySAE(ToySAE):
    """A ToySAE with JumpReLU latents (threshold exp(log_threshold)) and an L0 penalty through StepFunction."""

    def __init__(self, n_inst: int, d_in: int, d_sae: int, l0_coeff: float = 0.05, bandwidth: float = 0.05,
                 init_threshold: float = 0.2, device=device):
        super().__init__(n_inst, d_in, d_sae, l1_coeff=0.0, device=device)
        self.l0_coeff, self.bandwidth = l0_coeff, bandwidth
        self.log_threshold = nn.Parameter(torch.full((n_inst, d_sae), math.log(init_threshold), device=device))

    def forward(self, h: Tensor):
        pre = einops.einsum(h - self.b_dec, self.W_enc, "batch inst d_in, inst d_in d_sae -> batch inst d_sae") + self.b_enc
        threshold = self.log_threshold.exp()
        acts = JumpReLU.apply(pre, threshold, self.bandwidth)
        h_rec = einops.einsum(acts, self.W_dec_normalized, "batch inst d_sae, inst d_sae d_in -> batch inst d_in") + self.b_dec
        loss_dict = {"L_reconstruction": (h_rec - h).pow(2).mean(-1),
                     "L_sparsity": StepFunction.apply(pre, threshold, self.bandwidth).sum(-1)}
        loss = (loss_dict["L_reconstruction"] + self.l0_coeff * loss_dict["L_sparsity"]).mean(0).sum()
        return loss_dict, loss, acts, h_rec

# %% [markdown]
# Train the three designs on the same toy activations. All of them plug into your `train_sae`, because they share
# the `(loss_dict, loss, acts, h_reconstructed)` interface.
#
# A TopK latent only learns when it wins a place in the top $k$, so TopK SAEs are prone to dead latents (large ones
# add an auxiliary loss against this). `TopKToySAE` subclasses `ToySAE`, so your resampling works on it; we use
# `scale=1` so that a resampled latent is strong enough to win on its input. The Gated SAE has no `W_enc` and
# trains without resampling, and so does the JumpReLU SAE.

# %% code
sample_h_sae = hidden_sampler(model_sae)
torch.manual_seed(7)
sae_topk = TopKToySAE(n_inst=n_inst_sae, d_in=2, d_sae=5, k=1)
log_topk = train_sae(sae_topk, sample_h_sae, steps=sae_steps, batch_size=sae_batch, lr=3e-3,
                     resample_fn=lambda s, frac, h: resample_advanced(s, frac, h, scale=1.0),
                     resample_every=sae_steps // 5)
torch.manual_seed(7)
sae_gated = GatedToySAE(n_inst=n_inst_sae, d_in=2, d_sae=5, l1_coeff=0.4)
log_gated = train_sae(sae_gated, sample_h_sae, steps=sae_steps, batch_size=sae_batch, lr=3e-3)
torch.manual_seed(7)
sae_jump = JumpReLUToySAE(n_inst=n_inst_sae, d_in=2, d_sae=5)
log_jump = train_sae(sae_jump, sample_h_sae, steps=sae_steps, batch_size=sae_batch, lr=3e-3)
plots.lines({"L1 (resampling)": log_resampled["L_reconstruction"], "TopK (k=1)": log_topk["L_reconstruction"],
             "Gated": log_gated["L_reconstruction"], "JumpReLU": log_jump["L_reconstruction"]},
            title="Reconstruction loss by SAE design", xlabel="step", log_y=True).show()

# %% [markdown]
# ## Part 5 — Did the SAE find the features?
#
# ### Exercise 0.12 — matching SAE latents to the true features
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

# %% solution id=ex12_match
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

# %% visible id=ex12_match_visible
_W_feat = torch.tensor([[[1.0, 0.0], [0.0, 2.0]]])   # features along x and (scaled) y
_W_dec = torch.tensor([[[0.0, 1.0], [3.0, 0.0], [-1.0, 0.0]]])
_cos, _best, _idx = match_features(_W_dec, _W_feat)
checks.assert_shape(_cos, (1, 2, 3), "match_features cos")
checks.assert_close(_best, torch.tensor([[1.0, 1.0]]), "best_cos on a hand-made example")
checks.assert_true(_idx.tolist() == [[1, 0]], "best_latent on a hand-made example")
checks.assert_close(fraction_recovered(torch.tensor([[0.99, 0.5], [0.97, 0.96]])), torch.tensor([0.5, 1.0]),
                    "fraction_recovered on a small example")
print("match_features passes the visible checks.")

# %% graded id=ex12_match_test points=2
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
# ## Summary
#
# * A model with fewer dimensions than features stores sparse features in **superposition**: more directions than
#   dimensions, arranged to limit interference (antipodal pairs, pentagons, ...). Dense features are not
#   superposed: the model keeps the most important ones and drops the rest.
# * Dimensionality per feature measures how much of a dimension each feature gets; it moves through a few
#   preferred values as sparsity grows. Correlated and anticorrelated features change which arrangements win.
# * An SAE recovers the features from the activations alone. Dead latents are its main failure mode;
#   resampling them toward badly reconstructed inputs fixes most of it.
# * TopK, Gated and JumpReLU SAEs change how sparsity is imposed, to avoid the shrinkage of an $L_1$ penalty.
#
# Next section: the same tools on a real language model.
