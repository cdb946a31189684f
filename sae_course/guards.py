"""Guards that hidden tests put around a student's call: did the call change what it was handed?

A function that reads a model's or an SAE's weights (or an input tensor) must not change them. An in-place
edit (``W = sae.W_dec.detach(); W /= W.norm(...)``) can give the right numbers and still leave the model
broken for everything that runs afterwards, so hidden tests take a snapshot before the call, compare after it,
and put the original values back either way (so one wrong answer does not spoil the cells that follow).

This module holds no answer to any exercise.
"""

from __future__ import annotations

import torch

__all__ = ["snapshot", "restore"]


def _tensors(obj) -> list:
    if isinstance(obj, torch.nn.Module):
        return [t for t in list(obj.parameters()) + list(obj.buffers())]
    if isinstance(obj, torch.Tensor):
        return [obj]
    if isinstance(obj, dict):
        return [t for v in obj.values() for t in _tensors(v)]
    if isinstance(obj, (list, tuple)):
        return [t for v in obj for t in _tensors(v)]
    return []


def snapshot(*objs) -> list:
    """Copies of every tensor (parameters and buffers of modules) in ``objs``: a list of (tensor, copy)."""
    with torch.no_grad():
        return [(t, t.detach().clone()) for t in _tensors(list(objs))]


def restore(snap: list) -> bool:
    """Put every tensor of ``snap`` back to its copied value; True when any of them had changed."""
    changed = False
    with torch.no_grad():
        for t, copy in snap:
            now = t.detach()
            if now.shape != copy.shape or now.dtype != copy.dtype or not torch.equal(now, copy):
                changed = True
                if now.shape == copy.shape and now.dtype == copy.dtype:
                    now.copy_(copy)
    return changed
