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

    The failure message names ``what``, the shapes, and how many entries differ; it never prints
    the expected values.
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
        worst = float((a64 - e64).abs().nan_to_num(math.inf).max())
        _fail(
            f"{what}: {n_bad} of {ok.numel()} values are wrong "
            f"(largest absolute error {worst:.3g}, tolerance {atol:g} + {rtol:g}·|expected|)"
        )


def _detached(x):
    # float() on a tensor that requires grad warns on stderr, and nbgrader scores a cell with stderr 0.
    return x.detach() if hasattr(x, "detach") else x


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
        _fail(f"{what}: the value is off (error {abs(a - e):.3g}, tolerance {atol:g} + {rtol:g}·|expected|)")


def assert_true(condition, message: str) -> None:
    """A plain assertion whose message is meant for the student."""
    if not bool(condition):
        _fail(message)


def assert_same_set(actual, expected, what: str = "result") -> None:
    """Two collections hold the same elements (order ignored)."""
    a, e = set(map(_plain, actual)), set(map(_plain, expected))
    if a != e:
        _fail(f"{what}: {len(a ^ e)} element(s) differ from the expected set (got {len(a)}, expected {len(e)})")


def _plain(x):
    return x.item() if isinstance(x, _Tensor) else x
