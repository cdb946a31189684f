# %% [markdown]
# # Section 0 — Toy Models of Superposition
#
# A network often has to keep track of more properties of its input ("features") than it has neurons or
# dimensions. If most features are rarely active at the same time, it can still cope: it gives each feature a
# direction, lets the directions overlap, and accepts a little interference when two overlapping features happen
# to be on together. This is **superposition**. It is a big part of why single neurons are hard to read, and it
# is the reason sparse autoencoders (SAEs) exist: an SAE tries to undo the packing and give one latent per feature.
#
# Everything in this section is small enough to train on a laptop CPU in seconds, so you can see the effects with
# your own eyes before meeting them inside a language model. The next assignment, `00b_toy_saes`, trains SAEs on
# the activations of these toy models.
#
# **What you will build**
#
# | part | exercises |
# |---|---|
# | a toy model and its data | 0.1 model · 0.2 sparse features · 0.3 weighted loss · 0.4 training loop |
# | seeing superposition | 0.5a 2-D plots · checkpoint 0.5 reading the arrows (which instance pairs first, and why) · 0.5b $W^\top W$ and norms · 0.6 dimensionality per feature · 0.6b the share of features on each sticky value (1, 3/4, 2/3, 1/2, 2/5, 1/3, 1/4, 1/5) across sparsity · checkpoint 0.6c where the features pile up (the busiest sticky value, where the sparsest features sit, and how many of them are on a sticky value) |
# | correlated features | 0.7a correlated pairs · 0.7b anticorrelated pairs (a sampling rule you work out) · checkpoint 0.A what the pairs did · 0.7c measuring how several pairs are arranged · checkpoint 0.C which arrangement (merged, local orthogonal bases, antipodal) |
# | a privileged basis | 0.8 the neuron model · 0.9 measuring polysemanticity |
# | a phase diagram | 0.10 classifying a feature's phase · checkpoint 0.B reading the diagram |
# | computation in superposition | 0.11 the `NeuronComputationModel`: parameters, forward pass, data and loss; graded on what it learns |
# | memorisation and double descent | 0.12 finite datasets of normalised points · 0.13 training on a fixed dataset, one size per instance · 0.14 dimensionality of features and of data points; graded on the shape of the sweep · checkpoint 0.D what is stored at each end, and where the test loss peaks |
#
# **How the notebook is graded.** Write your code between the lines of each answer cell (replace
# `raise NotImplementedError()`). Each answer is followed by a visible test (run it: it checks shapes and a small
# case) and by a locked graded test that runs hidden checks on other inputs. Training cells use a progress bar;
# set the environment variable `SAE_COURSE_PROFILE=ci` before starting Jupyter if you want every run shorter
# (it only changes sizes, never what is checked).
#
# **Run time.** Measured on the course's 2-core CPU machine with one torch thread (2026-11-30, other jobs on the
# second core). CI profile: the mutant checker's run of the whole notebook with its solutions and tests took **74 s**
# (71 s of kernel CPU). Full profile (the default): about **20 minutes**, from a cell-by-cell run
# (`bench/bench_notebooks.py` and the same cells run on their own). Two cells take most of it: the geometry sweep of
# 0.6 (200 features in 20 dimensions, 12 sparsity levels: about 8.5 minutes) and the double-descent sweep of Part 7
# (12 dataset sizes × 3 repeats: about 5 minutes). Every other cell takes under two minutes. With more cores torch
# uses them and the time drops; no GPU figure exists.
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
# tqdm.notebook, not tqdm.auto: the same class in the kernel and in the grader's own process (the grader's
# integrity check compares the two), and a widget in Jupyter, so progress bars never write to stderr.
from tqdm.notebook import tqdm

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
_x2 = generate_batch(_p, 20_000)
_chk.assert_true(not torch.equal(_x, _x2), "generate_batch: two calls returned the same batch; draw fresh random "
                 "numbers from torch's global generator on every call (do not seed inside the function)")
torch.manual_seed(2020)
_y1 = generate_batch(_p, 500)
torch.manual_seed(2020)
_y2 = generate_batch(_p, 500)
_chk.assert_true(torch.equal(_y1, _y2), "generate_batch: with the same torch.manual_seed the batch should be the "
                 "same; use torch's global random generator")
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
_losses = train_toy_model(_m, steps=12, batch_size=64, lr=1e-2, lr_schedule=lambda step, steps: 0.0, progress=False)
_chk.assert_true(isinstance(_losses, list) and len(_losses) == 12, "train_toy_model should return one loss per step")
_chk.assert_true(all(isinstance(float(_l), float) for _l in _losses), "train_toy_model should return numbers")
for _n, _p in _m.named_parameters():
    _chk.assert_close(_p, _before[_n], f"parameter {_n} after training with a schedule that is always 0 "
                      "(the learning rate must be lr * lr_schedule(step, steps))", atol=0, rtol=0)
_losses = train_toy_model(_m, steps=5, batch_size=64, lr=0.0, lr_schedule=constant_lr, progress=False)
for _n, _p in _m.named_parameters():
    _chk.assert_close(_p, _before[_n], f"parameter {_n} after training with lr=0", atol=0, rtol=0)
_sizes = []
def _batch_fn(batch_size):
    _sizes.append(batch_size)
    return torch.rand(batch_size, 2, 4, device=device)
train_toy_model(_m, steps=3, batch_size=16, lr=1e-2, batch_fn=_batch_fn, progress=False)
_chk.assert_true(_sizes == [16, 16, 16], "train_toy_model: when batch_fn is given, call batch_fn(batch_size) once per step")

# A reference run on fixed batches with a schedule that changes at every step: after training, the parameters and
# the recorded losses must match an inline Adam loop step for step. This checks the learning rate applied at each
# step (however you set it), that one optimiser (with its running moments) serves the whole run, and zero_grad.
_g = torch.Generator().manual_seed(4041)
_n_inst, _n_feat, _d_hid, _bs = 3, 6, 2, 32
_factors = [1.0, 0.25, 0.0, 2.0, 0.5, 1.5, 0.1, 1.0, 0.7]
_T = len(_factors)
def _schedule(step, steps):
    return _factors[min(step, _T - 1)] if steps == _T else float("nan")
_batches = [(torch.rand(_bs, _n_inst, _n_feat, generator=_g) * (torch.rand(_bs, _n_inst, _n_feat, generator=_g) < 0.4)).to(device)
            for _ in range(_T)]
_W0 = torch.randn(_n_inst, _d_hid, _n_feat, generator=_g).to(device)
_b0 = (0.1 * torch.randn(_n_inst, _n_feat, generator=_g)).to(device)
_imp = (torch.rand(_n_inst, _n_feat, generator=_g) + 0.2).to(device)
_m = ToyModel(n_inst=_n_inst, n_features=_n_feat, d_hidden=_d_hid, importance=_imp, device=device)
with torch.no_grad():
    _m.W.copy_(_W0)
    _m.b_final.copy_(_b0)
_it = iter(_batches)
_losses = train_toy_model(_m, steps=_T, batch_size=_bs, lr=2e-2, lr_schedule=_schedule, batch_fn=lambda b: next(_it),
                          progress=False)
_W, _b = _W0.clone().requires_grad_(True), _b0.clone().requires_grad_(True)
_opt = torch.optim.Adam([_W, _b], lr=2e-2)
_ref_losses = []
for _t, _x in enumerate(_batches):
    for _grp in _opt.param_groups:
        _grp["lr"] = 2e-2 * _factors[_t]
    _out = torch.relu(torch.einsum("ihf,bih->bif", _W, torch.einsum("ihf,bif->bih", _W, _x)) + _b)
    _loss = (_imp * (_x - _out) ** 2).mean(dim=(0, 2)).sum()
    _opt.zero_grad()
    _loss.backward()
    _opt.step()
    _ref_losses.append(_loss.item())
_chk.assert_close(torch.tensor([float(_l) for _l in _losses]), torch.tensor(_ref_losses),
                  "train_toy_model: the loss recorded at each step of a short run on fixed batches", atol=1e-5)
_chk.assert_close(_m.W, _W.detach(), "ToyModel.W after a short run with a changing schedule (compared step by step "
                  "with Adam at learning rate lr * lr_schedule(step, steps), one optimiser for the whole run)", atol=1e-5)
_chk.assert_close(_m.b_final, _b.detach(), "ToyModel.b_final after the same short run", atol=1e-5)
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
# Colour, axis ranges, an equal aspect ratio and extra decorations (a unit circle, say) are up to you; the
# grader reads the 2-point traces that start at the origin.

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

def _feature_traces(fig):
    """The 2-point scatter traces that start at the origin (extra decorations such as circles are ignored)."""
    out = []
    for t in fig.data:
        if t.type != "scatter" or t.x is None or t.y is None or len(t.x) != 2 or len(t.y) != 2:
            continue
        if abs(float(t.x[0])) < 1e-9 and abs(float(t.y[0])) < 1e-9:
            out.append(t)
    return out

_g = torch.Generator().manual_seed(505)
for _n_inst, _n_feat in [(3, 4), (2, 6)]:
    _W = torch.randn(_n_inst, 2, _n_feat, generator=_g).to(device)
    _fig = plot_features_in_2d(_W)
    _chk.assert_true(isinstance(_fig, _go.Figure), "plot_features_in_2d should return a go.Figure")
    _tr_all = _feature_traces(_fig)
    _chk.assert_true(len(_tr_all) == _n_inst * _n_feat,
                     f"plot_features_in_2d: expected one 2-point trace from the origin per (instance, feature), i.e. "
                     f"{_n_inst * _n_feat}, found {len(_tr_all)}")
    _axes = []
    for _k in range(_n_inst):
        for _i in range(_n_feat):
            _tr = _tr_all[_k * _n_feat + _i]
            _what = f"trace of instance {_k}, feature {_i} (n_inst={_n_inst}, n_features={_n_feat})"
            _chk.assert_close(torch.tensor(_np.asarray(_tr.x, dtype=float)), torch.stack([torch.zeros(()), _W[_k, 0, _i].cpu()]).double(),
                              f"{_what}: x coordinates", atol=1e-5)
            _chk.assert_close(torch.tensor(_np.asarray(_tr.y, dtype=float)), torch.stack([torch.zeros(()), _W[_k, 1, _i].cpu()]).double(),
                              f"{_what}: y coordinates", atol=1e-5)
        _axes.append({_tr_all[_k * _n_feat + _i].xaxis for _i in range(_n_feat)})
    _chk.assert_true(all(len(_a) == 1 for _a in _axes), "plot_features_in_2d: all features of one instance belong in one subplot")
    _chk.assert_true(len({next(iter(_a)) for _a in _axes}) == _n_inst,
                     "plot_features_in_2d: each instance needs its own subplot")
### END HIDDEN TESTS

# %% code
plot_features_in_2d(model_2d.W, subplot_titles=[f"p = {p:.3f}" for p in feature_probability_2d.tolist()],
                    title="Feature directions W_i of each instance (sparser to the right)").show()

# %% [markdown]
# ### Checkpoint 0.5 — reading the arrows
# > Difficulty: ●●○○○ · Importance: ●●●●○
#
# Read the plot from left to right (instance 0 is the densest, instance 7 the sparsest). Set
# * `first_pair_instance` to the index of the **leftmost** instance in which two represented features point in
#   opposite directions (an *antipodal pair*: two arrows of length ~1 on one line, on either side of the origin);
# * `why_pairs_first` to the letter of the best explanation of why the first features to share the space do it as
#   antipodal pairs rather than at some other angle:
#   * `"a"`: opposite directions are what Adam finds first from a random start, whatever the data;
#   * `"b"`: a feature whose arrow points away from another's projects **negatively** onto it, and the output ReLU
#     (with a bias at or below 0) turns a negative value into exactly 0, so when only one of the two is on the other
#     reads 0 and nothing leaks; at any other angle part of the interference is positive and does leak;
#   * `"c"`: two opposite arrows add up to zero, so the pair costs no weight norm;
#   * `"d"`: antipodal pairs are the only arrangement in which both features keep their full length.
#
# The hidden tests read your first answer off `model_2d` itself.

# %% solution id=ex05_pairs_answer
first_pair_instance = None   # your answer: an instance index, 0 to 7
why_pairs_first = None       # your answer: "a", "b", "c" or "d"
### BEGIN SOLUTION
first_pair_instance = next(k for k in range(model_2d.n_inst)
                           if (torch.nn.functional.cosine_similarity(model_2d.W[k].T[:, None], model_2d.W[k].T[None, :], dim=-1)
                               [(model_2d.W[k].norm(dim=0) > 0.5)[:, None] & (model_2d.W[k].norm(dim=0) > 0.5)[None, :]]
                               < -0.95).any())
why_pairs_first = "b"
### END SOLUTION

# %% visible id=ex05_pairs_answer_visible
checks.assert_true(isinstance(first_pair_instance, int) and 0 <= first_pair_instance < model_2d.n_inst,
                   "first_pair_instance should be an instance index (an int from 0 to 7)")
checks.assert_true(why_pairs_first in ("a", "b", "c", "d"), 'why_pairs_first should be "a", "b", "c" or "d"')
print("Answers recorded; the graded tests check them.")

# %% graded id=ex05_pairs_answer_test points=1
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _t():
    _at, _plain = _chk.assert_true, _chk.plain
    _W = _plain(model_2d.W).cpu().double()                       # (inst, 2, feat)
    _ans = _plain(first_pair_instance)
    def _most_opposite(Wk):
        _n = Wk.norm(dim=0)
        _u = Wk / _n.clamp_min(1e-9)
        _c = _u.T @ _u
        _keep = (_n > 0.5)[:, None] & (_n > 0.5)[None, :]
        return float(_c[_keep].min()) if bool(_keep.any()) else 1.0
    _m = [_most_opposite(_W[_k]) for _k in range(_W.shape[0])]
    _at(type(_ans) is int and 0 <= _ans < len(_m), "first_pair_instance should be an instance index")
    _at(_m[_ans] < -0.9, "first_pair_instance: that instance has no two represented features pointing in opposite "
        "directions; look for two long arrows on one line through the origin")
    _at(all(_m[_j] > -0.95 for _j in range(_ans)), "first_pair_instance: an instance further left (denser) already has "
        "an antipodal pair")

_t(); del _t
### END HIDDEN TESTS

# %% graded id=ex05_pairs_answer_test2 points=1
### BEGIN HIDDEN TESTS
import sae_course.checks as _chk

def _t():
    _at, _plain = _chk.assert_true, _chk.plain
    _ans = _plain(why_pairs_first)
    _why = {"a": "the optimiser is not the reason: dense instances, trained the same way, keep orthogonal features and "
                 "drop the rest; the data decide the arrangement",
            "c": "weight norm is not what the loss counts: it counts reconstruction error, and the question is how much "
                 "of one feature leaks into the other's output",
            "d": "other arrangements (a pentagon, a triangle) also keep every feature at full length; what differs is "
                 "whether the interference is positive or negative"}
    _at(type(_ans) is str and _ans in ("a", "b", "c", "d"), 'why_pairs_first should be "a", "b", "c" or "d"')
    _at(_ans not in _why, "why_pairs_first: " + _why.get(_ans, ""))

_t(); del _t
### END HIDDEN TESTS

# %% [markdown]
# With dense features (left) the model keeps the two most important features on orthogonal directions and drops the
# rest (arrows of length ~0): no superposition, since two features that are on together almost every time would
# interfere on almost every example. As the features get sparser, more arrows appear — first as **antipodal pairs**.
# The reason is the output ReLU: if feature $j$ points opposite to feature $i$, then when only $i$ is on, $j$'s readout
# $W_j \cdot W_i x_i$ is negative and the ReLU (with a bias at or below 0) turns it into exactly 0; the pair only
# interferes in the rare examples where both are on. At any other angle some of the interference is positive and
# passes the ReLU. At high sparsity even that becomes cheap, and all five features come in, often as a pentagon.
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
# How does the geometry change with sparsity? Below, a model with many features in a small bottleneck (200 features
# in 20 dimensions in the full profile; 30 in 6 under `SAE_COURSE_PROFILE=ci`) is trained at several sparsity levels. The line shows `dimensions_per_feature` per instance, the dots the dimensionality $D_i$ of each
# feature. As features get sparser the line falls (more features share the space), and the dots tend to sit on a
# few values that correspond to clean geometric arrangements. The values Anthropic's toy-models paper found
# "sticky" are $1$ (a dimension to itself), $3/4$ (a tetrahedron: 4 features in 3 dimensions), $2/3$ (a triangle:
# 3 in 2), $1/2$ (an antipodal pair), $2/5$ (a pentagon: 5 in 2) and $3/8$ (a square antiprism: 8 in 3). A short
# run of a small model adds another kind: an instance that spreads its $n$ represented features **evenly over the
# whole hidden space** gives each of them $D_i = d_\text{hidden} / n$, so 12, 18, 24 or 30 features in 6 dimensions
# sit at $1/2$, $1/3$, $1/4$ or $1/5$. `STICKY_VALUES` below lists the paper's values and these three; it leaves out
# $3/8$, whose window would overlap the one of $2/5$ (they are only $0.025$ apart) and on which almost no feature
# sat in the measured runs (see the note after checkpoint 0.6c). The dotted lines mark the listed values: look for
# dots piling up on them, and compare each column of dots with the line.

