"""Comparisons that visible and hidden tests call.

Each check raises ``AssertionError`` with a message that tells a student *what* is wrong
(which output, which case, shape or values) without printing the reference answer.

The torch functions used here are bound when this module is imported (in a locked setup
cell, before any student code runs), so a student who later replaces ``torch.allclose``
and friends does not change the verdict; the functions read a sealed copy of this module's
globals and of the builtins (``_seal``), so replacing ``checks._isclose`` or ``builtins.float``
while a test runs changes nothing either. Everything a check reads from student code goes
through ``plain`` first (tensor subclasses and ``__torch_function__`` stripped with subclass
dispatch off; objects that are not tensors, numbers or lists of them refused), so a returned
object cannot answer a comparison itself. Hidden tests should bind the checks they use at the
top of the cell (``_ac = _chk.assert_close``) and pass student results through ``_chk.plain``
before computing anything from them themselves.
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
# Tensor methods the verdicts use, called as functions (a student cannot swap them on the class).
_t_all = torch.Tensor.all
_t_bool = torch.Tensor.__bool__
_t_item = torch.Tensor.item
_t_detach = torch.Tensor.detach
_t_to = torch.Tensor.to
_t_clone = torch.Tensor.clone
_t_numel = torch.Tensor.numel
_t_as_subclass = torch.Tensor.as_subclass
_no_torch_function = torch._C.DisableTorchFunctionSubclass
_stack = torch.stack
_PLAIN_NUMBERS = (bool, int, float)
_PLAIN_SEQUENCES = (list, tuple)
_DICT_KEYS, _DICT_VALUES = type({}.keys()), type({}.values())


class CheckFailed(AssertionError):
    """A test's verdict, with a message written for the student."""


def _fail(msg: str) -> None:
    raise CheckFailed(msg)


def _numpy_plain(x):
    """A plain tensor from a NumPy array or scalar of NumPy's own types (subclasses refused), else None."""
    import sys

    np = sys.modules.get("numpy")
    if np is None:
        return None
    if type(x) is np.ndarray:
        return _t_clone(_as_tensor(np.array(x, copy=True)))
    if type(x) in _NUMPY_SCALARS(np):
        return _as_tensor(x.item())
    return None


def _NUMPY_SCALARS(np):
    return {np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8, np.bool_}


def plain(x, what: str = "output"):
    """Plain data from whatever student code returned, before any comparison, conversion or print.

    - a tensor (a subclass included: ``nn.Parameter``, or a class with its own ``__torch_function__``)
      becomes a plain, detached copy built with subclass dispatch off, so no method of the
      student's class runs;
    - Python ``bool`` / ``int`` / ``float`` stay as they are (exact types only: a subclass with its
      own ``__float__`` or ``__eq__`` is refused), ``str`` becomes an exact ``str``;
    - NumPy arrays and scalars (exact types) become plain tensors;
    - lists and tuples (subclasses read with the base type's iterator) of the above become lists /
      tuples of plain data;
    - anything else is refused with a message naming its type.
    """
    t = type(x)
    if t is _Tensor or issubclass(t, _Tensor):
        with _no_torch_function():
            return _t_detach(x if t is _Tensor else _t_as_subclass(x, _Tensor))
    if t in _PLAIN_NUMBERS:
        return x
    if t is str or issubclass(t, str):
        return str.__getitem__(x, slice(None))
    if issubclass(t, list):  # (read with list's own iterator: a subclass's overrides never run)
        return [plain(v, what) for v in list.__iter__(x)]
    if issubclass(t, tuple):  # (torch.Size, named tuples, torch.return_types)
        return tuple(plain(v, what) for v in tuple.__iter__(x))
    got = _numpy_plain(x)
    if got is not None:
        return got
    if x is None:
        return None
    _fail(f"{what}: expected a tensor, a number or a list of numbers, got an object of type {t.__name__}")


