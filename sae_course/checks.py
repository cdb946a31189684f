"""Comparisons that visible and hidden tests call.

Each check raises ``AssertionError`` with a message that tells a student *what* is wrong
(which output, which case, shape or values) without printing the reference answer.

The torch functions used here are bound when this module is imported (in a locked setup
cell, before any student code runs), so a student who later replaces ``torch.allclose``
and friends does not change the verdict.
"""

from __future__ import annotations

import math

import torch

# Bound at import: see the module docstring.
_isclose = torch.isclose
_isfinite = torch.isfinite
_as_tensor = torch.as_tensor
_Tensor = torch.Tensor
_float64 = torch.float64


class CheckFailed(AssertionError):
    """A test's verdict, with a message written for the student."""


def _fail(msg: str) -> None:
    raise CheckFailed(msg)


def _to_tensor(x, what: str) -> torch.Tensor:
    if isinstance(x, _Tensor):
        return x
    try:
        return _as_tensor(x)
    except Exception:
        _fail(f"{what}: expected a tensor (or something convertible to one), got {type(x).__name__}")


def assert_shape(actual, shape, what: str = "output") -> None:
    """``actual`` is a tensor of exactly ``shape``."""
    t = _to_tensor(actual, what)
    if tuple(t.shape) != tuple(shape):
        _fail(f"{what}: expected shape {tuple(shape)}, got {tuple(t.shape)}")


def assert_close(actual, expected, what: str = "output", *, atol: float = 1e-5, rtol: float = 1e-4) -> None:
    """``actual`` matches ``expected`` in shape and values (within ``atol + rtol * |expected|``).

    The failure message names ``what``, the shapes, how many entries differ and, in coarse bands, how far
    off they are; it never prints the expected values, nor an exact error (which, with the student's own
    value, would give the expected one away).
    """
    a = _to_tensor(actual, what)
    e = _to_tensor(expected, what)
    if tuple(a.shape) != tuple(e.shape):
        _fail(f"{what}: expected shape {tuple(e.shape)}, got {tuple(a.shape)}")
    a64 = a.detach().to("cpu", _float64)
    e64 = e.detach().to("cpu", _float64)
    if not bool(_isfinite(a64).all()) and bool(_isfinite(e64).all()):
        _fail(f"{what}: contains NaN or inf values")
    ok = _isclose(a64, e64, rtol=rtol, atol=atol, equal_nan=True)
    if not bool(ok.all()):
        n_bad = int((~ok).sum())
        rel = float(((a64 - e64).abs() / (e64.abs() + atol)).nan_to_num(math.inf).max())
        _fail(f"{what}: {n_bad} of {ok.numel()} values are wrong ({_how_far(rel)})")


def _detached(x):
    # float() on a tensor that requires grad warns on stderr, and nbgrader scores a cell with stderr 0.
    return x.detach() if hasattr(x, "detach") else x


def _how_far(rel: float) -> str:
    """How far off a value is, in coarse bands of relative error (never the exact error)."""
    if not math.isfinite(rel):
        return "some are NaN or infinite"
    if rel < 0.01:
        return "close: off by less than 1%, but outside the tolerance"
    if rel < 0.1:
        return "off by 1% to 10%"
    if rel < 1:
        return "off by 10% to 100%"
    return "off by more than 100%: check the formula, the sign or the scale"


def assert_scalar_close(actual, expected, what: str = "value", *, atol: float = 1e-5, rtol: float = 1e-4) -> None:
    """A number (Python float or 0-d / 1-element tensor) matches the reference."""
    try:
        a = float(_detached(actual))
    except Exception:
        _fail(f"{what}: expected a number, got {type(actual).__name__}")
    e = float(_detached(expected))
    if not math.isfinite(a) and math.isfinite(e):
        _fail(f"{what}: got {a}, which is not a finite number")
    if abs(a - e) > atol + rtol * abs(e):
        _fail(f"{what}: the value is off ({_how_far(abs(a - e) / (abs(e) + atol))})")


def assert_true(condition, message: str) -> None:
    """A plain assertion whose message is meant for the student."""
    if not bool(condition):
        _fail(message)


def assert_same_set(actual, expected, what: str = "result") -> None:
    """Two collections hold the same elements (order ignored)."""
    a, e = set(map(_plain, actual)), set(map(_plain, expected))
    if a != e:
        _fail(f"{what}: {len(a ^ e)} element(s) differ from the expected set (you gave {len(a)})")


def _plain(x):
    return x.item() if isinstance(x, _Tensor) else x