# %% setup id=sticky_values
STICKY_VALUES = (1.0, 3 / 4, 2 / 3, 1 / 2, 2 / 5, 1 / 3, 1 / 4, 1 / 5)

# %% code
torch.manual_seed(3)
n_inst_dim = sized(full=12, ci=8)
n_feat_dim, d_hidden_dim = sized(full=200, ci=30), sized(full=20, ci=6)
feature_probability_dim = (n_feat_dim / d_hidden_dim * 10) ** -torch.linspace(0, 1, n_inst_dim)
model_dim = ToyModel(n_inst=n_inst_dim, n_features=n_feat_dim, d_hidden=d_hidden_dim,
                     feature_probability=feature_probability_dim)
_ = train_toy_model(model_dim, steps=sized(full=5_000, ci=2_000), batch_size=sized(full=1024, ci=512), lr=5e-3,
                    lr_schedule=cosine_decay_lr)
dims = feature_dimensionality(model_dim.W.detach()).cpu()
fig = go.Figure(go.Scatter(x=(1 / feature_probability_dim).tolist(), y=dimensions_per_feature(model_dim.W.detach()).cpu().tolist(),
                           mode="lines+markers", name="d_hidden / ‖W‖²"))
xs = (1 / feature_probability_dim).unsqueeze(1).expand_as(dims)
fig.add_trace(go.Scatter(x=xs.flatten().tolist(), y=dims.flatten().tolist(), mode="markers", opacity=0.4,
                         name="dimensionality D_i"))
for sticky in STICKY_VALUES:
    fig.add_hline(y=sticky, line_dash="dot", line_color="grey", opacity=0.6)
fig.update_layout(title="Dimensionality per feature vs 1 / feature probability", xaxis_type="log",
                  xaxis_title="1 / p", yaxis_title="dimensions", height=400)
fig.show()
print("fraction of features represented per instance:", fraction_represented(model_dim.W.detach()).cpu().numpy().round(2))

# %% [markdown]
# ### Exercise 0.6b — how many features sit on a sticky value?
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# The dots are easier to read as counts. Write `sticky_shares(D, values, tol, min_dim)`: for each instance, among its
# **represented** features ($D_i >$ `min_dim`), the fraction whose $D_i$ lies within `tol` of a sticky value
# ($|D_i - v| \le$ `tol`), one column per value in `values`. A feature counts at most once, at the sticky value
# **nearest** to it: with the default `tol` = 0.02 the windows of `STICKY_VALUES` are disjoint (the closest two,
# $1/4$ and $1/5$, are $0.05$ apart), but with a more generous `tol`, or with the paper's $3/8$ next to $2/5$
# ($0.025$ apart), two windows overlap. An instance without represented features gets a row of zeros. The bar chart
# after the test stacks these shares for every instance of `model_dim`.

# %% solution id=ex06_sticky
def sticky_shares(D: Tensor, values=STICKY_VALUES, tol: float = 0.02, min_dim: float = 0.1) -> Tensor:
    """D: (n_inst, n_features) dimensionalities -> (n_inst, len(values)) fractions of the represented features
    (D_i > min_dim) whose nearest value in ``values`` is within ``tol``, one column per value."""
    ### BEGIN SOLUTION
    v = torch.as_tensor(values, dtype=D.dtype, device=D.device)
    dist = (D.unsqueeze(-1) - v).abs()                               # (inst, feat, value)
    represented = D > min_dim
    on_sticky = (dist.amin(-1) <= tol) & represented
    counts = (F.one_hot(dist.argmin(-1), len(values)) * on_sticky.unsqueeze(-1)).sum(1)
    return counts.float() / represented.sum(-1, keepdim=True).clamp_min(1).float()
    ### END SOLUTION

# %% visible id=ex06_sticky_visible
# Five represented features (1.0, 0.51, 0.49, 0.6, 0.21) and one dropped (0.0): two of five sit near 1/2, one near 1,
# one near 1/5; 0.6 is more than tol = 0.02 away from every value.
_s = sticky_shares(torch.tensor([[1.0, 0.51, 0.49, 0.6, 0.21, 0.0]]))
checks.assert_shape(_s, (1, len(STICKY_VALUES)), "sticky_shares output")
checks.assert_close(_s, torch.tensor([[0.2, 0.0, 0.0, 0.4, 0.0, 0.0, 0.0, 0.2]]), "sticky_shares on a hand-made instance")
print("sticky_shares passes the visible checks.")

# %% graded id=ex06_sticky_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _t():
    _ac, _at, _ash, _plain = _chk.assert_close, _chk.assert_true, _chk.assert_shape, _chk.plain
    _teq = torch.equal
    def _expect(Dm, vals, tl, md):
        out = torch.zeros(Dm.shape[0], len(vals), dtype=torch.float64)
        for k in range(Dm.shape[0]):
            kept = [float(d) for d in Dm[k] if float(d) > md]
            for d in kept:
                gaps = [abs(d - u) for u in vals]
                j = min(range(len(vals)), key=lambda i: gaps[i])
                if gaps[j] <= tl:
                    out[k, j] += 1.0 / len(kept)
        return out
    _g = torch.Generator().manual_seed(6066)
    _vals = (1.0, 0.75, 2 / 3, 0.5, 0.4, 1 / 3, 0.25, 0.2)
    _paper = (1.0, 0.75, 2 / 3, 0.5, 0.4, 0.375)        # the paper's six: 3/8 and 2/5 only 0.025 apart
    _cases = [(0.02, 0.1, _vals), (0.05, 0.1, _vals), (0.03, 0.1, _paper), (0.04, 0.3, (1.0, 0.5, 1 / 3))]
    for _tol, _md, _vs in _cases:
        _base = torch.tensor(_vs, dtype=torch.float64)[torch.randint(0, len(_vs), (5, 24), generator=_g)]
        _Dm = _base + (torch.rand(5, 24, generator=_g, dtype=torch.float64) - 0.5) * 0.14
        _Dm[:, :4] = torch.rand(5, 4, generator=_g, dtype=torch.float64) * 0.2          # dropped or nearly dropped
        _Dm[2] = torch.rand(24, generator=_g, dtype=torch.float64) * 0.08               # an instance with nothing represented
        _Dm = _Dm.float().double()
        _want = _expect(_Dm, _vs, _tol, _md)
        _Ds = _Dm.float().clone().to(device)
        _out = _plain(sticky_shares(_Ds, values=_vs, tol=_tol, min_dim=_md))
        _what = f"sticky_shares (tol={_tol}, min_dim={_md}, {len(_vs)} values; one instance with no represented feature)"
        _ash(_out, (5, len(_vs)), _what)
        _ac(_out.cpu().double(), _want, _what, atol=1e-5)
        _at(_teq(_plain(_Ds).cpu(), _Dm.float()), f"{_what}: sticky_shares changed D in place")

globals().pop("_t")()
### END HIDDEN TESTS

# %% code
shares_dim = sticky_shares(dims).cpu()
fig = go.Figure()
for j, v in enumerate(STICKY_VALUES):
    fig.add_trace(go.Bar(x=[f"{1 / p:.0f}" for p in feature_probability_dim.tolist()], y=shares_dim[:, j].tolist(),
                         name=f"D ≈ {v:.3g}"))
fig.update_layout(barmode="stack", title="Share of represented features on each sticky value, per instance",
                  xaxis_title="1 / p (sparser to the right)", yaxis_title="share of represented features", height=380)
fig.show()

# %% [markdown]
# ### Checkpoint 0.6c — where do the features pile up?
# > Difficulty: ●○○○○ · Importance: ●●●○○
#
# Read the two plots above (the dots and the stacked bars) and set
# * `sticky_top_value`: the value in `STICKY_VALUES` that collects the most, summed over all the instances (the colour
#   whose bar segments add up to the most);
# * `sparse_dim_value`: the dimensionality that the represented features of the **sparsest** instance (the rightmost
#   column of dots) sit at, to within 0.03 (most of them share one value);
# * `sticky_sparse_share`: the share of the represented features of the sparsest instance that sit on a sticky value,
#   i.e. the total height of the last bar, to within 0.1.
#
# The hidden test measures `model_dim` itself (its own dimensionalities and shares, with the default `tol` and
# `min_dim` of 0.6b) and checks your values.

# %% solution id=ex06_sticky_answer
sticky_top_value = None      # your answer: one of STICKY_VALUES
sparse_dim_value = None      # your answer: a dimensionality between 0 and 1
sticky_sparse_share = None   # your answer: a fraction between 0 and 1
### BEGIN SOLUTION
# Read off the data behind the plots: the colour with the largest summed segments, the typical dot of the last
# column, the height of the last bar.
sticky_top_value = STICKY_VALUES[int(shares_dim.sum(0).argmax())]
sparse_dim_value = float(dims[-1][dims[-1] > 0.1].median())
sticky_sparse_share = float(shares_dim[-1].sum())
### END SOLUTION

# %% visible id=ex06_sticky_answer_visible
checks.assert_true(sticky_top_value in STICKY_VALUES, "sticky_top_value should be one of STICKY_VALUES")
for _name, _v in (("sparse_dim_value", sparse_dim_value), ("sticky_sparse_share", sticky_sparse_share)):
    checks.assert_true(isinstance(_v, (int, float)) and 0 <= _v <= 1, f"{_name} should be a number between 0 and 1")
print("Answers recorded; the graded test checks them.")

# %% graded id=ex06_sticky_answer_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _t():
    _at, _plain = _chk.assert_true, _chk.plain
    _vn, _ein = torch.linalg.vector_norm, torch.einsum
    _top, _spd, _share = _plain(sticky_top_value), _plain(sparse_dim_value), _plain(sticky_sparse_share)
    _W = _plain(model_dim.W).detach().cpu().double().clone()
    _levels = [1.0, 0.75, 2 / 3, 0.5, 0.4, 1 / 3, 0.25, 0.2]
    _size = _vn(_W, dim=1)
    _unit = _W / _size.clamp(min=1e-8)[:, None, :]
    _dm = _size ** 2 / (_ein("khi,khj->kij", _unit, _W) ** 2).sum(-1).clamp(min=1e-8)
    def _row(d):
        kept = [float(x) for x in d if float(x) > 0.1]
        row = [0.0] * len(_levels)
        for x in kept:
            gaps = [abs(x - u) for u in _levels]
            j = min(range(len(_levels)), key=lambda i: gaps[i])
            if gaps[j] <= 0.02:
                row[j] += 1.0 / len(kept)
        return row
    _rows = [_row(_dm[k]) for k in range(_dm.shape[0])]
    _sums = [sum(r[j] for r in _rows) for j in range(len(_levels))]
    _last = _dm[-1][_dm[-1] > 0.1]
    _at(type(_top) in (int, float) and any(abs(_top - u) < 1e-6 for u in _levels),
        "sticky_top_value: not a value from STICKY_VALUES")
    for _name, _v in (("sparse_dim_value", _spd), ("sticky_sparse_share", _share)):
        _at(type(_v) in (int, float) and 0 <= _v <= 1, f"{_name} should be a number between 0 and 1")
    _best = max(_sums)
    _at(_best > 0 and any(abs(_top - u) < 1e-6 for u, s in zip(_levels, _sums) if s > _best - 0.05),  # near-ties
        "sticky_top_value: another sticky value collects more of model_dim's represented features, summed over "
        "the instances; add up each colour's segments over all the bars")
    _at(_last.numel() > 0 and abs(_spd - float(_last.median())) <= 0.03,
        "sparse_dim_value: most represented features of the sparsest instance do not sit there; read the rightmost "
        "column of dots (and compare it with the line, the dimensions per feature of that instance)")
    _at(abs(_share - sum(_rows[-1])) <= 0.1, "sticky_sparse_share: more than 0.1 away from the share of the sparsest "
        "instance's represented features that sit on a sticky value (the total height of the last bar)")

globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# What the plots show, and why:
# * **Sparse: an even spread over all the dimensions.** In the sparsest instances every feature is represented and
#   they all get nearly the same dimensionality, $d_\text{hidden} / n_\text{features} = 6/30 = 1/5$ at the CI size:
#   the features are spread evenly over all the hidden dimensions at once (a bigger cousin of the pentagon, in 6
#   dimensions) rather than split into small polytopes in orthogonal subspaces. At the CI size two or three
#   instances do this, so $1/5$ collects the most, and the last bar is (nearly) full (the full size: see below).
# * **Medium sparsity: antipodal pairs, then even spreads of fewer features.** Once features are off most of the
#   time ($1/p$ around 3), two features that are rarely on together share one dimension in opposite directions, and
#   the ReLU with a small negative bias reads each off its own side (the antipodal pairs of 0.5a): that instance
#   piles up at $D = 1/2$. A little sparser, the represented features spread evenly again, and their $D$ follows the
#   count: 18 features in 6 dimensions sit near $1/3$, 27 or 28 near $2/9$, a value between $1/4$ and $1/5$ that is
#   not in the list. In the sparse instances the line falls below the dots: it weighs every feature by its squared
#   norm, and there the norms grow above 1 (a median of 1.18 in the sparsest instance of seed 3).
# * **Dense: no pile-up.** With dense features of equal importance, the model keeps about `d_hidden` dimensions' worth
#   of features, but nothing decides which features get how much of that space in so short a run, so the dots of the
#   densest instance are scattered between 0 and 1.
#
# What was measured (CI profile, 30 features in 6 dimensions, seeds 0 to 7; the notebook uses seed 3), with
# `STICKY_VALUES` and `tol` = 0.02. $1/5$ collects the most in all eight seeds (2.30 to 3.07 bars' worth, summed over
# the instances), $1/2$ comes second in all eight (1.24 to 1.81). The two sparsest instances have 90–100% of their
# features at $1/5$; the sparsest one's features have a median $D$ of 0.200–0.202, and 97–100% of them sit on a
# listed value. The instance at $1/p \approx 3$ has 77–100% of its 10–13 represented features at $1/2$; the one at
# $1/p \approx 5$ has 16–89% at $1/3$ (a looser spread around it); the one at $1/p \approx 9$ has 18–68% at $1/4$;
# the one at $1/p \approx 16$ sits at a median of 0.207–0.221, near $2/9$. Over the whole sweep 62–77% of the
# represented features lie within 0.02 of a listed value, against 33% for a uniform spread on $[0.1, 1]$; with the
# paper's six values alone (within 0.03) it was 12–18%, fewer than a uniform spread would give. $3/8$ held 0 to 9 of
# the 172–181 represented features, which is why it is not in the list. So at this size the pile-up is real, but it
# is on the even-spread values $d_\text{hidden}/n$ and on $1/2$, not on the paper's tetrahedra, triangles, pentagons
# or antiprisms.
#
# The full profile (200 features in 20 dimensions, 5,000 steps; seed 3, measured once) tells the same story at its
# own size. An even spread of $n$ represented features sits at $D = 20/n$, so the listed values need 40, 60, 80 or
# 100 of them. The five sparsest of the twelve instances spread all 200 features evenly at $D = 20/200 = 0.1$
# (median 0.101): below every listed value, and right at the cut-off for "represented", so about half of them count
# and the last bar is empty ($\text{sticky\_sparse\_share} = 0$). $1/2$ collects the most (1.87 bars' worth), then
# $1/5$ (1.03); the second to seventh instances have 60–100% of their represented features on a listed value, and
# over the whole sweep 27% lie on one (uniform: 33%), because the sparse half of the sweep sits between 0.1 and 0.2.
# The checkpoint reads your own model, so its answers are right whatever it shows.

