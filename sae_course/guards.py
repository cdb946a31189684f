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


# ------------------------------------------------------------------------------------------------
# Frame watch (issue 19, class 3): the grader's audit hook in the student's kernel
# ------------------------------------------------------------------------------------------------

# Audit events that hand out frames (and so every running test's locals, through ``f_back``) or
# every live object: recorded when notebook code asked for them, directly or through the one
# library function it called (``inspect.currentframe``, ``inspect.stack``, ``traceback.walk_stack``).
FRAME_EVENTS = frozenset({"sys._getframe", "sys._current_frames", "sys.settrace", "sys.setprofile",
                          "gc.get_objects", "gc.get_referrers", "gc.get_referents"})
FRAME_ATTRS = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame"})
# Events recorded only when notebook code itself triggered them (libraries do these all the time):
# reading a function's code (a test's nested reference helper is a constant of its code), making
# code objects (``code.replace(co_filename=<a library file>)``), running or compiling code from a string.
DIRECT_EVENTS = frozenset({"code.__new__", "exec", "compile"})
DIRECT_ATTRS = frozenset({"__code__"})
# Library functions that take a frame from notebook code and keep it to themselves.
CONSUMERS = frozenset({("collections", "namedtuple")})
EVENT = "sae-course.frame-watch"


def _trusted_roots() -> tuple:
    import os
    import sys
    import sysconfig

    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.abspath(__file__))}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        try:
            roots.add(sysconfig.get_paths()[key])
        except KeyError:
            pass
    real = {os.path.realpath(r) for r in roots if r}
    return tuple(sorted({r.rstrip(os.sep) + os.sep for r in roots | real if r and r != os.sep})) + ("<frozen ",)


def watch_frames(nonce: str) -> None:
    """Install, once per kernel, an audit hook that records frame and object introspection by notebook code.

    Called by the grader's first integrity probe, before any student code runs. Audit hooks cannot be
    removed, and this one keeps its state in its own closure (no module attribute a student could
    reach). Code counts as *notebook code* unless its file lies in the interpreter's or the course
    package's directories; the grader's probe cells identify themselves (``EVENT`` with the run's
    nonce) and are exempt. Each probe then asks for what was recorded since the last one
    (``sys.audit(EVENT, nonce, "report", a_list)``) and puts it in its report; any record is
    tampering (docs/grading_security.md, class 3). The hook looks at one or two frames per watched
    event and returns at once for every other event.
    """
    import sys
    from _thread import get_ident

    box: list = []
    sys.audit(EVENT, nonce, "ping", box)
    if box:
        return
    roots = _trusted_roots()
    getframe = sys._getframe
    found: list = []  # (number, what): never cleared, so nothing can drain it before a probe reads it
    probes: set = set()
    busy: set = set()
    trusted_cache: dict = {}

    def trusted(code) -> bool:
        fn = code.co_filename
        t = trusted_cache.get(fn)
        if t is None:
            t = trusted_cache[fn] = fn.startswith(roots)
        return t

    def outer(f):
        while f is not None and trusted(f.f_code):
            f = f.f_back
        return f

    # The caller is the grader's first probe (no student code has run yet): its opcodes and names are
    # every probe's (only constants differ), so a student's cell cannot pass for a probe.
    def shape(code) -> tuple:  # opcodes and names (the constants' indices differ from probe to probe)
        return code.co_code[::2], code.co_names, code.co_varnames

    first = outer(getframe(1))
    probe_code = shape(first.f_code) if first is not None else None
    if first is not None:
        probes.add(first.f_code.co_filename)

    def notebook(frame) -> bool:
        return frame is not None and not trusted(frame.f_code) and frame.f_code.co_filename not in probes

    def name_of(frame) -> str:
        c = frame.f_code
        return f"{c.co_name} ({c.co_filename.rsplit('/', 1)[-1]}:{frame.f_lineno})"

    def record(what: str) -> None:
        if len(found) < 200:
            found.append((len(found), what))

    def hook(event, args):
        if event == EVENT:
            tid = get_ident()
            busy.add(tid)
            try:
                f = outer(getframe(1))
                if (f is not None and shape(f.f_code) == probe_code and len(args) == 3
                        and args[0] == nonce and args[1] in ("ping", "report") and type(args[2]) is list):
                    probes.add(f.f_code.co_filename)
                    list.extend(args[2], [list(x) for x in found] if args[1] == "report" else [True])
                else:
                    record(f"the grader's frame watch called from {name_of(f) if f is not None else '?'}")
            finally:
                busy.discard(tid)
            return
        if event == "object.__getattr__":
            attr = args[1] if len(args) > 1 else None
            if attr in FRAME_ATTRS:
                kind = "frame"
            elif attr in DIRECT_ATTRS:
                kind = "direct"
            else:
                return
            what = "." + str(attr)
        elif event in FRAME_EVENTS:
            kind, what = "frame", event
        elif event in DIRECT_EVENTS:
            kind, what = "direct", event
        else:
            return
        tid = get_ident()
        if tid in busy:
            return
        busy.add(tid)
        try:
            r = getframe(1)  # the frame whose code triggered the event (the hook is called from C)
            if notebook(r):
                record(f"{what} in {name_of(r)}")
            elif kind == "frame" and r is not None:
                c = r.f_back
                mod = r.f_globals.get("__name__", "")
                if notebook(c) and (mod, r.f_code.co_name) not in CONSUMERS:
                    record(f"{what} through {mod}.{r.f_code.co_name} in {name_of(c)}")
        except Exception:  # noqa: BLE001  (the hook must never break the code it watches)
            pass
        finally:
            busy.discard(tid)

    sys.addaudithook(hook)
