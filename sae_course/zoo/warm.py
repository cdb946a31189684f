"""Objects loaded once by a grading template and handed, one each, to the kernels forked from it.

A section's setup cell loads the course model, SAEs and token windows before the student's first
answer; a grader that forks every student's kernel from a warm template (``sae_course.grading.
warm_kernel``) can load them once, in the template, and each forked kernel gets its own
copy-on-write copy: what one student's code does to its model changes its own kernel only.

The loaders (:func:`~sae_course.zoo.loader.load_model`, :func:`~sae_course.zoo.loader.load_sae`,
:func:`~sae_course.zoo.data.zoo_tokens`) ask :func:`take` first. A call gets a preloaded object
only when it is exactly what a fresh load would give:

* same function, same arguments (after the mode is resolved), on the CPU;
* **once**: the first matching call in a kernel takes the object; a second identical call (a
  hidden test reloading a pristine model, say) loads from disk as before, so no two calls share
  an object;
* **same random state**: building ``HookedTransformer`` draws from torch's generator before the
  weights are loaded. A preloaded entry remembers the generator's state before and after the
  load it stands for; it is handed out only when the kernel's generator is in that "before"
  state, and leaves it in the "after" state, so every later draw is what a fresh load gives.

Outside a warm template nothing is preloaded and :func:`take` costs one dict look-up.

How the template knows what to load: :func:`record` runs a setup cell's code (in a throwaway
forked child of the template) and lists the loader calls it made, with the generator's state at
each; :func:`fill` makes those calls in the template itself. Both are used by
``warm_kernel._Template``; nothing here runs student code.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from typing import Any, Callable

# fn name -> builder(args) -> value; registered by the loaders (loader.py, data.py)
BUILDERS: dict[str, Callable[[dict], Any]] = {}


@dataclass
class _Entry:
    value: Any
    rng_in: Any  # torch ByteTensor, or None: the load did not draw from torch's generator
    rng_out: Any


_PRELOADED: dict[str, list[_Entry]] = {}
_RECORDING: list[dict] | None = None
_FILLING = False


def _key(fn: str, args: dict) -> str:
    return json.dumps([fn, args], sort_keys=True)


def cpu_device(device) -> str | None:
    """``"cpu"`` or ``None`` (no device given) when a load on ``device`` may be preloaded; else ``""``."""
    if device is None:
        return None
    return "cpu" if str(device) == "cpu" else ""


def take(fn: str, args: dict):
    """The preloaded value for this call, or ``None`` (then the caller loads as usual).

    ``args``: JSON-able arguments that fully determine the value (the caller has resolved the mode).
    """
    if _FILLING or args.get("device", None) == "":
        return None
    if _RECORDING is not None:
        import torch

        _RECORDING.append({"fn": fn, "args": args,
                           "rng_in": base64.b64encode(torch.get_rng_state().numpy().tobytes()).decode()})
        return None
    entries = _PRELOADED.get(_key(fn, args))
    if not entries:
        return None
    import torch

    state = torch.get_rng_state()
    for i, e in enumerate(entries):
        if e.rng_in is None or torch.equal(state, e.rng_in):
            del entries[i]
            if e.rng_out is not None:
                torch.set_rng_state(e.rng_out)
            return e.value
    return None


def record(code: str) -> list[dict]:
    """Run ``code`` (a section's setup cell) in a fresh namespace; the loader calls it made.

    Meant for a throwaway process: the code changes global state (seeds, warnings, environment).
    Runs statement by statement: one that fails (a file only a student's working copy has, say)
    is skipped, and the rest still tells what to preload.
    """
    import ast

    global _RECORDING
    _RECORDING = []
    namespace = {"__name__": "__main__"}
    try:
        for node in ast.parse(code).body:
            try:
                exec(compile(ast.Module([node], []), "<setup cell>", "exec"), namespace)
            except Exception as e:  # noqa: BLE001
                print(f"[warm] setup cell line {node.lineno}: {type(e).__name__}: {e}", flush=True)
    finally:
        calls, _RECORDING = _RECORDING, None
    return calls


def fill(calls: list[dict]) -> list[str]:
    """Make ``calls`` (from :func:`record`) here and keep their values for :func:`take`.

    Leaves this process as it found it: torch's generator, its thread count and the environment
    are restored (a forked kernel must start as a fresh interpreter would). Loads run on one
    thread, so the template never starts a thread pool (OpenMP, tokenizers) that a forked child
    would inherit half-made. Returns a line per call (what was preloaded, or why not).
    """
    global _FILLING
    import torch

    from . import data, loader  # noqa: F401  (they register the builders)

    done = []
    rng0, threads0, env0 = torch.get_rng_state(), torch.get_num_threads(), dict(os.environ)
    _FILLING = True
    torch.set_num_threads(1)
    # Nor a tokenizers (rayon) pool: a kernel forked after it was used warns on stderr.
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    try:
        for c in calls:
            builder = BUILDERS.get(c["fn"])
            if builder is None:
                continue
            rng_in = torch.frombuffer(bytearray(base64.b64decode(c["rng_in"])), dtype=torch.uint8)
            torch.set_rng_state(rng_in)
            try:
                value = builder(c["args"])
            except Exception as e:  # noqa: BLE001 - the kernel will load it itself
                done.append(f"{c['fn']}({c['args']}): not preloaded ({type(e).__name__}: {e})")
                continue
            rng_out = torch.get_rng_state()
            moved = not torch.equal(rng_in, rng_out)
            _PRELOADED.setdefault(_key(c["fn"], c["args"]), []).append(
                _Entry(value, rng_in.clone() if moved else None, rng_out if moved else None))
            done.append(f"{c['fn']}({c['args']})")
    finally:
        _FILLING = False
        torch.set_rng_state(rng0)
        torch.set_num_threads(threads0)
        os.environ.clear()
        os.environ.update(env0)
    return done


def preloaded() -> dict[str, int]:
    """How many preloaded values are left per call (for tests and diagnostics)."""
    return {k: len(v) for k, v in _PRELOADED.items() if v}