# %% [markdown]
# ## Part 3 — Correlated and anticorrelated features
#
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
# > Difficulty: ●●●○○ · Importance: ●●○○○
#
# * **anticorrelated pairs**: the two features of a pair are **never** present together, yet each of them, on its
#   own, is still present with probability $p_k$ (this is only possible when $p_k \le 1/2$: why?), with a uniform
#   value in $[0, 1)$ when present. Pairs, instances and examples stay independent of each other, and the two
#   features of a pair play the same role.
#
# Work out a sampling rule with these properties yourself (a few lines of probability on paper first), then write
# it. The graded test checks the properties, not one particular recipe.

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
# into 2 dimensions: sixteen independent instances on correlated pairs and sixteen on anticorrelated pairs. Sixteen,
# because a small model does not always end in the same place: each instance starts from its own random weights.
#
# Before running it, predict: for each kind of pair, will the two features of a pair end up pointing the same way
# (cosine ≈ 1), at right angles (≈ 0) or in opposite directions (≈ −1)? The checkpoint after the plots records
# your answer from the trained models.

# %% code
torch.manual_seed(4)
n_runs_pairs = 16
p_corr = torch.full((n_runs_pairs,), 0.25, device=device)
model_corr = ToyModel(n_inst=n_runs_pairs, n_features=4, d_hidden=2)
model_anti = ToyModel(n_inst=n_runs_pairs, n_features=4, d_hidden=2)
corr_batch = lambda b: generate_correlated_batch(p_corr, b, n_pairs=2)
anti_batch = lambda b: generate_anticorrelated_batch(p_corr, b, n_pairs=2)
_ = train_toy_model(model_corr, steps=sized(full=4_000, ci=2_000), batch_size=sized(full=1024, ci=512), lr=5e-3,
                    lr_schedule=cosine_decay_lr, batch_fn=corr_batch)
_ = train_toy_model(model_anti, steps=sized(full=4_000, ci=2_000), batch_size=sized(full=1024, ci=512), lr=5e-3,
                    lr_schedule=cosine_decay_lr, batch_fn=anti_batch)


@torch.no_grad()
def runs_summary(model: ToyModel, batch_fn, n_examples: int = 50_000) -> tuple[Tensor, Tensor]:
    """Per instance: the mean cosine between the two features of a pair, and the loss on one fixed batch."""
    unit = model.W / model.W.norm(dim=1, keepdim=True).clamp_min(1e-8)
    within = (unit[:, :, 0::2] * unit[:, :, 1::2]).sum(1).mean(-1)
    torch.manual_seed(123)
    examples = batch_fn(n_examples)
    out = model(examples)
    losses = torch.stack([calculate_loss(out[:, [k]], examples[:, [k]], model.importance[[k]])
                          for k in range(model.n_inst)])
    return within.cpu(), losses.cpu()


fig = go.Figure()
for _name, _model, _fn in (("correlated", model_corr, corr_batch), ("anticorrelated", model_anti, anti_batch)):
    _within, _run_loss = runs_summary(_model, _fn)
    fig.add_trace(go.Scatter(x=_within.tolist(), y=(_run_loss * 1e3).tolist(), mode="markers", name=_name,
                             marker=dict(size=9, opacity=0.6)))
fig.update_layout(title="Sixteen runs of each kind: the pair's cosine and the run's loss", height=380,
                  xaxis_title="cosine between the two features of a pair (mean of the two pairs)",
                  yaxis_title="loss × 1000", xaxis_range=[-1.15, 1.15])
fig.show()
plot_features_in_2d(torch.cat([model_corr.W[:3], model_anti.W[:3]]),
                    subplot_titles=["correlated, run 0", "correlated, run 1", "correlated, run 2",
                                    "anticorrelated, run 0", "anticorrelated, run 1", "anticorrelated, run 2"],
                    title="The first three runs of each kind. Pairs are features (0, 1) and (2, 3)").show()

# %% [markdown]
# ### Checkpoint 0.A — what did the pairs do?
# > Difficulty: ●○○○○ · Importance: ●●●○○
#
# Read the plots and set `corr_pair_cosine` and `anti_pair_cosine` to the value, among $-1$, $0$ and $1$, nearest to
# the cosine between the two features of a pair **in most runs** of the correlated and of the anticorrelated model.
# The hidden test measures every pair of `model_corr` and `model_anti` and checks your values against the most
# common one.

# %% solution id=ex07_pairs_answer
corr_pair_cosine = None   # your answer: -1, 0 or 1
anti_pair_cosine = None   # your answer: -1, 0 or 1
### BEGIN SOLUTION
corr_pair_cosine = 1
anti_pair_cosine = -1
### END SOLUTION

# %% visible id=ex07_pairs_answer_visible
checks.assert_true(corr_pair_cosine in (-1, 0, 1) and anti_pair_cosine in (-1, 0, 1),
                   "corr_pair_cosine and anti_pair_cosine should each be -1, 0 or 1")
print("Answers recorded; the graded test checks them.")

# %% graded id=ex07_pairs_answer_test points=1
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _t():
    _at, _plain = _chk.assert_true, _chk.plain
    _answers = {"corr_pair_cosine": _plain(corr_pair_cosine), "anti_pair_cosine": _plain(anti_pair_cosine)}
    def _most_common(W):
        V = _plain(W).cpu().double()
        first, second = V[:, :, 0::2], V[:, :, 1::2]
        cos = (first * second).sum(1) / (first.norm(dim=1) * second.norm(dim=1)).clamp(min=1e-12)
        grid = torch.tensor([-1.0, 0.0, 1.0], dtype=torch.float64)
        nearest = (cos.reshape(-1, 1) - grid).abs().argmin(dim=1)
        return int(grid[torch.bincount(nearest, minlength=3).argmax()])
    _truth = {"corr_pair_cosine": _most_common(model_corr.W), "anti_pair_cosine": _most_common(model_anti.W)}
    for _name, _ans in _answers.items():
        _at(type(_ans) is int and _ans in (-1, 0, 1), f"{_name} should be the integer -1, 0 or 1")
    _at(_answers["corr_pair_cosine"] == _truth["corr_pair_cosine"],
        "corr_pair_cosine: that is not the value nearest to the cosine of a correlated pair in most runs")
    _at(_answers["anti_pair_cosine"] == _truth["anti_pair_cosine"],
        "anti_pair_cosine: that is not the value nearest to the cosine of an anticorrelated pair in most runs")

globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# * Anticorrelated features never fire together, so putting the two features of a pair on **opposite** directions
#   costs nothing: the ReLU reads each one off its own side, and those runs reach a loss of zero. The few runs whose
#   pairs sit at right angles instead are stuck: their loss is far higher, and gradient descent cannot turn one
#   arrangement into the other without first making things worse.
# * Correlated features always fire together, so an antipodal pair would cancel out. Most runs merge each pair onto
#   one shared direction (two arrows on top of each other) that stores roughly their sum, the way PCA would. A few
#   runs find the other arrangement: the two features of a pair at right angles (they never interfere with each
#   other), and the two pairs, which are independent, sharing the plane antipodally. In two dimensions the two
#   arrangements cost about the same (the dots overlap in loss), so which one a run ends in depends on where it
#   started. Whether merging is a preference or a lack of room is the question of the next exercise, with more pairs
#   and more dimensions.

# %% [markdown]
# ### Exercise 0.7c — several pairs: measuring the arrangement
# > Difficulty: ●●●○○ · Importance: ●●●○○
#
# One pair in a plane leaves little choice. With **several** pairs the model also has to decide how different pairs
# share the space. Two numbers per pair describe its arrangement:
# * `within`: the cosine between the pair's two features — near 1 they share one direction, near 0 they are at right
#   angles, near −1 they are antipodal;
# * `between`: how strongly the pair overlaps with the **rest** of the model, the largest $|\cos|$ between one of its
#   two features and any feature of another pair — near 0 the pair has its own subspace, near 1 it shares it with
#   another pair.
#
# Write `pair_geometry(W)` returning `(within, between)`, both `(n_inst, n_pairs)`, for features paired as $(2m, 2m+1)$
# like the generators above. Cosines use $\hat W_i = W_i / \max(\|W_i\|, \varepsilon)$, so a dropped feature has cosine
# 0 with everything. `between` never looks at the pair's own two features.

# %% solution id=ex07_pair_geometry
def pair_geometry(W: Tensor, eps: float = 1e-8) -> tuple[Tensor, Tensor]:
    """W: (n_inst, d_hidden, 2 * n_pairs), n_pairs >= 2; pair m is features (2m, 2m+1).

    Returns (within, between), each (n_inst, n_pairs): within[k, m] = cos(W_2m, W_2m+1); between[k, m] = the largest
    |cos(W_i, W_j)| with i in pair m and j in any other pair.
    """
    ### BEGIN SOLUTION
    W_hat = W / W.norm(dim=1, keepdim=True).clamp_min(eps)
    cos = einops.einsum(W_hat, W_hat, "inst hid fi, inst hid fj -> inst fi fj")
    within = torch.diagonal(cos[:, 0::2, 1::2], dim1=-2, dim2=-1)
    pair = torch.arange(W.shape[-1], device=W.device) // 2
    other_pair = pair[:, None] != pair[None, :]
    across = (cos.abs() * other_pair).amax(-1)                      # (inst, feat)
    between = across.view(*across.shape[:-1], -1, 2).amax(-1)       # (inst, pair)
    return within, between
    ### END SOLUTION

# %% visible id=ex07_pair_geometry_visible
# Instance 0: pair 0 on the two axes, pair 1 on the same axes reversed (a shared plane, right angles within each pair).
# Instance 1: pair 0 antipodal on the first axis, pair 1 antipodal on the second (each pair on a line of its own).
_W = torch.tensor([[[1.0, 0.0, -1.0, 0.0], [0.0, 1.0, 0.0, -1.0]],
                   [[1.0, -1.0, 0.0, 0.0], [0.0, 0.0, 1.0, -1.0]]])
_within, _between = pair_geometry(_W)
checks.assert_shape(_within, (2, 2), "pair_geometry: within")
checks.assert_shape(_between, (2, 2), "pair_geometry: between")
checks.assert_close(_within, torch.tensor([[0.0, 0.0], [-1.0, -1.0]]), "pair_geometry: within on two hand-made instances")
checks.assert_close(_between, torch.tensor([[1.0, 1.0], [0.0, 0.0]]), "pair_geometry: between on two hand-made instances")
print("pair_geometry passes the visible checks.")