def _to_tensor(x, what: str) -> torch.Tensor:
    x = plain(x, what)
    if type(x) is _Tensor:
        return x
    if type(x) in _PLAIN_SEQUENCES and any(type(v) is _Tensor for v in x):
        if not all(type(v) is _Tensor for v in x):
            _fail(f"{what}: expected a tensor, got a list mixing tensors and other values")
        try:
            return _stack(list(x))
        except Exception:
            _fail(f"{what}: expected a tensor, got a list of tensors of different shapes")
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
    a64 = _t_to(_t_detach(a), "cpu", _float64)
    e64 = _t_to(_t_detach(e), "cpu", _float64)
    if not _t_bool(_t_all(_isfinite(a64))) and _t_bool(_t_all(_isfinite(e64))):
        _fail(f"{what}: contains NaN or inf values")
    ok = _isclose(a64, e64, rtol=rtol, atol=atol, equal_nan=True)
    if not _t_bool(_t_all(ok)):
        n_bad = int((~ok).sum())
        rel = float(((a64 - e64).abs() / (e64.abs() + atol)).nan_to_num(math.inf).max())
        _fail(f"{what}: {n_bad} of {ok.numel()} values are wrong ({_how_far(rel)})")


def _number(x) -> float:
    """A Python float from plain data: a number, or a one-element plain tensor (detached first:
    float() on a tensor that requires grad warns on stderr, and nbgrader scores that cell 0)."""
    if type(x) in _PLAIN_NUMBERS:
        return float(x)
    if type(x) is _Tensor and _t_numel(x) == 1:
        return float(_t_item(_t_detach(x)))
    raise TypeError(type(x).__name__)


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
        a = _number(plain(actual, what))
    except CheckFailed:
        raise
    except Exception:
        _fail(f"{what}: expected a number, got {type(actual).__name__}")
    e = _number(plain(expected, what))
    if not math.isfinite(a) and math.isfinite(e):
        _fail(f"{what}: got {a}, which is not a finite number")
    if abs(a - e) > atol + rtol * abs(e):
        _fail(f"{what}: the value is off ({_how_far(abs(a - e) / (abs(e) + atol))})")


def assert_true(condition, message: str) -> None:
    """A plain assertion whose message is meant for the student.

    ``condition`` must be plain data (a bool, a number, a one-element plain tensor, a list...):
    an object of the student's own class (which could answer ``bool()`` as it likes) fails."""
    c = plain(condition, "the test's condition")
    if type(c) is _Tensor:
        ok = _t_numel(c) == 1 and _t_bool(c)
    else:
        ok = bool(c)
    if not ok:
        _fail(message)


def assert_same_set(actual, expected, what: str = "result") -> None:
    """Two collections hold the same elements (order ignored)."""
    a, e = set(map(_plain, plain(_as_list(actual, what), what))), set(map(_plain, plain(_as_list(expected, what), what)))
    if a != e:
        _fail(f"{what}: {len(a ^ e)} element(s) differ from the expected set (you gave {len(a)})")


def _plain(x):
    return _t_item(x) if type(x) is _Tensor else x


def _as_list(x, what: str):
    """A list from a plain collection (a set, list, tuple, dict keys or a 1-d tensor)."""
    t = type(x)
    if t in (set, frozenset, list, tuple, range, _DICT_KEYS, _DICT_VALUES):  # builtin views: no student method runs
        return list(x)
    if t is dict:
        return list(dict.keys(x))
    if t is _Tensor or issubclass(t, _Tensor):
        p = plain(x, what)
        return [v for v in p] if p.dim() else [p]
    _fail(f"{what}: expected a collection (list, set, tuple or tensor), got an object of type {t.__name__}")


def _seal() -> None:
    """Give every function here a private copy of this module's globals and of the builtins.

    A student who replaces ``checks._isclose``, ``builtins.float`` or ``torch.isclose`` *while a test
    runs* (and puts it back before the grader's integrity probes look) changes nothing: the
    functions read the copies taken at import, in the locked setup cell, before any student code.
    """
    import builtins
    import types

    g = globals()
    sealed = dict(g)
    sealed["__builtins__"] = dict(vars(builtins))
    for name, obj in list(g.items()):
        if isinstance(obj, types.FunctionType) and obj.__module__ == __name__:
            f = types.FunctionType(obj.__code__, sealed, obj.__name__, obj.__defaults__, obj.__closure__)
            f.__kwdefaults__ = dict(obj.__kwdefaults__) if obj.__kwdefaults__ else None
            f.__doc__, f.__qualname__, f.__module__ = obj.__doc__, obj.__qualname__, obj.__module__
            sealed[name] = f
            g[name] = f


_seal()
del _seal