# %% graded id=ex07_pair_geometry_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _t():
    _ac, _at, _ash, _plain = _chk.assert_close, _chk.assert_true, _chk.assert_shape, _chk.plain
    _teq = torch.equal
    def _expect(V, eps=1e-8):
        unit = V / torch.linalg.vector_norm(V, dim=1).clamp(min=eps)[:, None, :]
        gram = torch.einsum("khi,khj->kij", unit, unit)
        n_f = V.shape[-1]
        w = torch.stack([gram[:, 2 * q, 2 * q + 1] for q in range(n_f // 2)], dim=-1)
        best = torch.zeros(V.shape[0], n_f // 2, dtype=V.dtype)
        for q in range(n_f // 2):
            rest = [j for j in range(n_f) if j // 2 != q]
            best[:, q] = gram[:, 2 * q:2 * q + 2][:, :, rest].abs().flatten(1).max(dim=1).values
        return w, best
    _g = torch.Generator().manual_seed(7077)
    for _n_inst, _d_hid, _n_pairs in [(3, 3, 5), (2, 4, 3), (4, 2, 2)]:
        _V = torch.randn(_n_inst, _d_hid, 2 * _n_pairs, generator=_g) * (torch.rand(_n_inst, 1, 2 * _n_pairs, generator=_g) * 2 + 0.1)
        _V[0, :, 3] = 0.0                     # a dropped feature
        _V[-1, :, 0] = -0.7 * _V[-1, :, 1]    # an antipodal pair
        _want_w, _want_b = _expect(_V.double())
        _Vs = _V.clone().to(device)
        _out = pair_geometry(_Vs)
        _what = f"pair_geometry (n_inst={_n_inst}, d_hidden={_d_hid}, n_pairs={_n_pairs}, one feature exactly zero)"
        _at(isinstance(_out, tuple) and len(_out) == 2, f"{_what}: return a tuple (within, between)")
        _w, _b = _plain(_out[0]), _plain(_out[1])
        _ash(_w, (_n_inst, _n_pairs), f"{_what}: within")
        _ash(_b, (_n_inst, _n_pairs), f"{_what}: between")
        _ac(_w.cpu().double(), _want_w, f"{_what}: within (cosine between the two features of each pair)", atol=1e-4)
        _ac(_b.cpu().double(), _want_b, f"{_what}: between (largest |cosine| between a feature of the pair and a feature "
            "of another pair)", atol=1e-4)
        _at(_teq(_plain(_Vs).cpu(), _V), f"{_what}: pair_geometry changed W in place")

globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# Now the experiment: four pairs (eight features) in two small models, each trained at two sparsity levels.
# * Correlated pairs in **4** dimensions: instance 0 dense (each pair on in 35% of the examples), instance 1 sparse
#   (5%). Eight features in four dimensions means some sharing is unavoidable.
# * Anticorrelated pairs in **2** dimensions: each feature on in 25% (instance 0) or 15% (instance 1) of the examples.
#
# Before you run it, guess: will the sparse correlated pairs merge as in the plane above, spread out, or do something
# else? The heatmaps show $W^\top W$ (features ordered pair by pair), the arrows the anticorrelated model.

# %% code
torch.manual_seed(12)
n_pairs_multi = 4
p_corr_multi = torch.tensor([0.35, 0.05], device=device)
p_anti_multi = torch.tensor([0.25, 0.15], device=device)
model_corr_multi = ToyModel(n_inst=2, n_features=2 * n_pairs_multi, d_hidden=4)
model_anti_multi = ToyModel(n_inst=2, n_features=2 * n_pairs_multi, d_hidden=2)
_ = train_toy_model(model_corr_multi, steps=sized(full=10_000, ci=1_500), batch_size=sized(full=1024, ci=256), lr=1e-2,
                    lr_schedule=cosine_decay_lr,
                    batch_fn=lambda b: generate_correlated_batch(p_corr_multi, b, n_pairs=n_pairs_multi))
_ = train_toy_model(model_anti_multi, steps=sized(full=10_000, ci=1_500), batch_size=sized(full=1024, ci=256), lr=1e-2,
                    lr_schedule=cosine_decay_lr,
                    batch_fn=lambda b: generate_anticorrelated_batch(p_anti_multi, b, n_pairs=n_pairs_multi))
plot_features_nd(model_corr_multi.W, title="Correlated pairs in 4 dimensions: WᵀW and norms (left p = 0.35, right p = 0.05)").show()
plot_features_in_2d(model_anti_multi.W, subplot_titles=["anticorrelated, p = 0.25", "anticorrelated, p = 0.15"],
                    title="Four anticorrelated pairs in 2 dimensions: pair m is features (2m, 2m+1)").show()
for _name, _model in (("correlated", model_corr_multi), ("anticorrelated", model_anti_multi)):
    _within, _between = pair_geometry(_model.W.detach())
    for _k in range(2):
        print(f"{_name:>14}, instance {_k}: within {_within[_k].cpu().numpy().round(2)}, "
              f"between {_between[_k].cpu().numpy().round(2)}")

# %% [markdown]
# ### Checkpoint 0.C — which arrangement do the pairs take?
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# Describe each model's pairs with one of four words:
# * `"merged"`: the two features of a pair share one direction (`within` ≈ 1);
# * `"local_bases"`: the two features of a pair are at right angles (`within` ≈ 0), and the pair shares its plane with
#   another pair (`between` ≈ 1), so each plane holds a small orthogonal basis used by two pairs;
# * `"antipodal"`: the two features of a pair point in opposite directions (`within` ≈ −1);
# * `"separate"`: right angles within the pair and a subspace of its own (`within` ≈ 0 and `between` ≈ 0).
#
# Set `corr_dense_arrangement` (the correlated model, instance 0), `corr_sparse_arrangement` (the correlated model,
# instance 1) and `anti_arrangement` (the anticorrelated model, both instances). The hidden test measures the trained
# models (the typical pair of each) and checks your words.

# %% solution id=ex07_arrangement_answer
corr_dense_arrangement = None    # your answer: "merged", "local_bases", "antipodal" or "separate"
corr_sparse_arrangement = None   # your answer: "merged", "local_bases", "antipodal" or "separate"
anti_arrangement = None          # your answer: "merged", "local_bases", "antipodal" or "separate"
### BEGIN SOLUTION
corr_dense_arrangement = "merged"
corr_sparse_arrangement = "local_bases"
anti_arrangement = "antipodal"
### END SOLUTION

# %% visible id=ex07_arrangement_answer_visible
for _a in (corr_dense_arrangement, corr_sparse_arrangement, anti_arrangement):
    checks.assert_true(_a in ("merged", "local_bases", "antipodal", "separate"),
                       'each answer should be "merged", "local_bases", "antipodal" or "separate"')
print("Answers recorded; the graded test checks them.")

# %% graded id=ex07_arrangement_answer_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _t():
    _at, _plain = _chk.assert_true, _chk.plain
    _words = ("merged", "local_bases", "antipodal", "separate")
    _answers = {"corr_dense_arrangement": _plain(corr_dense_arrangement),
                "corr_sparse_arrangement": _plain(corr_sparse_arrangement),
                "anti_arrangement": _plain(anti_arrangement)}
    def _measure(V):
        unit = V / torch.linalg.vector_norm(V, dim=1).clamp(min=1e-8)[:, None, :]
        gram = torch.einsum("khi,khj->kij", unit, unit)
        n_f = V.shape[-1]
        w = torch.stack([gram[:, 2 * q, 2 * q + 1] for q in range(n_f // 2)], dim=-1)
        o = torch.stack([gram[:, 2 * q:2 * q + 2][:, :, [j for j in range(n_f) if j // 2 != q]].abs().flatten(1).max(dim=1).values
                         for q in range(n_f // 2)], dim=-1)
        return w, o
    def _word(w, o):
        mw, mo = float(w.median()), float(o.median())
        if mw > 0.7:
            return "merged"
        if mw < -0.6:
            return "antipodal"
        if abs(mw) < 0.3:
            return "local_bases" if mo > 0.7 else ("separate" if mo < 0.3 else None)
        return None
    _wc, _oc = _measure(_plain(model_corr_multi.W).cpu().double())
    _wa, _oa = _measure(_plain(model_anti_multi.W).cpu().double())
    _truth = {"corr_dense_arrangement": _word(_wc[0], _oc[0]), "corr_sparse_arrangement": _word(_wc[1], _oc[1]),
              "anti_arrangement": _word(_wa.flatten(), _oa.flatten())}
    for _name, _ans in _answers.items():
        _at(type(_ans) is str and _ans in _words, f'{_name} should be one of "merged", "local_bases", "antipodal", "separate"')
    for _name, _ans in _answers.items():
        _at(_truth[_name] is None or _ans == _truth[_name],
            f"{_name}: that is not the arrangement the trained model shows; compare the printed within and between "
            "values of the typical pair with the four descriptions")

globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# What the runs show, and why:
# * **Dense correlated pairs merge.** When a pair is on in a third of the examples and eight features compete for four
#   dimensions, the model cannot give every feature a clean direction. The two features of a pair are always on
#   together, so one direction carrying roughly their sum (the pair's principal component, norm ≈ $1/\sqrt 2$ each)
#   loses little, and the four pairs get four orthogonal directions: `between` ≈ 0.
# * **Sparse correlated pairs form local orthogonal bases.** When pairs are rarely on, the model can afford to
#   superpose them, and it superposes *pairs*, not features: the two features of a pair, which are on together, sit at
#   right angles (they would interfere every time the pair fires), while a different pair, which is seldom on at the
#   same time, takes the same plane with opposite directions (`between` ≈ 1). Each plane holds an orthogonal basis that
#   two pairs share; correlated features avoid interfering with *each other* first.
# * **Anticorrelated pairs go antipodal.** Two features that are never on together are the ideal antipodal partners:
#   when one fires, the other reads a negative value and the ReLU removes it, so the pair costs no interference at all.
#   Among the possible partners the model picks the anticorrelated twin (a few pairs can land elsewhere in a short run,
#   which is why the test looks at the typical pair).
#
# The paper (Elhage et al., 2022, "Toy Models of Superposition", section on correlated and anticorrelated features)
# reports the same three tendencies; how the pairs share space, not only whether they do, depends on how the
# features co-occur.

# %% [markdown]
# ## Part 4 — Superposition in a privileged basis
#
# In `ToyModel` nothing singles out the hidden *coordinates*: rotate $W$ and the model computes the same thing. Real
# networks have neurons — a nonlinearity applied coordinate by coordinate — and that makes the standard basis
# **privileged**: it now matters which features each neuron carries. The simplest such model puts a ReLU on the
# hidden layer:
#
# $$h = \operatorname{ReLU}(W x) \in \mathbb{R}^{d_\text{hidden}}, \qquad x' = \operatorname{ReLU}(W^\top h + b).$$
#
# Row $n$ of $W$ (shape `n_features`) now says how strongly each feature drives **neuron** $n$. A neuron that
# carries one feature is *monosemantic*; one that carries several is *polysemantic*.
#
# ### Exercise 0.8 — the neuron model
# > Difficulty: ●○○○○ · Importance: ●●●○○
#
# Complete `NeuronModel.forward`. It inherits everything else (parameters, buffers) from your `ToyModel`, so
# `train_toy_model` trains it unchanged.

# %% solution id=ex08_neuron_model
class NeuronModel(ToyModel):
    """Like ToyModel, with a ReLU on the hidden layer: x -> h = ReLU(W x) -> ReLU(Wᵀ h + b_final)."""

    def forward(self, features: Tensor) -> Tensor:
        """features: (batch, n_inst, n_features) -> reconstruction (batch, n_inst, n_features)."""
        ### BEGIN SOLUTION
        h = F.relu(einops.einsum(features, self.W, "batch inst feat, inst hid feat -> batch inst hid"))
        out = einops.einsum(h, self.W, "batch inst hid, inst hid feat -> batch inst feat")
        return F.relu(out + self.b_final)
        ### END SOLUTION

# %% visible id=ex08_neuron_model_visible
_m = NeuronModel(n_inst=1, n_features=2, d_hidden=1)
with torch.no_grad():
    _m.W.copy_(torch.tensor([[[1.0, -1.0]]], device=device))
# x = (0.2, 0.5): W x = -0.3, so the hidden neuron is off and the output is ReLU(b) = 0.
checks.assert_close(_m(torch.tensor([[[0.2, 0.5]]], device=device)), torch.zeros(1, 1, 2, device=device),
                    "NeuronModel output when the only neuron's pre-activation is negative")
checks.assert_shape(NeuronModel(n_inst=3, n_features=5, d_hidden=2)(torch.rand(4, 3, 5, device=device)), (4, 3, 5),
                    "NeuronModel output")
print("NeuronModel passes the visible checks.")

# %% graded id=ex08_neuron_model_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _ref_neuron_forward(W, b, x):
    h = torch.relu(torch.einsum("ihf,bif->bih", W, x))
    return torch.relu(torch.einsum("ihf,bih->bif", W, h) + b)

_g = torch.Generator().manual_seed(808)
for _n_inst, _n_feat, _d_hid, _batch in [(3, 7, 3, 16), (2, 5, 4, 9)]:
    _m = NeuronModel(n_inst=_n_inst, n_features=_n_feat, d_hidden=_d_hid, device=device)
    with torch.no_grad():
        _m.W.copy_(torch.randn(_n_inst, _d_hid, _n_feat, generator=_g).to(device))
        _m.b_final.copy_((torch.randn(_n_inst, _n_feat, generator=_g) * 0.5).to(device))
    _x = torch.rand(_batch, _n_inst, _n_feat, generator=_g)
    _x = (_x * (torch.rand(_batch, _n_inst, _n_feat, generator=_g) < 0.6)).to(device)
    _what = f"NeuronModel output (n_inst={_n_inst}, n_features={_n_feat}, d_hidden={_d_hid}; W with negative entries)"
    _out = _m(_x)
    _chk.assert_shape(_out, (_batch, _n_inst, _n_feat), _what)
    _chk.assert_close(_out, _ref_neuron_forward(_m.W.detach(), _m.b_final.detach(), _x), _what)
### END HIDDEN TESTS

# %% [markdown]
# Train five instances, 10 features into 5 neurons, from dense ($p = 1$) to very sparse ($p = 0.01$), importance
# $0.75^i$. The plot stacks, for each neuron, the **positive** weights $W_{n,i}$ of the features feeding it (a
# negative weight cannot make a ReLU neuron fire): one colour per feature.

# %% code
torch.manual_seed(9)
feature_probability_neuron = torch.tensor([1.0, 0.3, 0.1, 0.03, 0.01])
model_neuron = NeuronModel(n_inst=5, n_features=10, d_hidden=5, feature_probability=feature_probability_neuron,
                           importance=0.75 ** torch.arange(10.0))
_ = train_toy_model(model_neuron, steps=sized(full=10_000, ci=1_500), batch_size=sized(full=1024, ci=256), lr=1e-2,
                    lr_schedule=cosine_decay_lr)


def plot_neuron_stacking(W: Tensor, subplot_titles=None, title: str = "") -> go.Figure:
    """W: (n_inst, d_hidden, n_features): per instance, one stacked bar per neuron of its positive feature weights."""
    W = W.detach().float().cpu().clamp_min(0)
    n_inst, d_hidden, n_features = W.shape
    fig = make_subplots(rows=1, cols=n_inst, subplot_titles=subplot_titles, shared_yaxes=True)
    for k in range(n_inst):
        for i in range(n_features):
            fig.add_trace(go.Bar(x=list(range(d_hidden)), y=W[k, :, i].tolist(), name=f"feature {i}",
                                 marker_color=f"hsl({int(360 * i / n_features)}, 65%, 50%)", showlegend=(k == 0)),
                          row=1, col=k + 1)
    fig.update_layout(barmode="stack", title=title, height=320, width=max(350, 230 * n_inst))
    return fig


plot_neuron_stacking(model_neuron.W, subplot_titles=[f"p = {p:.2f}" for p in feature_probability_neuron.tolist()],
                     title="Positive weight of each feature into each neuron (x: neuron)").show()

# %% [markdown]
# ### Exercise 0.9 — measuring polysemanticity
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# Say neuron $n$ of instance $k$ **carries** feature $i$ when $W_{k,n,i} >$ `threshold`. Write
# * `neuron_feature_counts(W, threshold)`: `(n_inst, d_hidden)`, how many features each neuron carries;
# * `fraction_polysemantic(W, threshold)`: `(n_inst,)`, among the neurons that carry at least one feature, the
#   fraction that carry two or more (0 for an instance where no neuron carries anything).
#
# Then apply them to the model you just trained (the cell after the test prints the counts per instance).

# %% solution id=ex09_polysemanticity
def neuron_feature_counts(W: Tensor, threshold: float = 0.3) -> Tensor:
    """W: (n_inst, d_hidden, n_features) -> (n_inst, d_hidden) number of features i with W[k, n, i] > threshold."""
    ### BEGIN SOLUTION
    return (W > threshold).sum(-1)
    ### END SOLUTION


def fraction_polysemantic(W: Tensor, threshold: float = 0.3) -> Tensor:
    """W: (n_inst, d_hidden, n_features) -> (n_inst,): among neurons carrying >= 1 feature, the share carrying >= 2."""
    ### BEGIN SOLUTION
    counts = neuron_feature_counts(W, threshold)
    carrying = (counts >= 1).sum(-1)
    poly = (counts >= 2).sum(-1)
    return poly.float() / carrying.clamp_min(1).float()
    ### END SOLUTION

# %% visible id=ex09_polysemanticity_visible
_W = torch.tensor([[[0.9, 0.0, 0.0], [0.5, 0.6, -0.8], [0.0, 0.1, 0.0]]])   # 1 instance, 3 neurons, 3 features
checks.assert_true(neuron_feature_counts(_W).tolist() == [[1, 2, 0]], "neuron_feature_counts on a hand-made example")
checks.assert_close(fraction_polysemantic(_W), torch.tensor([0.5]), "fraction_polysemantic on a hand-made example")
print("The polysemanticity functions pass the visible checks.")

# %% graded id=ex09_polysemanticity_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _ref_counts(W, thr):
    return (W > thr).sum(-1)

def _ref_frac(W, thr):
    c = _ref_counts(W, thr)
    return (c >= 2).sum(-1).float() / (c >= 1).sum(-1).clamp_min(1).float()

_g = torch.Generator().manual_seed(909)
_W = torch.randn(4, 6, 9, generator=_g) * 0.6
_W[1] = -_W[1].abs()            # an instance where no neuron carries anything
_W = _W.to(device)
for _thr in (0.3, 0.6):
    _c = neuron_feature_counts(_W, threshold=_thr)
    _chk.assert_shape(_c, (4, 6), "neuron_feature_counts output")
    _chk.assert_true(torch.equal(_c.long().cpu(), _ref_counts(_W, _thr).cpu()),
                     f"neuron_feature_counts (threshold={_thr}; weights of both signs): wrong counts")
    _f = fraction_polysemantic(_W, threshold=_thr)
    _chk.assert_shape(_f, (4,), "fraction_polysemantic output")
    _chk.assert_close(_f.float(), _ref_frac(_W, _thr), f"fraction_polysemantic (threshold={_thr}; one instance with no "
                      "neuron carrying a feature)")
### END HIDDEN TESTS

# %% code
print("features carried per neuron, one row per instance (dense -> sparse):")
print(neuron_feature_counts(model_neuron.W.detach()).cpu().numpy())
print("fraction of polysemantic neurons per instance:", fraction_polysemantic(model_neuron.W.detach()).cpu().numpy().round(2))

# %% [markdown]
# With dense features the model keeps only as many features as it has neurons and drops the rest (their weights are
# near 0); training pushes it toward giving each kept feature a neuron of its own, since any sharing costs
# interference on every example. (How far it gets depends on the run's length: in the short CI profile some dense
# neurons still mix two features.) As features get sparser, many more features are kept and each neuron carries
# several of them — **polysemanticity** appears even though a privileged basis is available, for the same reason
# as in `ToyModel`: sparse features rarely collide, so sharing a neuron is cheap.

# %% [markdown]
# ## Part 5 — A phase diagram
#
# Which features get superposed? The toy-models paper answers with a phase diagram for the smallest interesting
# case: **two features, one hidden dimension**. Feature 0 has importance 1, feature 1 a *relative importance* $r$;
# both are present with probability $p$. Depending on $(r, p)$, feature 1 ends up in one of three phases:
#
# * **not represented** ($\|W_1\| \approx 0$): the single dimension goes to feature 0;
# * **dedicated**: feature 1 has the dimension to itself and feature 0 is dropped;
# * **superposed**: both share the dimension, as an antipodal pair.
#
# ### Exercise 0.10 — classifying a feature's phase
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# Write `classify_features(W, norm_threshold, interference_threshold)` returning, for every instance and feature, 0
# (not represented: $\|W_i\| <$ `norm_threshold`), 1 (dedicated: represented, and the interference
# $\sum_{j \ne i} (\hat W_i \cdot W_j)^2 <$ `interference_threshold`) or 2 (superposed: represented, and the
# interference is at least the threshold). $\hat W_i = W_i / \max(\|W_i\|, \varepsilon)$; the sum leaves out $j = i$.

# %% solution id=ex10_phase
def classify_features(W: Tensor, norm_threshold: float = 0.5, interference_threshold: float = 0.25,
                      eps: float = 1e-8) -> Tensor:
    """W: (n_inst, d_hidden, n_features) -> (n_inst, n_features) long: 0 not represented, 1 dedicated, 2 superposed."""
    ### BEGIN SOLUTION
    norms = W.norm(dim=1)                                   # (inst, feat)
    W_hat = W / norms.clamp_min(eps).unsqueeze(1)
    overlaps = einops.einsum(W_hat, W, "inst hid fi, inst hid fj -> inst fi fj") ** 2
    interference = overlaps.sum(-1) - torch.diagonal(overlaps, dim1=-2, dim2=-1)
    dedicated = interference < interference_threshold
    return torch.where(norms < norm_threshold, 0, torch.where(dedicated, 1, 2)).long()
    ### END SOLUTION

# %% visible id=ex10_phase_visible
# One hidden dimension: (a) feature 1 dropped, (b) feature 1 alone, (c) an antipodal pair.
_W = torch.tensor([[[1.0, 0.0]], [[0.0, 1.0]], [[1.0, -1.0]]])
checks.assert_true(classify_features(_W).tolist() == [[1, 0], [0, 1], [2, 2]],
                   "classify_features on three hand-made one-dimensional instances")
print("classify_features passes the visible checks.")

# %% graded id=ex10_phase_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _ref_classify(W, nt, it, eps=1e-8):
    n = W.norm(dim=1)
    Wh = W / n.clamp_min(eps).unsqueeze(1)
    ov = torch.einsum("ihf,ihg->ifg", Wh, W) ** 2
    inter = ov.sum(-1) - torch.diagonal(ov, dim1=-2, dim2=-1)
    return torch.where(n < nt, 0, torch.where(inter < it, 1, 2))

_g = torch.Generator().manual_seed(1010)
for _n_inst, _d_hid, _n_feat, _nt, _it in [(40, 1, 2, 0.5, 0.25), (30, 3, 6, 0.4, 0.1), (20, 2, 5, 0.6, 0.3)]:
    _W = torch.randn(_n_inst, _d_hid, _n_feat, generator=_g) * (torch.rand(_n_inst, 1, _n_feat, generator=_g) * 1.6)
    _W[0] = 0.0
    _W = _W.to(device)
    _out = classify_features(_W, norm_threshold=_nt, interference_threshold=_it)
    _what = (f"classify_features (n_inst={_n_inst}, d_hidden={_d_hid}, n_features={_n_feat}, norm_threshold={_nt}, "
             f"interference_threshold={_it})")
    _chk.assert_shape(_out, (_n_inst, _n_feat), _what)
    _ref = _ref_classify(_W, _nt, _it)
    _bad = int((_out.long().cpu() != _ref.cpu()).sum())
    _chk.assert_true(_bad == 0, f"{_what}: {_bad} of {_ref.numel()} features get the wrong phase")
### END HIDDEN TESTS

# %% [markdown]
# Now sweep: a 6 × 6 grid of $(r, p)$, one instance per cell, all trained at once.

# %% code
torch.manual_seed(10)
n_grid = 6
rel_importance = 10 ** torch.linspace(-1, 1, n_grid)
phase_prob = 10 ** -torch.linspace(0, 2, n_grid)
_R, _P = torch.meshgrid(rel_importance, phase_prob, indexing="ij")     # rows: importance, columns: probability
model_phase = ToyModel(n_inst=n_grid * n_grid, n_features=2, d_hidden=1,
                       feature_probability=_P.flatten()[:, None].expand(-1, 2),
                       importance=torch.stack([torch.ones(n_grid * n_grid), _R.flatten()], dim=-1))
_ = train_toy_model(model_phase, steps=sized(full=8_000, ci=2_000), batch_size=sized(full=1024, ci=512), lr=1e-2,
                    lr_schedule=cosine_decay_lr)
phase = classify_features(model_phase.W.detach())[:, 1].view(n_grid, n_grid).cpu()
fig = go.Figure(go.Heatmap(z=phase.numpy(), x=[f"{p:.3f}" for p in phase_prob.tolist()],
                           y=[f"{r:.2f}" for r in rel_importance.tolist()], zmin=0, zmax=2,
                           colorscale=[[0, "lightgrey"], [0.5, "steelblue"], [1, "crimson"]],
                           colorbar=dict(tickvals=[0, 1, 2], ticktext=["not represented", "dedicated", "superposed"])))
fig.update_layout(title="Phase of feature 1 (2 features, 1 dimension)", xaxis_title="feature probability p",
                  yaxis_title="relative importance r", height=420, width=560)
fig.show()

# %% [markdown]
# ### Checkpoint 0.B — reading the phase diagram
# > Difficulty: ●○○○○ · Importance: ●●○○○
#
# Set `phase_dense_unimportant` to the phase (0, 1 or 2) of feature 1 in the cell with **dense** features ($p = 1$)
# and the **lowest** relative importance ($r = 0.1$), and `phase_sparse_important` to its phase in the cell with the
# **sparsest** features ($p = 0.01$) and the **highest** importance ($r = 10$). The hidden test reads them off
# `model_phase`.

# %% solution id=ex10_phase_answer
phase_dense_unimportant = None   # your answer: 0, 1 or 2
phase_sparse_important = None    # your answer: 0, 1 or 2
### BEGIN SOLUTION
phase_dense_unimportant = 0
phase_sparse_important = 2
### END SOLUTION

# %% visible id=ex10_phase_answer_visible
checks.assert_true(phase_dense_unimportant in (0, 1, 2) and phase_sparse_important in (0, 1, 2),
                   "each answer should be 0, 1 or 2")
print("Answers recorded; the graded test checks them.")

# %% graded id=ex10_phase_answer_test points=1
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _phase_of(W):
    n = W.norm(dim=0)
    if float(n[1]) < 0.5:
        return 0
    inter = float((W[:, 1] / n[1] @ W[:, 0]) ** 2)
    return 1 if inter < 0.25 else 2

_Wp = model_phase.W.detach().cpu().view(n_grid, n_grid, 1, 2)
_chk.assert_true(phase_dense_unimportant == _phase_of(_Wp[0, 0]),
                 "phase_dense_unimportant: that is not the phase of feature 1 in the dense, least-important cell")
_chk.assert_true(phase_sparse_important == _phase_of(_Wp[-1, -1]),
                 "phase_sparse_important: that is not the phase of feature 1 in the sparsest, most-important cell")
### END HIDDEN TESTS

# %% [markdown]
# With dense features, superposition never pays: the two features would interfere on every example, so the dimension
# goes to whichever feature matters more — feature 1 is dropped when $r < 1$ and gets the dimension to itself (feature
# 0 dropped) when $r > 1$. With sparse features, collisions are rare and the ReLU with a negative bias filters the
# little interference there is, so both features share the dimension as an antipodal pair whenever neither is much
# less important than the other. The boundary between the phases is sharp — the paper calls it a phase change.

# %% [markdown]
# ## Part 6 — Computation in superposition
#
# The models so far only had to *store* features and read them back. Can a network also **compute** something of
# more features than it has neurons? The simplest non-linear computation to try is the absolute value: the input
# holds sparse features $x_i \in [-1, 1]$ and the target is $|x_i|$ for every feature. One ReLU neuron gives only one
# side of it ($\operatorname{ReLU}(x_i)$ is $x_i$ for $x_i > 0$ and $0$ otherwise); $|x_i| = \operatorname{ReLU}(x_i) +
# \operatorname{ReLU}(-x_i)$ takes two. So a model whose neurons each serve a single feature can compute $|x|$ for at
# most `d_hidden / 2` features. We will measure whether a model on sparse features beats that bound.
#
# The input and the target now differ, so nothing ties the two layers together: the model gets two independent
# weight matrices,
#
# $$h = \operatorname{ReLU}(W_1 x) \in \mathbb{R}^{d_\text{hidden}}, \qquad y = \operatorname{ReLU}(W_2 h + b) \in \mathbb{R}^{n_\text{features}},$$
#
# and is trained so that $y_i \approx |x_i|$.
#
# ### Exercise 0.11 — the computation model: parameters, forward pass, data and loss
# > Difficulty: ●●●○○ · Importance: ●●●○○
#
# Complete `NeuronComputationModel`:
# * `__init__`: parameters `W1` `(n_inst, d_hidden, n_features)` and `W2` `(n_inst, n_features, d_hidden)`, each an
#   independent draw of `nn.init.xavier_normal_`, and `b_final` `(n_inst, n_features)` of zeros, all on `device`;
#   the buffers `feature_probability` and `importance` `(n_inst, n_features)`, built with `as_inst_feat` exactly as in
#   `ToyModel` (a vector of probabilities runs along instances, a vector of importances along features);
# * `forward(features)`: the two equations above, `(batch, n_inst, n_features) -> (batch, n_inst, n_features)`;
# * `generate_batch(batch_size)`: like your 0.2 with `self.feature_probability`, except that a present feature is
#   uniform on $[-1, 1)$ (torch's global generator, tensors on the buffers' device);
# * `calculate_loss(out, batch)`: the importance-weighted squared error of `out` against the **target** $|x|$,
#   averaged over the batch and the features and summed over instances (the convention of 0.3).

# %% solution id=ex11_computation
class NeuronComputationModel(nn.Module):
    """``n_inst`` models computing |x|: x -> h = ReLU(W1 x) -> y = ReLU(W2 h + b_final)."""

    def __init__(self, n_inst: int, n_features: int = 10, d_hidden: int = 5, feature_probability=1.0,
                 importance=1.0, device=device):
        super().__init__()
        self.n_inst, self.n_features, self.d_hidden = n_inst, n_features, d_hidden
        ### BEGIN SOLUTION
        self.W1 = nn.Parameter(nn.init.xavier_normal_(torch.empty(n_inst, d_hidden, n_features, device=device)))
        self.W2 = nn.Parameter(nn.init.xavier_normal_(torch.empty(n_inst, n_features, d_hidden, device=device)))
        self.b_final = nn.Parameter(torch.zeros(n_inst, n_features, device=device))
        self.register_buffer("feature_probability", as_inst_feat(feature_probability, n_inst, n_features, "inst", device))
        self.register_buffer("importance", as_inst_feat(importance, n_inst, n_features, "feat", device))
        ### END SOLUTION

    def forward(self, features: Tensor) -> Tensor:
        """features: (batch, n_inst, n_features) -> y: (batch, n_inst, n_features)."""
        ### BEGIN SOLUTION
        h = F.relu(einops.einsum(features, self.W1, "batch inst feat, inst hid feat -> batch inst hid"))
        y = einops.einsum(h, self.W2, "batch inst hid, inst feat hid -> batch inst feat")
        return F.relu(y + self.b_final)
        ### END SOLUTION

    def generate_batch(self, batch_size: int) -> Tensor:
        """(batch_size, n_inst, n_features): present with self.feature_probability, then uniform on [-1, 1); else 0."""
        ### BEGIN SOLUTION
        shape = (batch_size, *self.feature_probability.shape)
        present = torch.rand(shape, device=self.feature_probability.device) < self.feature_probability
        values = 2 * torch.rand(shape, device=self.feature_probability.device) - 1
        return values * present
        ### END SOLUTION

    def calculate_loss(self, out: Tensor, batch: Tensor) -> Tensor:
        """out, batch: (batch, n_inst, n_features) -> 0-d tensor: sum over inst of mean over batch, feat of I (out - |x|)²."""
        ### BEGIN SOLUTION
        error = self.importance * (out - batch.abs()) ** 2
        return einops.reduce(error, "batch inst feat -> inst", "mean").sum()
        ### END SOLUTION

# %% visible id=ex11_computation_visible
_m = NeuronComputationModel(n_inst=2, n_features=4, d_hidden=3, feature_probability=torch.tensor([1.0, 0.5]))
checks.assert_shape(_m.W1, (2, 3, 4), "NeuronComputationModel.W1")
checks.assert_shape(_m.W2, (2, 4, 3), "NeuronComputationModel.W2")
checks.assert_shape(_m.feature_probability, (2, 4), "NeuronComputationModel.feature_probability")
_x = _m.generate_batch(1000)
checks.assert_shape(_x, (1000, 2, 4), "NeuronComputationModel.generate_batch output")
checks.assert_true(bool((_x[:, 0] != 0).all()), "generate_batch: with probability 1 every feature should be present")
checks.assert_true(bool((_x < 0).any()), "generate_batch: present features should be uniform on [-1, 1), so some are negative")
checks.assert_shape(_m(_x), (1000, 2, 4), "NeuronComputationModel output")
# A small known case: the output equals |x| exactly, so the loss is 0.
checks.assert_scalar_close(_m.calculate_loss(_x.abs(), _x), 0.0, "calculate_loss when the output is exactly |x|")
print("NeuronComputationModel passes the visible checks.")

# %% graded id=ex11_computation_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _t():
    _ac, _at, _ash, _plain = _chk.assert_close, _chk.assert_true, _chk.assert_shape, _chk.plain
    _teq, _tac, _ein, _relu = torch.equal, torch.allclose, torch.einsum, torch.relu
    _P = torch.nn.Parameter
    _g = torch.Generator().manual_seed(1101)
    torch.manual_seed(1102)
    for _n_inst, _n_feat, _d_hid in [(3, 8, 4), (2, 5, 3)]:
        _probs = torch.rand(_n_inst, generator=_g) * 0.5 + 0.05
        _imps = torch.rand(_n_feat, generator=_g) + 0.5
        _want_p = _probs[:, None].expand(_n_inst, _n_feat).clone()
        _want_i = _imps[None, :].expand(_n_inst, _n_feat).clone()
        _m = NeuronComputationModel(n_inst=_n_inst, n_features=_n_feat, d_hidden=_d_hid,
                                    feature_probability=_probs.clone(), importance=_imps.clone(), device=device)
        _what = f"NeuronComputationModel (n_inst={_n_inst}, n_features={_n_feat}, d_hidden={_d_hid})"
        _raw = {_n: getattr(_m, _n, None) for _n in ("W1", "W2", "b_final")}
        for _n, _v in _raw.items():
            _at(isinstance(_v, _P), f"{_what}: {_n} should be an nn.Parameter, so that the optimiser trains it")
        _W1, _W2, _b = _plain(_raw["W1"]), _plain(_raw["W2"]), _plain(_raw["b_final"])
        _ash(_W1, (_n_inst, _d_hid, _n_feat), f"{_what}: W1")
        _ash(_W2, (_n_inst, _n_feat, _d_hid), f"{_what}: W2")
        _ac(_b, torch.zeros(_n_inst, _n_feat), f"{_what}: b_final at initialisation", atol=0, rtol=0)
        _at(float(_W1.std()) > 0.05 and float(_W2.std()) > 0.05, f"{_what}: W1 and W2 should be random at initialisation")
        _at(not _tac(_W2, _W1.transpose(-1, -2)),
            f"{_what}: W2 starts as W1 transposed; the two layers should be independent draws")
        _ac(_plain(getattr(_m, "feature_probability", None)), _want_p,
            f"{_what}: the feature_probability buffer (one probability per instance)")
        _ac(_plain(getattr(_m, "importance", None)), _want_i, f"{_what}: the importance buffer (one importance per feature)")
    # The forward pass, on set weights of both signs.
    for _n_inst, _n_feat, _d_hid, _bs in [(3, 7, 3, 16), (2, 5, 4, 9)]:
        _m = NeuronComputationModel(n_inst=_n_inst, n_features=_n_feat, d_hidden=_d_hid, device=device)
        _A = torch.randn(_n_inst, _d_hid, _n_feat, generator=_g)
        _B = torch.randn(_n_inst, _n_feat, _d_hid, generator=_g)
        _c = 0.3 * torch.randn(_n_inst, _n_feat, generator=_g)
        _x = (2 * torch.rand(_bs, _n_inst, _n_feat, generator=_g) - 1) * (torch.rand(_bs, _n_inst, _n_feat, generator=_g) < 0.7)
        _want = _relu(_ein("ifh,bih->bif", _B, _relu(_ein("ihf,bif->bih", _A, _x))) + _c)
        with torch.no_grad():
            _m.W1.copy_(_A.to(device))
            _m.W2.copy_(_B.to(device))
            _m.b_final.copy_(_c.to(device))
        _xs = _x.clone().to(device)
        _out = _plain(_m(_xs))
        _what = f"NeuronComputationModel output (n_inst={_n_inst}, n_features={_n_feat}, d_hidden={_d_hid}; inputs of both signs)"
        _ash(_out, (_bs, _n_inst, _n_feat), _what)
        _ac(_out.cpu(), _want, _what)
        _at(_teq(_plain(_xs).cpu(), _x), f"{_what}: forward changed its input in place")

_t(); del _t
### END HIDDEN TESTS

# %% graded id=ex11_computation_test2 points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _t():
    _ac, _asc, _at, _ash, _plain = _chk.assert_close, _chk.assert_scalar_close, _chk.assert_true, _chk.assert_shape, _chk.plain
    _teq, _seed = torch.equal, torch.manual_seed
    _g = torch.Generator().manual_seed(1103)
    _probs = torch.tensor([0.8, 0.3, 0.05])
    _m = NeuronComputationModel(n_inst=3, n_features=6, d_hidden=3, feature_probability=_probs.clone(), device=device)
    _seed(1104)
    _x = _plain(_m.generate_batch(20_000)).cpu().double()
    _ash(_x, (20_000, 3, 6), "NeuronComputationModel.generate_batch output")
    _at(bool(((_x >= -1) & (_x <= 1)).all()), "generate_batch: some values lie outside [-1, 1]")
    _on = (_x != 0).double()
    _ac(_on.mean(0), _probs[:, None].expand(3, 6).double(), "fraction of examples in which each (instance, feature) "
        "is present", atol=0.02, rtol=0.0)
    _vals = _x[_x != 0]
    _asc(float((_vals < 0).double().mean()), 0.5, "fraction of present values that are negative (uniform on [-1, 1))",
         atol=0.02, rtol=0.0)
    _asc(float((_vals.abs() < 0.5).double().mean()), 0.5, "fraction of present values with |x| < 0.5 (uniform on [-1, 1))",
         atol=0.02, rtol=0.0)
    _a, _b = _on[:, 0, 1] - _on[:, 0, 1].mean(), _on[:, 0, 4] - _on[:, 0, 4].mean()
    _at(abs(float((_a * _b).mean() / (_a.std() * _b.std() + 1e-12))) < 0.05,
        "generate_batch: different features should be present independently")
    _x2 = _plain(_m.generate_batch(20_000)).cpu()
    _at(not _teq(_x2.double(), _x), "generate_batch: two calls returned the same batch; draw fresh numbers from torch's "
        "global generator on every call (do not seed inside the method)")
    _seed(1105)
    _y1 = _plain(_m.generate_batch(300)).cpu()
    _seed(1105)
    _y2 = _plain(_m.generate_batch(300)).cpu()
    _at(_teq(_y1, _y2), "generate_batch: after the same torch.manual_seed the batch should be the same; use torch's "
        "global random generator")
    # The loss against |x|.
    for _bs, _n_inst, _n_feat in [(13, 3, 5), (4, 2, 8)]:
        _imp = torch.rand(_n_feat, generator=_g) * 1.3 + 0.2
        _m = NeuronComputationModel(n_inst=_n_inst, n_features=_n_feat, d_hidden=2, importance=_imp.clone(), device=device)
        _out0 = torch.rand(_bs, _n_inst, _n_feat, generator=_g)
        _batch0 = 2 * torch.rand(_bs, _n_inst, _n_feat, generator=_g) - 1
        _want = ((_imp * (_out0 - _batch0.abs()) ** 2).mean(dim=(0, 2))).sum()
        _out = _out0.clone().to(device).requires_grad_(True)
        _loss_raw = _m.calculate_loss(_out, _batch0.clone().to(device))
        _what = f"NeuronComputationModel.calculate_loss (batch={_bs}, n_inst={_n_inst}, n_features={_n_feat}; inputs of both signs)"
        _at(getattr(_loss_raw, "requires_grad", False) is True,
            f"{_what}: the loss must stay connected to `out` so that it can be backpropagated")
        _loss = _plain(_loss_raw)
        _ash(_loss, (), _what)
        _asc(_loss, _want, _what)

_t(); del _t
### END HIDDEN TESTS

# %% [markdown]
# Train four instances, 10 features into 5 neurons, from dense ($p = 1$) to sparse ($p = 0.03$), all features equally
# important. The training loop is the one of 0.4, with the model's own data and loss.

# %% code
def train_computation_model(model: NeuronComputationModel, steps: int, batch_size: int, lr: float,
                            lr_schedule=cosine_decay_lr, progress: bool = True) -> list[float]:
    """Adam on all parameters; each step draws model.generate_batch(batch_size) and minimises model.calculate_loss."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for step in tqdm(range(steps), disable=not progress):
        for group in optimizer.param_groups:
            group["lr"] = lr * lr_schedule(step, steps)
        batch = model.generate_batch(batch_size)
        loss = model.calculate_loss(model(batch), batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


torch.manual_seed(11)
feature_probability_comp = torch.tensor([1.0, 0.3, 0.1, 0.03])
model_comp = NeuronComputationModel(n_inst=4, n_features=10, d_hidden=5, feature_probability=feature_probability_comp)
losses_comp = train_computation_model(model_comp, steps=sized(full=10_000, ci=2_000), batch_size=sized(full=1024, ci=256),
                                      lr=1e-2)

# %% [markdown]
# How well does each instance compute $|x_i|$, feature by feature? Feed it inputs with a single feature on, at values
# spread over $[-1, 1]$, and compare the squared error with that of the best constant output (the mean of $|v|$). A
# ratio near 0 means $|x_i|$ is computed on both sides; a ratio near 2 means only one side (one ReLU) is served; 1 is no
# better than a constant. The second plot shows $W_1$: which features drive each neuron, and with which sign.

# %% code
@torch.no_grad()
def single_feature_error_ratio(model: NeuronComputationModel, n_values: int = 41) -> Tensor:
    """(n_inst, n_features): squared error on one-feature inputs, relative to the best constant output."""
    v = torch.linspace(-1, 1, n_values, device=model.W1.device)
    eye = torch.eye(model.n_features, device=v.device)
    x = (v[:, None, None] * eye).reshape(-1, model.n_features)                     # (n_values * n_features, n_features)
    y = model(x.unsqueeze(1).expand(-1, model.n_inst, -1).contiguous())           # (n_values * n_features, n_inst, n_features)
    err = ((y - x.abs().unsqueeze(1)) ** 2).reshape(n_values, model.n_features, model.n_inst, model.n_features)
    own = torch.diagonal(err, dim1=1, dim2=3).mean(0)                              # (n_inst, n_features)
    return own / ((v.abs() - v.abs().mean()) ** 2).mean()


ratio_comp = single_feature_error_ratio(model_comp).cpu()
fig = make_subplots(rows=2, cols=4, subplot_titles=[f"p = {p:.2f}" for p in feature_probability_comp.tolist()],
                    vertical_spacing=0.12)
for k in range(4):
    fig.add_trace(go.Bar(y=ratio_comp[k].tolist(), showlegend=False, marker_color="steelblue"), row=1, col=k + 1)
    fig.add_trace(go.Heatmap(z=model_comp.W1[k].detach().cpu().numpy(), zmid=0, colorscale="RdBu", showscale=(k == 0)),
                  row=2, col=k + 1)
fig.update_yaxes(range=[0, 2.5], row=1)
fig.update_layout(title="Top: error ratio per feature (0 = |x| computed). Bottom: W1 (rows: neurons, columns: features)",
                  height=520, width=950)
fig.show()
print("features whose |x| is computed (ratio < 0.25), per instance:", (ratio_comp < 0.25).sum(-1).tolist(),
      f"(one neuron per sign would allow {model_comp.d_hidden / 2:g})")

# %% [markdown]
# With dense features every feature is on in every example, so any neuron shared between two features is wrong all
# the time: the model computes $|x|$ for at most `d_hidden / 2` features (in the short CI run the dense instance is far
# from converged and may not beat a constant output at all). With sparse features the neurons of $W_1$ mix several
# features (several coloured cells per row) and more than `d_hidden / 2` absolute values come out right: the model
# computes in superposition, accepting errors in the rare examples where two features that share a neuron are on
# together.
#
# The graded test below measures this on **your** trained `model_comp` with its own inputs: the loss of each sparse
# instance ($p \le 0.15$) against the best constant output, and the number of features whose absolute value a sparse
# instance computes on one-feature inputs of both signs (error below a quarter of the constant's), which must exceed
# `d_hidden / 2`.

# %% graded id=ex11_computation_test3 points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _t():
    _at, _plain = _chk.assert_true, _chk.plain
    _ein, _relu = torch.einsum, torch.relu
    _cls = NeuronComputationModel
    _obj = model_comp
    _at(type(_obj) is _cls, "model_comp should be a NeuronComputationModel built from your current class: re-run the "
        "training cell after changing the class")
    _W1, _W2, _b = (_plain(getattr(_obj, _n)).cpu().double() for _n in ("W1", "W2", "b_final"))
    _p = _plain(_obj.feature_probability).cpu().double()
    _k, _d, _f = _W1.shape
    _at(_k >= 2 and bool((_p[:, 0] <= 0.15).any()), "model_comp should have instances with sparse features")
    def _fwd(x):
        return _relu(_ein("ifh,bih->bif", _W2, _relu(_ein("ihf,bif->bih", _W1, x))) + _b)
    _g = torch.Generator().manual_seed(1106)
    _x = (2 * torch.rand(40_000, _k, _f, generator=_g, dtype=torch.float64) - 1) \
        * (torch.rand(40_000, _k, _f, generator=_g, dtype=torch.float64) < _p)
    _tgt = _x.abs()
    _mse = ((_fwd(_x) - _tgt) ** 2).mean(dim=(0, 2))
    _const = ((_tgt - _tgt.mean(0)) ** 2).mean(dim=(0, 2))
    for _i in range(_k):
        if float(_p[_i, 0]) <= 0.15:
            _at(float(_mse[_i]) < 0.75 * float(_const[_i]),
                f"model_comp, instance {_i} (sparse features): on fresh inputs it does not clearly beat the best "
                "constant output; check generate_batch (values in [-1, 1)), calculate_loss (target |x|) and forward, "
                "then re-train")
    _v = torch.linspace(-1, 1, 33, dtype=torch.float64)
    _xs = torch.zeros(33, _f, _k, _f, dtype=torch.float64)
    for _j in range(_f):
        _xs[:, _j, :, _j] = _v[:, None]
    _xs = _xs.reshape(33 * _f, _k, _f)
    _e = ((_fwd(_xs) - _xs.abs()) ** 2).reshape(33, _f, _k, _f)
    _own = torch.stack([_e[:, _j, :, _j].mean(0) for _j in range(_f)], dim=-1)
    _ok = (_own < 0.25 * ((_v.abs() - _v.abs().mean()) ** 2).mean()).sum(-1)
    _sparse = _p[:, 0] < 0.5
    _at(int(_ok[_sparse].max()) > _d / 2,
        "model_comp: no sparse instance computes |x| for more features than one neuron per sign would allow "
        "(d_hidden / 2); measured on one-feature inputs of both signs")

_t(); del _t
### END HIDDEN TESTS

# %% [markdown]
# ## Part 7 — Superposition, memorisation and double descent
#
# Every model so far drew a fresh batch at every step: an endless supply of data, so the only thing worth storing
# was the features. Now the training set is **finite**: $T$ data points, seen again and again. With few points there
# is a cheaper way to get the training loss down: store the **data points themselves**, one direction in the hidden
# space per training point, and ignore what they are made of. With many points that no longer fits, and the model
# goes back to storing **features**. In between, neither works well, and the loss on fresh points (the test loss)
# first rises with $T$, then falls: a *double descent* in the size of the dataset. Anthropic reported this for toy
# models (Henighan et al., 2023, "Superposition, Memorization, and Double Descent"); the same measure of
# dimensionality as in 0.6 tells which of the two the model stores.
#
# The setting: many sparse features squeezed into `d_hidden = 2` (so every stored thing is an arrow in the plane),
# the `ToyModel` of 0.1, and data points scaled to unit length, so that a point with many small features and one with
# a single large feature count alike. Each instance gets its own dataset; instance $k$ trains on $T_k$ points.
#
# ### Exercise 0.12 — a finite dataset of normalised points
# > Difficulty: ●○○○○ · Importance: ●●○○○
#
# Write `make_dataset(feature_probability, n_points)`: `n_points` sparse data points for every instance, drawn as in
# 0.2 (present with probability $p_{k,i}$, then uniform on $[0, 1)$, torch's global generator), then each data point
# of each instance divided by its L2 norm over the features, $x / \max(\|x\|_2, \varepsilon)$, so that a point with no
# feature present stays exactly 0.

# %% solution id=ex12_dataset
def make_dataset(feature_probability: Tensor, n_points: int, eps: float = 1e-8) -> Tensor:
    """feature_probability: (n_inst, n_features) -> (n_points, n_inst, n_features): sparse points of unit L2 norm
    (over the features), all-zero points left at 0."""
    ### BEGIN SOLUTION
    shape = (n_points, *feature_probability.shape)
    present = torch.rand(shape, device=feature_probability.device) < feature_probability
    points = torch.rand(shape, device=feature_probability.device) * present
    return points / points.norm(dim=-1, keepdim=True).clamp_min(eps)
    ### END SOLUTION

# %% visible id=ex12_dataset_visible
_x = make_dataset(torch.tensor([[0.3] * 8, [1.0] * 8], device=device), 500)
checks.assert_shape(_x, (500, 2, 8), "make_dataset output")
checks.assert_true(not bool(torch.isnan(_x).any()), "make_dataset: NaN in the output (a point with no feature must stay 0)")
_norms = _x.norm(dim=-1)
checks.assert_true(bool(((_norms == 0) | ((_norms - 1).abs() < 1e-5)).all()),
                   "make_dataset: every data point with a feature present should have L2 norm 1 over its features")
checks.assert_true(bool(((_norms[:, 1] - 1).abs() < 1e-5).all()),
                   "make_dataset: with probability 1 every point has all features present and norm 1")
print("make_dataset passes the visible checks.")

# %% graded id=ex12_dataset_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _t():
    _ac, _asc, _at, _ash, _plain = _chk.assert_close, _chk.assert_scalar_close, _chk.assert_true, _chk.assert_shape, _chk.plain
    _teq, _seed, _isnan = torch.equal, torch.manual_seed, torch.isnan
    _vn = torch.linalg.vector_norm
    _g = torch.Generator().manual_seed(1201)
    _prob = torch.rand(3, 40, generator=_g) * 0.15 + 0.03
    _prob[2, :] = 0.04                                     # sparse enough that some points are empty
    _prob_in = _prob.clone().to(device)
    _seed(1202)
    _pts = _plain(make_dataset(_prob_in, 6000)).cpu().double()
    _what = "make_dataset (3 instances, 40 features, 6000 points)"
    _ash(_pts, (6000, 3, 40), _what)
    _at(_teq(_plain(_prob_in).cpu(), _prob), f"{_what}: feature_probability was changed in place")
    _at(not bool(_isnan(_pts).any()), f"{_what}: NaN in the output; a point with no feature present must stay 0 "
        "(divide by max(norm, eps))")
    _at(bool((_pts >= 0).all()), f"{_what}: negative values")
    _on = _pts > 0
    _len = _vn(_pts, dim=-1)
    _empty = ~_on.any(-1)
    _at(bool(_empty.any()) and bool((_len[_empty] == 0).all()), f"{_what}: points with no feature present should be 0")
    _at(bool(((_len[~_empty] - 1).abs() < 1e-4).all()), f"{_what}: every point with a feature present should have "
        "L2 norm 1 over its features (each point of each instance scaled by its own norm)")
    _ac(_on.double().mean(0), _prob.double(), f"{_what}: fraction of points in which each (instance, feature) is present",
        atol=0.02, rtol=0.0)
    # Points with exactly two features present: the ratio small / large of two independent uniform values is itself
    # uniform on [0, 1], and scaling the point does not change it.
    _pairs = _pts[_on.sum(-1) == 2]
    _pairs = _pairs[_pairs > 0].view(-1, 2)
    _ratio = _pairs.min(-1).values / _pairs.max(-1).values
    _at(_ratio.numel() > 500, f"{_what}: too few points with exactly two features present")
    _asc(float(_ratio.mean()), 0.5, f"{_what}: in points with two features, the mean ratio smaller / larger value "
         "(the values before scaling should be uniform on [0, 1))", atol=0.03, rtol=0.0)
    _asc(float((_ratio < 0.25).double().mean()), 0.25, f"{_what}: in points with two features, the share with ratio "
         "smaller / larger below 0.25 (the values before scaling should be uniform on [0, 1))", atol=0.03, rtol=0.0)
    _again = _plain(make_dataset(_prob_in, 6000)).cpu().double()
    _at(not _teq(_again, _pts), f"{_what}: two calls returned the same points; draw fresh numbers from torch's global "
        "generator (do not seed inside the function)")
    _seed(1203)
    _one = _plain(make_dataset(_prob_in, 50)).cpu()
    _seed(1203)
    _two = _plain(make_dataset(_prob_in, 50)).cpu()
    _at(_teq(_one, _two), f"{_what}: after the same torch.manual_seed the points should be the same")

globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 0.13 — training on a fixed dataset, one dataset size per instance
# > Difficulty: ●●○○○ · Importance: ●●●○○
#
# All instances are trained together on one tensor `data` of shape `(T_max, n_inst, n_features)`; instance $k$ owns
# only its **first** `n_points[k]` rows, the rest of its column is not its data. Its loss is the squared error averaged
# over its own points and over the features:
#
# $$L_k = \frac{1}{T_k\, n_\text{features}} \sum_{t < T_k} \sum_i \big(x_{t,k,i} - x'_{t,k,i}\big)^2 .$$
#
# Write `dataset_loss(out, data, n_points)` returning the vector $(L_k)_k$, and `train_on_dataset`: full-batch training
# (the whole of `data` through the model at every step) of the sum over instances $\sum_k L_k$ with **AdamW** (weight
# decay `weight_decay`; weight decay matters here: it is what makes the model prefer simple solutions), the learning
# rate `lr * lr_schedule(step, steps)` set before each update as in 0.4, recording the summed loss's `.item()` at each
# step. All features are equally important here, so `model.importance` is not used. The schedule below warms up
# linearly over the first 5% of the steps, then decays as a cosine.

# %% setup id=warmup_schedule
def warmup_cosine_lr(step: int, steps: int) -> float:
    warmup = max(1, steps // 20)
    return min(1.0, (step + 1) / warmup) * 0.5 * (1.0 + math.cos(math.pi * step / steps))

# %% solution id=ex13_train_dataset
def dataset_loss(out: Tensor, data: Tensor, n_points: Tensor) -> Tensor:
    """out, data: (T_max, n_inst, n_features); n_points: (n_inst,) ints. Returns (n_inst,): instance k's squared
    error averaged over its first n_points[k] points and over the features."""
    ### BEGIN SOLUTION
    n_points = torch.as_tensor(n_points, device=data.device)
    own = (torch.arange(data.shape[0], device=data.device)[:, None] < n_points).to(data.dtype)  # (T_max, inst)
    per_point = ((out - data) ** 2).mean(-1)                                                      # (T_max, inst)
    return (per_point * own).sum(0) / n_points.to(data.dtype)
    ### END SOLUTION


def train_on_dataset(model: ToyModel, data: Tensor, n_points: Tensor, steps: int, lr: float = 1e-2,
                     weight_decay: float = 1e-2, lr_schedule=warmup_cosine_lr, progress: bool = True) -> list[float]:
    """Full-batch AdamW on sum_k dataset_loss(...)[k]; returns the summed loss of every step (floats)."""
    ### BEGIN SOLUTION
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    losses = []
    for step in tqdm(range(steps), disable=not progress):
        for group in optimizer.param_groups:
            group["lr"] = lr * lr_schedule(step, steps)
        loss = dataset_loss(model(data), data, n_points).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
    ### END SOLUTION

# %% visible id=ex13_train_dataset_visible
# Instance 0 owns 1 point, instance 1 owns 2; the third row belongs to nobody.
_data = torch.tensor([[[1.0, 0.0], [0.0, 1.0]], [[5.0, 5.0], [1.0, 0.0]], [[9.0, 9.0], [9.0, 9.0]]], device=device)
_loss = dataset_loss(torch.zeros_like(_data), _data, torch.tensor([1, 2], device=device))
checks.assert_shape(_loss, (2,), "dataset_loss output (one loss per instance)")
checks.assert_close(_loss, torch.tensor([0.5, 0.5], device=device), "dataset_loss on a hand-made case (out = 0)")
torch.manual_seed(0)
_m = ToyModel(n_inst=2, n_features=6, d_hidden=2)
_d = make_dataset(_m.feature_probability * 0.3, 8)
_losses = train_on_dataset(_m, _d, torch.tensor([3, 8], device=device), steps=200, lr=1e-2, progress=False)
checks.assert_true(isinstance(_losses, list) and len(_losses) == 200, "train_on_dataset should return one loss per step")
checks.assert_true(np.mean(_losses[-20:]) < np.mean(_losses[:20]), "train_on_dataset: the loss did not go down")
print("dataset_loss and train_on_dataset pass the visible checks.")

# %% graded id=ex13_train_dataset_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _t():
    _ac, _asc, _at, _ash, _plain = _chk.assert_close, _chk.assert_scalar_close, _chk.assert_true, _chk.assert_shape, _chk.plain
    _teq, _tt = torch.equal, torch.tensor
    _g = torch.Generator().manual_seed(1301)
    for _tmax, _k, _nf, _sizes in [(9, 4, 5, [1, 4, 9, 6]), (6, 3, 7, [6, 2, 3])]:
        _o0 = torch.rand(_tmax, _k, _nf, generator=_g)
        _d0 = torch.rand(_tmax, _k, _nf, generator=_g)
        _want = _tt([float(((_o0[:_s, _j] - _d0[:_s, _j]) ** 2).mean()) for _j, _s in enumerate(_sizes)])
        _o = _o0.clone().to(device).requires_grad_(True)
        _d = _d0.clone().to(device)
        _raw = dataset_loss(_o, _d, _tt(_sizes, device=device))
        _what = f"dataset_loss (T_max={_tmax}, n_points={_sizes}, {_nf} features; rows past n_points hold other values)"
        _at(getattr(_raw, "requires_grad", False) is True, f"{_what}: the loss must stay connected to `out`")
        _got = _plain(_raw)
        _ash(_got, (_k,), _what)
        _ac(_got.detach().cpu().double(), _want.double(), _what, atol=1e-6)
        _at(_teq(_plain(_d).cpu(), _d0), f"{_what}: data was changed in place")

globals().pop("_t")()
### END HIDDEN TESTS

# %% graded id=ex13_train_dataset_test2 points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _t():
    _ac, _at, _plain = _chk.assert_close, _chk.assert_true, _chk.plain
    _teq, _ein, _relu, _tt = torch.equal, torch.einsum, torch.relu, torch.tensor
    _AW = torch.optim.AdamW
    _g = torch.Generator().manual_seed(1302)
    _k, _nf, _dh, _tmax = 3, 7, 2, 10
    _sizes = [2, 10, 5]
    _steps_of = [1.0, 0.3, 0.0, 1.7, 0.6, 1.2, 0.05, 0.9]
    _n = len(_steps_of)
    def _sched(step, steps):
        return _steps_of[min(step, _n - 1)] if steps == _n else float("nan")
    _d0 = torch.rand(_tmax, _k, _nf, generator=_g) * (torch.rand(_tmax, _k, _nf, generator=_g) < 0.5)
    for _j, _s in enumerate(_sizes):
        _d0[_s:, _j] = 3.0 * torch.rand(_tmax - _s, _nf, generator=_g)     # rows the instance does not own
    _w0 = torch.randn(_k, _dh, _nf, generator=_g)
    _c0 = 0.1 * torch.randn(_k, _nf, generator=_g)
    _wd, _lr0 = 0.3, 3e-2
    # The reference first, on clones.
    _A, _B = _w0.clone().requires_grad_(True), _c0.clone().requires_grad_(True)
    _opt = _AW([_A, _B], lr=_lr0, weight_decay=_wd)
    _own = (torch.arange(_tmax)[:, None] < _tt(_sizes)).double()
    _ref_losses = []
    for _i in range(_n):
        for _grp in _opt.param_groups:
            _grp["lr"] = _lr0 * _steps_of[_i]
        _rec = _relu(_ein("khf,tkh->tkf", _A, _ein("khf,tkf->tkh", _A, _d0)) + _B)
        _per = (((_rec - _d0) ** 2).mean(-1) * _own).sum(0) / _tt(_sizes).double()
        _tot = _per.sum()
        _opt.zero_grad()
        _tot.backward()
        _opt.step()
        _ref_losses.append(float(_tot.detach()))
    _m = ToyModel(n_inst=_k, n_features=_nf, d_hidden=_dh, device=device)
    with torch.no_grad():
        _m.W.copy_(_w0.to(device))
        _m.b_final.copy_(_c0.to(device))
    _d = _d0.clone().to(device)
    _got = _plain(train_on_dataset(_m, _d, _tt(_sizes, device=device), steps=_n, lr=_lr0, weight_decay=_wd,
                                   lr_schedule=_sched, progress=False))
    _what = (f"train_on_dataset ({_n} steps with a changing schedule, weight_decay={_wd}, n_points={_sizes}; "
             "compared step by step with AdamW)")
    _at(type(_got) is list and len(_got) == _n, f"{_what}: should return a list with one loss per step")
    _ac(_tt([float(_plain(_v)) for _v in _got]).double(), _tt(_ref_losses).double(),
        f"{_what}: the summed loss recorded at each step", atol=1e-5)
    _ac(_plain(_m.W).detach().cpu(), _A.detach(), f"{_what}: W after training", atol=1e-5)
    _ac(_plain(_m.b_final).detach().cpu(), _B.detach(), f"{_what}: b_final after training", atol=1e-5)
    _at(_teq(_plain(_d).cpu(), _d0), f"{_what}: data was changed in place")

globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 0.14 — dimensionality of features and of data points
# > Difficulty: ●●○○○ · Importance: ●●●●○
#
# The dimensionality of 0.6 works for any set of vectors in the hidden space, not only for the feature directions:
# for vectors $v_1, \dots, v_n$ of one instance,
#
# $$D_i = \frac{\|v_i\|^2}{\sum_j \big(\hat v_i \cdot v_j\big)^2}, \qquad \hat v_i = \frac{v_i}{\max(\|v_i\|, \varepsilon)},$$
#
# the denominator clamped at $\varepsilon$ as before. Write
# * `vector_dimensionality(V, n_valid)`: `V` is `(n_inst, n_vectors, d)`; for instance $k$ only its first
#   `n_valid[k]` vectors take part (in the sum over $j$ too), and the entries $i \ge$ `n_valid[k]` are 0. With
#   `n_valid=None` every vector takes part. (0.6's `feature_dimensionality` already computes this for vectors
#   stored as columns: zero the vectors that do not take part, since a zero vector adds nothing to any sum.)
# * `dd_dimensionalities(model, data, n_points)` returning two tensors: the dimensionality of the **features** (the
#   columns $W_i$ of each instance, `(n_inst, n_features)`) and of the **data points** (the hidden vectors $h = W x$
#   of each instance's own training points, `(n_inst, T_max)`, 0 past `n_points[k]`). Work on detached weights.

# %% solution id=ex14_dd_dims
def vector_dimensionality(V: Tensor, n_valid: Tensor | None = None, eps: float = 1e-8) -> Tensor:
    """V: (n_inst, n_vectors, d); n_valid: (n_inst,) or None -> D: (n_inst, n_vectors), 0 past n_valid[k]."""
    ### BEGIN SOLUTION
    if n_valid is not None:
        n_valid = torch.as_tensor(n_valid, device=V.device)
        keep = torch.arange(V.shape[1], device=V.device)[None, :] < n_valid[:, None]     # (inst, vec)
        V = V * keep.unsqueeze(-1).to(V.dtype)  # a zeroed vector adds nothing to any sum and gets D = 0
    return feature_dimensionality(V.transpose(1, 2), eps)  # 0.6's formula, vectors in place of W's columns
    ### END SOLUTION


def dd_dimensionalities(model: ToyModel, data: Tensor, n_points: Tensor) -> tuple[Tensor, Tensor]:
    """-> (features: (n_inst, n_features), data points: (n_inst, T_max), 0 past n_points[k])."""
    ### BEGIN SOLUTION
    W = model.W.detach()
    feature_dims = vector_dimensionality(W.transpose(1, 2))
    hidden = einops.einsum(data, W, "point inst feat, inst hid feat -> inst point hid")
    return feature_dims, vector_dimensionality(hidden, n_points)
    ### END SOLUTION

# %% visible id=ex14_dd_dims_visible
# One instance, three vectors in the plane: an antipodal pair and a lone vector; then the lone one left out.
_V = torch.tensor([[[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0]]])
checks.assert_close(vector_dimensionality(_V), torch.tensor([[0.5, 0.5, 1.0]]), "vector_dimensionality, all vectors")
checks.assert_close(vector_dimensionality(_V, torch.tensor([2])), torch.tensor([[0.5, 0.5, 0.0]]),
                    "vector_dimensionality with n_valid = 2")
_m = ToyModel(n_inst=2, n_features=5, d_hidden=2)
_fd, _pd = dd_dimensionalities(_m, make_dataset(_m.feature_probability, 7), torch.tensor([7, 4]))
checks.assert_shape(_fd, (2, 5), "dd_dimensionalities: features")
checks.assert_shape(_pd, (2, 7), "dd_dimensionalities: data points")
print("The dimensionality functions pass the visible checks.")

# %% graded id=ex14_dd_dims_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _t():
    _ac, _at, _ash, _plain = _chk.assert_close, _chk.assert_true, _chk.assert_shape, _chk.plain
    _teq, _ein, _tt = torch.equal, torch.einsum, torch.tensor
    _vn = torch.linalg.vector_norm
    def _dims(vecs, count):
        out = torch.zeros(vecs.shape[0], vecs.shape[1], dtype=torch.float64)
        for k in range(vecs.shape[0]):
            use = vecs[k, :int(count[k])].double()
            size = _vn(use, dim=-1)
            unit = use / size.clamp(min=1e-8)[:, None]
            out[k, :int(count[k])] = size ** 2 / ((unit @ use.T) ** 2).sum(-1).clamp(min=1e-8)
        return out
    _g = torch.Generator().manual_seed(1401)
    for _k, _n, _dd, _cnt in [(3, 9, 2, [9, 4, 1]), (2, 6, 3, [6, 6])]:
        _v0 = torch.randn(_k, _n, _dd, generator=_g) * torch.rand(_k, _n, 1, generator=_g) * 2
        _v0[0, 2] = 0.0                                                      # a zero vector
        _want = _dims(_v0, _cnt)
        _v = _v0.clone().to(device)
        _what = f"vector_dimensionality (n_inst={_k}, {_n} vectors in {_dd} dims, n_valid={_cnt}; one zero vector)"
        _got = _plain(vector_dimensionality(_v, _tt(_cnt, device=device)))
        _ash(_got, (_k, _n), _what)
        _ac(_got.cpu().double(), _want, _what, atol=1e-5)
        _got = _plain(vector_dimensionality(_v.clone()))
        _ac(_got.cpu().double(), _dims(_v0, [_n] * _k), f"vector_dimensionality (n_valid=None, {_n} vectors)", atol=1e-5)
        _at(_teq(_plain(_v).cpu(), _v0), f"{_what}: V was changed in place")
    # On a model and a dataset: columns of W for the features, h = W x of the own points for the data points.
    _k, _nf, _tmax, _cnt = 3, 12, 8, [8, 3, 5]
    _w0 = torch.randn(_k, 2, _nf, generator=_g)
    _x0 = torch.rand(_tmax, _k, _nf, generator=_g) * (torch.rand(_tmax, _k, _nf, generator=_g) < 0.3)
    _want_f = _dims(_w0.transpose(1, 2), [_nf] * _k)
    _want_p = _dims(_ein("khf,tkf->kth", _w0, _x0), _cnt)
    _m = ToyModel(n_inst=_k, n_features=_nf, d_hidden=2, device=device)
    with torch.no_grad():
        _m.W.copy_(_w0.to(device))
    _res = _plain(dd_dimensionalities(_m, _x0.clone().to(device), _tt(_cnt, device=device)))
    _at(type(_res) is tuple and len(_res) == 2, "dd_dimensionalities should return a tuple (features, data points)")
    _fd, _pd = _plain(_res[0]), _plain(_res[1])
    _what = f"dd_dimensionalities (n_inst={_k}, {_nf} features, T_max={_tmax}, n_points={_cnt})"
    _ash(_fd, (_k, _nf), f"{_what}: features")
    _ash(_pd, (_k, _tmax), f"{_what}: data points")
    _ac(_fd.detach().cpu().double(), _want_f, f"{_what}: dimensionality of the features (columns of W)", atol=1e-5)
    _ac(_pd.detach().cpu().double(), _want_p, f"{_what}: dimensionality of the data points (hidden vectors W x of "
        "each instance's own points)", atol=1e-5)

globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# Now the sweep. One instance per pair (dataset size $T$, repeat): `DD_REPEATS` independent datasets and
# initialisations for each $T$, all trained at once on one padded dataset. The features are very sparse, so most data
# points hold a handful of features and a feature turns up in roughly one point in `1 / p`.

# %% code
torch.manual_seed(12)
DD_T_VALUES = sized(full=[3, 5, 8, 13, 22, 36, 60, 100, 170, 280, 460, 770],
                    ci=[3, 6, 12, 25, 50, 100, 200, 400])
DD_REPEATS = sized(full=3, ci=2)
dd_n_features, dd_p = sized(full=200, ci=50), sized(full=0.025, ci=0.1)
n_points_dd = torch.tensor(DD_T_VALUES, device=device).repeat_interleave(DD_REPEATS)   # (n_inst,)
model_dd = ToyModel(n_inst=len(n_points_dd), n_features=dd_n_features, d_hidden=2, feature_probability=dd_p)
data_dd = make_dataset(model_dd.feature_probability, max(DD_T_VALUES))
losses_dd = train_on_dataset(model_dd, data_dd, n_points_dd, steps=sized(full=2_000, ci=1_500), lr=1e-2,
                             weight_decay=1e-2)

with torch.no_grad():
    test_dd = make_dataset(model_dd.feature_probability, 5_000)
    test_loss_dd = ((model_dd(test_dd) - test_dd) ** 2).mean(dim=(0, 2)).view(-1, DD_REPEATS).mean(-1).cpu()
    train_loss_dd = dataset_loss(model_dd(data_dd), data_dd, n_points_dd).view(-1, DD_REPEATS).mean(-1).cpu()
feature_dims_dd, point_dims_dd = (D.cpu() for D in dd_dimensionalities(model_dd, data_dd, n_points_dd))
# One number per instance: the largest dimensionality any feature / any data point gets, averaged over the repeats.
feature_dim_max_dd = feature_dims_dd.amax(-1).view(-1, DD_REPEATS).mean(-1)
point_dim_max_dd = point_dims_dd.amax(-1).view(-1, DD_REPEATS).mean(-1)

fig = make_subplots(rows=1, cols=2, subplot_titles=["loss (mean over repeats)", "dimensionality"])
fig.add_trace(go.Scatter(x=DD_T_VALUES, y=test_loss_dd.tolist(), mode="lines+markers", name="test loss"), row=1, col=1)
fig.add_trace(go.Scatter(x=DD_T_VALUES, y=train_loss_dd.tolist(), mode="lines+markers", name="train loss"), row=1, col=1)
_Tk = n_points_dd.cpu()
fig.add_trace(go.Scatter(x=_Tk[:, None].expand_as(feature_dims_dd).flatten().tolist(), y=feature_dims_dd.flatten().tolist(),
                         mode="markers", marker=dict(size=4, color="steelblue"), opacity=0.3, name="D of each feature"),
              row=1, col=2)
_own = torch.arange(point_dims_dd.shape[1])[None, :] < _Tk[:, None]
fig.add_trace(go.Scatter(x=_Tk[:, None].expand_as(point_dims_dd)[_own].tolist(), y=point_dims_dd[_own].tolist(),
                         mode="markers", marker=dict(size=4, color="crimson"), opacity=0.3, name="D of each data point"),
              row=1, col=2)
fig.add_trace(go.Scatter(x=DD_T_VALUES, y=feature_dim_max_dd.tolist(), mode="lines", line=dict(color="steelblue"),
                         name="largest D of a feature"), row=1, col=2)
fig.add_trace(go.Scatter(x=DD_T_VALUES, y=point_dim_max_dd.tolist(), mode="lines", line=dict(color="crimson"),
                         name="largest D of a data point"), row=1, col=2)
fig.update_xaxes(type="log", title_text="dataset size T")
fig.update_yaxes(type="log", row=1, col=1)
fig.update_layout(title="Finite datasets: test loss and what the model stores", height=430, width=980)
fig.show()
print("T:               ", DD_T_VALUES)
print("test loss x 1000:", (1000 * test_loss_dd).numpy().round(2))
print("largest D, features:   ", feature_dim_max_dd.numpy().round(2))
print("largest D, data points:", point_dim_max_dd.numpy().round(2))

# %% [markdown]
# The graded test below measures your trained `model_dd` itself (both dimensionalities, through your
# `dd_dimensionalities` and its own reference) and checks the shape of the dimensionality curves: at the smallest $T$
# the data points get more dimensionality than the features; at the largest $T$ the features get more than the data
# points. It also checks the test loss: measured on fresh points of its own, averaged over the repeats, it must peak at
# a middle dataset size, more than 10% above its value at both the smallest and the largest $T$ (see the note after the
# checkpoint for how often that held over seeds).

# %% graded id=ex14_dd_dims_test2 points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _t():
    _ac, _at, _plain = _chk.assert_close, _chk.assert_true, _chk.plain
    _ein, _vn, _rand, _relu = torch.einsum, torch.linalg.vector_norm, torch.rand, torch.relu
    _obj, _cls = model_dd, ToyModel
    _at(type(_obj) is _cls, "model_dd should be a ToyModel: re-run the sweep cell")
    _W = _plain(_obj.W).detach().cpu().double()
    _x = _plain(data_dd).detach().cpu().double()
    _sizes = [int(_s) for _s in _plain(n_points_dd).cpu().tolist()]
    _rep = int(_plain(DD_REPEATS))
    _k, _, _nf = _W.shape
    _at(len(_sizes) == _k and _k % _rep == 0 and _sizes == sorted(_sizes) and len(set(_sizes)) * _rep == _k
        and _sizes[0] <= 5 and _sizes[-1] >= 50 * _sizes[0],
        "model_dd, n_points_dd: expected the sweep of the cell above (ascending dataset sizes, DD_REPEATS per size)")
    _len = _vn(_x, dim=-1)
    _at(bool((((_len - 1).abs() < 1e-4) | (_len == 0)).all()), "data_dd: the data points should have unit norm (0.12)")
    # Dimensionalities: the hidden test's own, and your dd_dimensionalities must agree with them.
    def _dims(vecs, count):
        out = torch.zeros(vecs.shape[0], vecs.shape[1], dtype=torch.float64)
        for k in range(vecs.shape[0]):
            use = vecs[k, :count[k]]
            size = _vn(use, dim=-1)
            unit = use / size.clamp(min=1e-8)[:, None]
            out[k, :count[k]] = size ** 2 / ((unit @ use.T) ** 2).sum(-1).clamp(min=1e-8)
        return out
    _feat = _dims(_W.transpose(1, 2), [_nf] * _k)
    _pts = _dims(_ein("khf,tkf->kth", _W, _x), _sizes)
    _res = _plain(dd_dimensionalities(_obj, _plain(data_dd).clone(), _plain(n_points_dd).clone()))
    _ac(_plain(_res[0]).detach().cpu().double(), _feat, "dd_dimensionalities(model_dd, ...): features", atol=1e-4)
    _ac(_plain(_res[1]).detach().cpu().double(), _pts, "dd_dimensionalities(model_dd, ...): data points", atol=1e-4)
    _fmax = _feat.amax(-1).view(-1, _rep).mean(-1)
    _pmax = _pts.amax(-1).view(-1, _rep).mean(-1)
    _at(float(_pmax[0]) > float(_fmax[0]),
        "model_dd: at the smallest dataset the data points should get more dimensionality than the features")
    _at(float(_fmax[-1]) > float(_pmax[-1]),
        "model_dd: at the largest dataset the features should get more dimensionality than the data points")
    # The test loss on fresh points: the test's own points (own generator) through its own forward pass of model_dd.
    _prob = _plain(_obj.feature_probability).detach().cpu().float()
    _b = _plain(_obj.b_final).detach().cpu().double()
    _gen = torch.Generator().manual_seed(1414)
    _new = (_rand(4000, *_prob.shape, generator=_gen) * (_rand(4000, *_prob.shape, generator=_gen) < _prob)).double()
    _new = _new / _vn(_new, dim=-1, keepdim=True).clamp(min=1e-8)
    _rec = _relu(_ein("khf,tkh->tkf", _W, _ein("khf,tkf->tkh", _W, _new)) + _b)
    _curve = ((_rec - _new) ** 2).mean(dim=(0, 2)).view(-1, _rep).mean(-1)
    _at(float(_curve[1:-1].max()) > 1.1 * max(float(_curve[0]), float(_curve[-1])),
        "model_dd: the test loss on fresh points should peak at a middle dataset size, above its value at both the "
        "smallest and the largest dataset (double descent); check make_dataset and train_on_dataset")

globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# ### Checkpoint 0.D — reading the double descent
# > Difficulty: ●○○○○ · Importance: ●●●○○
#
# From the plots and the printed numbers, set `dd_small_T_stores` and `dd_large_T_stores`: what the model stores at
# the smallest and at the largest dataset, `"data_points"` or `"features"` (whichever has the larger dimensionality
# there), and `dd_peak_T`: the dataset size in `DD_T_VALUES` where the test loss is highest. The hidden test reads
# the answers off your trained `model_dd` (for the peak it measures the test loss on fresh points of its own and
# accepts any size whose loss is within 20% of the highest).

# %% solution id=ex14_dd_answer
dd_small_T_stores = None   # your answer: "data_points" or "features"
dd_large_T_stores = None   # your answer: "data_points" or "features"
dd_peak_T = None           # your answer: one of DD_T_VALUES
### BEGIN SOLUTION
dd_small_T_stores = "data_points"
dd_large_T_stores = "features"
dd_peak_T = DD_T_VALUES[int(test_loss_dd.argmax())]   # read off the printed test losses
### END SOLUTION

# %% visible id=ex14_dd_answer_visible
checks.assert_true(dd_small_T_stores in ("data_points", "features") and dd_large_T_stores in ("data_points", "features"),
                   'dd_small_T_stores and dd_large_T_stores should be "data_points" or "features"')
checks.assert_true(dd_peak_T in DD_T_VALUES, "dd_peak_T should be one of DD_T_VALUES")
print("Answers recorded; the graded test checks them.")

# %% graded id=ex14_dd_answer_test points=2
### BEGIN HIDDEN TESTS
import torch
import sae_course.checks as _chk

def _t():
    _at, _plain = _chk.assert_true, _chk.plain
    _ein, _vn, _rand, _relu = torch.einsum, torch.linalg.vector_norm, torch.rand, torch.relu
    _small, _large = _plain(dd_small_T_stores), _plain(dd_large_T_stores)
    _W = _plain(model_dd.W).detach().cpu().double()
    _x = _plain(data_dd).detach().cpu().double()
    _sizes = [int(_s) for _s in _plain(n_points_dd).cpu().tolist()]
    _rep = int(_plain(DD_REPEATS))
    _k, _, _nf = _W.shape
    def _top_dim(vecs, count):
        best = []
        for k in range(vecs.shape[0]):
            use = vecs[k, :count[k]]
            size = _vn(use, dim=-1)
            unit = use / size.clamp(min=1e-8)[:, None]
            best.append(float((size ** 2 / ((unit @ use.T) ** 2).sum(-1).clamp(min=1e-8)).max()))
        return torch.tensor(best, dtype=torch.float64).view(-1, _rep).mean(-1)
    _fmax = _top_dim(_W.transpose(1, 2), [_nf] * _k)
    _pmax = _top_dim(_ein("khf,tkf->kth", _W, _x), _sizes)
    def _stores(i):
        return "data_points" if float(_pmax[i]) > float(_fmax[i]) else "features"
    for _name, _ans in (("dd_small_T_stores", _small), ("dd_large_T_stores", _large)):
        _at(type(_ans) is str and _ans in ("data_points", "features"), f'{_name} should be "data_points" or "features"')
    _at(_small == _stores(0), "dd_small_T_stores: that is not what the trained model stores at the smallest dataset; "
        "compare the largest dimensionality of a feature and of a data point there")
    _at(_large == _stores(-1), "dd_large_T_stores: that is not what the trained model stores at the largest dataset")
    _peak = _plain(dd_peak_T)
    _Ts = sorted(set(_sizes))
    _at(type(_peak) is int and _peak in _Ts, "dd_peak_T should be one of DD_T_VALUES")
    _prob = _plain(model_dd.feature_probability).detach().cpu().float()
    _b = _plain(model_dd.b_final).detach().cpu().double()
    _gen = torch.Generator().manual_seed(1415)
    _new = (_rand(4000, *_prob.shape, generator=_gen) * (_rand(4000, *_prob.shape, generator=_gen) < _prob)).double()
    _new = _new / _vn(_new, dim=-1, keepdim=True).clamp(min=1e-8)
    _rec = _relu(_ein("khf,tkh->tkf", _W, _ein("khf,tkf->tkh", _W, _new)) + _b)
    _curve = ((_rec - _new) ** 2).mean(dim=(0, 2)).view(-1, _rep).mean(-1)
    _at(float(_curve[_Ts.index(_peak)]) >= 0.8 * float(_curve.max()),
        "dd_peak_T: the test loss of model_dd is clearly higher at another dataset size; read the printed test losses "
        "(the peak lies between memorising and storing features)")

globals().pop("_t")()
### END HIDDEN TESTS

# %% [markdown]
# What the curves show, and why:
# * **Small datasets: the model stores the data points.** With a handful of points, each made of several features
#   that turn up nowhere else, the cheapest way to reconstruct the training set is to give each *point* its own arrow
#   in the plane (three points make a triangle, five a pentagon, just as features did in 0.5a). The hidden vectors of
#   the training points are then well separated (large dimensionality), while each feature is only a small piece of
#   one point's arrow, sharing that direction with the other features of the point (small dimensionality). The
#   training loss is low, but nothing about the features was learned: on fresh points the model is no better than
#   one that outputs nearly nothing.
# * **Large datasets: the model stores features.** When every feature turns up in many points, memorising stops
#   fitting in two dimensions, and the features themselves get the arrows (a few of them, in superposition, as in
#   Part 2); the hidden vectors of the many training points now pile up on those few directions (tiny dimensionality
#   each). What was learned carries over to fresh points, and test loss and training loss meet.
# * **In between: the peak.** Too many points to give each its own arrow, too few for the features to show: the model
#   crams the training points into the plane as well as it can, and what it does on a fresh point can be worse than
#   either extreme. This is the test-loss peak of double descent, here in the size of the dataset; the paper links
#   it to the switch from memorising data points to storing features, which the two dimensionality curves show on
#   the same axis.
#
# What was measured for this notebook, so you know what to expect. The full profile's setting (200 features,
# $p = 0.025$, 3,000 steps) was run once with one instance per size (seed 0, $T$ from 3 to 1,300): the test loss
# (×1000) was about 5 at $T \le 5$, rose to about 74 at $T = 100$ and fell back to 4.8 at $T \ge 280$; the largest data-point
# dimensionality beat the largest feature dimensionality at $T = 3$ (0.87 against 0.43) and lost at $T = 1300$
# (0.03 against 0.37). That single run was noisy (T = 8 already jumped to 27), so the peak's position is rough. The
# notebook's full profile stops at $T = 770$ and trains 2,000 steps, to keep the sweep near five minutes on one
# thread; its own run (seed 12) passed the graded shape and peak checks. For the
# CI profile (50 features, $p = 0.1$, 1,500 steps, $T \le 400$) the sweep was repeated on 20 independent instances
# per size (one batched run, seed 0, each instance with its own data and initialisation, exactly as in the cell above)
# and the instances were grouped in pairs like the notebook's two repeats: all 10 of 10 groups showed the peak the
# graded test asks for (interior maximum 1.3 to 11 times the larger end, at $T$ = 12, 25 or 50), and so did 20 of 20
# single instances (18 of 20 by more than 25%). The mean test loss (×1000) over the 20 was 20.4, 19.6, 31.2, 62.2,
# 22.7, 17.4, 17.1, 17.0 at $T$ = 3, 6, 12, 25, 50, 100, 200, 400: the peak is large on average but noisy (at $T = 25$ the
# spread between instances is as large as the mean), because a few instances do very badly on fresh points. This
# notebook's own CI run (seed 12, two repeats) peaked at $T = 25$ (45.7 against 21.3 at $T = 3$ and 17.0 at $T = 400$).
# An earlier standalone run with one repeat (seed 0) had reported no peak; ten separately seeded runs of the cell
# were not affordable on the shared machine, so the 10-of-10 figure comes from the grouped instances. The crossing of
# the two dimensionality curves held in every instance (largest D of a data point against that of a feature: 0.78
# against 0.33 at $T = 3$, 0.04 against 0.39 at $T = 400$ on average).

# %% [markdown]
# ## Summary
#
# * A model with fewer dimensions than features stores sparse features in **superposition**: more directions than
#   dimensions, arranged to limit interference (antipodal pairs, pentagons, ...). Dense features are not
#   superposed: the model keeps the most important ones and drops the rest.
# * Dimensionality per feature measures how much of a dimension each feature gets; it moves through a few
#   preferred values as sparsity grows. Correlated and anticorrelated features change which arrangements win.
# * With a ReLU on the hidden layer the basis is privileged, and neurons still become polysemantic as features get
#   sparser. Networks can also **compute** in superposition: on sparse inputs a few ReLU neurons give the absolute
#   value of more features than one neuron per sign would allow.
# * On a finite dataset a small model can store the **data points** instead of the features; it switches to features
#   as the dataset grows, and the test loss peaks in between (double descent in the dataset size).
#
# Next: `00b_toy_saes`, sparse autoencoders that try to recover these features from the activations alone.
