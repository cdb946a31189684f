"""Execute pass: a run-time check that the student's code left the test machinery alone.

The static scan (``tamper_scan.py``) reads code; this check watches what the code *did*. Before
the kernel runs, ``IntegrityInject`` puts hidden probe cells into the notebook: one at the top and
one on each side of every course cell (setup, visible test, graded test). Each probe fingerprints

- the functions the tests compare with: ``torch.allclose / isclose / equal``, ``torch.testing``,
  ``torch.Tensor`` comparison methods, ``numpy.allclose``, all of ``numpy.testing``, ``math``,
  ``operator``, every global of ``sae_course.checks``, every builtin (``float``, ``abs``,
  ``isinstance``, ``AssertionError``, ...), and the modules in ``sys.modules`` themselves;
- the hooks that decide what a cell's outcome looks like: ``sys.excepthook``, ``displayhook``,
  ``stdout``/``stderr``, trace and profile functions, import hooks, IPython's input and AST
  transformers, event callbacks, custom exception handlers and overridden shell methods;
- every name the course's cells import or define (``assert_close``, ``torch``, helpers);

and reports them as a display output under a private MIME type, with a random per-run nonce.
A function's fingerprint covers its identity, code object, defaults and globals, so swapping
``__code__`` or ``__kwdefaults__`` shows too. The first probe imports ``torch``, ``numpy`` and
``sae_course.checks`` before any student code, so even a module patched before the course imports
it is seen.

After the kernel has run, ``IntegrityVerify`` reads the reports and removes every probe cell
(the student's feedback never shows them). Between two consecutive probes only student code ran
(or a course cell calling student code), so any fingerprint that changed, vanished, or a probe
that ran but could not report, means the student's code changed the test machinery: every graded
cell scores 0, the notebook is marked for review, and the student is told what changed after
which cell. Names a course cell itself binds are exempt across that cell. Probes that never ran
(the kernel died and the cell was skipped) are ignored.

This is a check inside the student's own process: a determined attacker who reads the probe's
source at run time could forge its report. It is one layer; the static scan and the sandbox
are the others (docs/grading_security.md).
"""

from __future__ import annotations

import json
import secrets

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List, Unicode

from . import cells as cellroles
from . import issues, pyparse
from .execute_guard import UNFINISHED
from .tamper_scan import bound_names, cell_bindings, to_python, top_level_statements

MIME = "application/vnd.sae-course.integrity+json"
META = "sae_injected"
# Error names the execution engines give cells they did not run (the kernel had died, or the
# notebook ran out of time): GuardedExecute, the parallel engine's SandboxedExecute.
NOT_RUN = UNFINISHED

# What the probes fingerprint. "*" = every public global of the module.
DEFAULT_TARGETS = {
    "builtins": "*",
    "sae_course.checks": "*",
    "numpy.testing": "*",
    "torch": ["allclose", "isclose", "equal", "eq", "ne", "all", "any", "abs", "max", "min", "sum", "mean",
              "isfinite", "isnan", "isinf", "as_tensor", "tensor", "is_tensor", "norm", "where", "Tensor",
              "Size", "testing", "float32", "float64"],  # (not manual_seed: torch._dynamo rewraps it on import)
    "torch.testing": ["assert_close", "assert_allclose"],
    "torch.Tensor": ["__eq__", "__ne__", "__bool__", "__float__", "__int__", "__len__", "__lt__", "__le__",
                     "__gt__", "__ge__", "__abs__", "__sub__", "__getattribute__", "allclose", "isclose", "equal",
                     "eq", "ne", "all", "any", "item", "abs", "max", "sum", "float", "double", "to", "detach",
                     "cpu", "tolist", "numel", "size", "dim", "shape", "sub", "isfinite", "nan_to_num"],
    "numpy": ["allclose", "isclose", "array_equal", "array_equiv", "all", "any", "abs", "asarray", "array",
              "isfinite", "ndarray", "testing", "float64"],
    "numpy.ndarray": ["__eq__", "__ne__", "__bool__", "__float__", "all", "any", "tolist", "item"],
    "math": ["isclose", "isfinite", "isnan", "isinf", "fabs"],
    "operator": ["eq", "ne", "lt", "le", "gt", "ge", "truth", "not_"],
}
# Builtins the kernel itself swaps on every execution (stdin forwarding).
UNSTABLE_BUILTINS = ["input", "raw_input", "getpass"]

# How the probes fingerprint *what* a function is (not where it lives in memory), so that the
# grader can compute the same fingerprints in its own process, where no student code ever ran:
# a Python function by its module, name, bytecode, constants, names and closure; a C function by
# its module and name; a class by its module, name and MRO; a module by its name.
CODE_FP = r'''
def __sae_code_fp(o, _seen=None):
    import hashlib, types
    def h(*parts):
        return hashlib.sha1(repr(parts).encode()).hexdigest()[:12]
    def code(c):
        return h(c.co_code, tuple(code(k) if isinstance(k, types.CodeType) else repr(k) for k in c.co_consts),
                 c.co_names, c.co_varnames, c.co_freevars)
    def plain(v):
        return type(v) in (int, float, str, bool, bytes, type(None))
    try:
        if isinstance(o, types.MethodType):
            return h("method", __sae_code_fp(o.__func__))
        if isinstance(o, types.FunctionType):
            cells = tuple(__sae_code_fp(c.cell_contents) if callable(c.cell_contents) else type(c.cell_contents).__name__
                          for c in (o.__closure__ or ()))
            return h("function", o.__module__, o.__qualname__, code(o.__code__),
                     tuple(repr(d) if plain(d) else type(d).__name__ for d in (o.__defaults__ or ())), cells)
        if isinstance(o, types.ModuleType):
            return h("module", o.__name__)
        if isinstance(o, type):
            return h("type", o.__module__, o.__qualname__, tuple(k.__module__ + "." + k.__qualname__ for k in o.__mro__))
        if isinstance(o, (types.BuiltinFunctionType, types.BuiltinMethodType)):
            return h("builtin", getattr(o, "__module__", None), o.__qualname__, type(getattr(o, "__self__", None)).__name__)
        if isinstance(o, (types.WrapperDescriptorType, types.MethodDescriptorType, types.MethodWrapperType,
                          types.ClassMethodDescriptorType, types.GetSetDescriptorType, types.MemberDescriptorType)):
            return h(type(o).__name__, o.__objclass__.__qualname__, o.__name__)
        return h("object", type(o).__module__, type(o).__qualname__)
    except Exception as e:  # (an object that breaks on inspection is itself a finding)
        return h("broken", type(e).__name__)
'''

PROBE = r'''# (grader) integrity probe
def __sae_integrity_probe():
    import sys as S
    import hashlib as H
    import types as T
    seq, nonce, names, preload, targets, skip = __ARGS__
    frames = []
    if seq == 0:  # before any student code: the frame watch (sae_course.guards.watch_frames)
        try:
            from sae_course.guards import watch_frames
            watch_frames(nonce)
        except Exception:
            pass
    S.audit("__EVENT__", nonce, "report", frames)
    for m in preload:
        if m not in S.modules:
            try:
                __import__(m)
            except Exception:
                pass
    def d(*parts):
        return H.sha1(repr(parts).encode()).hexdigest()[:12]
    def fp(o):
        if isinstance(o, T.MethodType):  # bound methods are made afresh on each access
            return d("method", fp(o.__func__), id(o.__self__))
        parts = [id(o), id(type(o))]
        if isinstance(o, T.FunctionType):
            parts += [id(o.__code__), id(o.__globals__), tuple(map(id, o.__defaults__ or ())),
                      tuple(sorted((k, id(v)) for k, v in (o.__kwdefaults__ or {}).items())),
                      tuple(map(id, o.__closure__ or ()))]
        return d(*parts)
    def static(obj, name):
        if isinstance(obj, type):
            mro = obj.__mro__
        else:
            own = getattr(obj, "__dict__", None)
            if isinstance(own, dict) and name in own:
                return own[name]
            mro = type(obj).__mro__
        for k in mro:
            if name in vars(k):
                return vars(k)[name]
        return None
    out = {}
    for path, attrs in targets.items():
        mod, _, cls = path.partition(":")
        m = S.modules.get(mod)
        if m is None:
            continue
        obj = getattr(m, cls, None) if cls else m
        if obj is None:
            out[path] = "-"
            continue
        space = vars(obj)
        keys = [k for k in space if not (k.startswith("__") and k.endswith("__"))] if attrs == "*" else attrs
        for k in keys:
            if attrs == "*" and mod == "builtins" and (k in skip or k.startswith("_")):
                continue
            v = static(obj, k) if cls else space.get(k, "<missing>")
            out[path + "." + k] = "-" if v == "<missing>" else fp(v)
    for m in sorted(set(preload) | {t.partition(":")[0] for t in targets}):
        if m in S.modules:
            out["sys.modules[" + m + "]"] = fp(S.modules[m])
    for h in ("excepthook", "displayhook", "breakpointhook", "stdout", "stderr"):
        out["sys." + h] = fp(getattr(S, h, None))
    out["sys.gettrace()"] = fp(S.gettrace())
    out["sys.getprofile()"] = fp(S.getprofile())
    def mine(h):  # defined in the notebook itself (libraries may add their own hooks on import)
        for o in (h, getattr(h, "__func__", None), getattr(h, "__self__", None), type(h)):
            try:
                if o is not None and getattr(o, "__module__", None) == "__main__":
                    return True
            except Exception:
                return True
        return False
    def own(hooks):
        return [id(h) for h in hooks if mine(h)]
    out["sys.meta_path"] = d(*own(S.meta_path))
    out["sys.path_hooks"] = d(*own(S.path_hooks))
    ipm = S.modules.get("IPython")
    ip = ipm.get_ipython() if ipm is not None else None
    if ip is not None:
        out["IPython input transformers"] = d(*map(id, list(ip.input_transformers_cleanup) + ["|"] +
                                                  list(ip.input_transformers_post)))
        out["IPython AST transformers"] = d(*map(id, ip.ast_transformers))
        out["IPython custom exception handler"] = d(repr(ip.custom_exceptions), fp(static(ip, "CustomTB")))
        out["IPython event callbacks"] = d(*sorted((k, tuple(own(v))) for k, v in ip.events.callbacks.items()))
        for a in ("run_cell", "run_cell_async", "run_ast_nodes", "run_code", "showtraceback", "_showtraceback",
                  "showsyntaxerror", "transform_cell", "should_run_async", "_run_cell", "ex", "ev"):
            out["IPython shell." + a] = fp(static(ip, a))
        out["IPython displayhook"] = fp(ip.displayhook)
        out["IPython display publisher"] = d(id(ip.display_pub), id(static(ip.display_pub, "publish")))
        k = getattr(ip, "kernel", None)
        if k is not None:
            for a in ("do_execute", "execute_request", "send_response"):
                out["kernel." + a] = fp(static(k, a))
            sess = getattr(k, "session", None)
            if sess is not None:
                out["kernel session.send"] = fp(static(sess, "send"))
    g = globals()
    for n in names:
        out["name " + n] = fp(g[n]) if n in g else "-"
    __CODE_FP__
    code = {}
    for path, attrs in targets.items():
        mod, _, cls = path.partition(":")
        m = S.modules.get(mod)
        obj = (getattr(m, cls, None) if cls else m) if m is not None else None
        if obj is None or attrs == "*" and mod == "builtins":
            continue
        keys = [k for k in vars(obj) if not k.startswith("_")] if attrs == "*" else attrs
        for k in keys:
            v = static(obj, k) if cls else vars(obj).get(k)
            if v is not None:
                code[path + "." + k] = __sae_code_fp(v)
    for n in names:
        if n in g:
            code["name " + n] = __sae_code_fp(g[n])
    report = {"seq": seq, "nonce": nonce, "fp": out, "code": code, "frames": frames}
    from IPython.display import publish_display_data
    publish_display_data({"__MIME__": report})
__sae_integrity_probe()
del __sae_integrity_probe
'''


def _targets(spec: dict) -> dict:
    """``{"torch.Tensor": [...]}`` → ``{"torch:Tensor": [...]}`` (module, then class attribute)."""
    out = {}
    for path, attrs in spec.items():
        if path in ("torch.Tensor", "numpy.ndarray"):
            mod, cls = path.rsplit(".", 1)
            out[f"{mod}:{cls}"] = attrs
        else:
            out[path] = attrs
    return out


def probe_source(seq: int, nonce: str, names: list[str], preload: list[str], targets: dict) -> str:
    # Imported here, not at the top: sae_course.guards imports torch, and every nbgrader command
    # (generate_assignment, generate_feedback, export, validate) loads this module with its config.
    from ...guards import EVENT as FRAME_EVENT

    args = json.dumps([seq, nonce, sorted(names), preload, _targets(targets), UNSTABLE_BUILTINS])
    fp_src = "\n    ".join(CODE_FP.strip().splitlines())
    return (PROBE.replace("__ARGS__", args).replace("__MIME__", MIME).replace("__CODE_FP__", fp_src)
            .replace("__EVENT__", FRAME_EVENT))


def _code_fp():
    ns: dict = {}
    exec(CODE_FP, ns)  # noqa: S102  (the grader's own constant source, the same the probes run)
    return ns["__sae_code_fp"]


_BASELINES: dict = {}
# Modules whose names the course's cells import are compared with the grader's own copy.
BASELINE_ORIGINS = frozenset({"torch", "numpy", "math", "operator"})  # and sae_course.checks


def baseline(targets: dict, names: dict[str, str]) -> dict[str, str]:
    """The code fingerprints the probes must report, computed in the grader's own process.

    ``names``: name -> where a course cell imported it from (``sae_course.checks.assert_close``);
    names the course's cells define themselves (``def``) have no baseline here. A probe's report
    that differs from this (even the first, before any student cell) means something other than
    the course's own code sits where the tests look: code that ran before the first probe
    (a startup file, a module planted next to the notebook) or a swap no later probe would see.
    """
    import importlib
    import sys

    key = (json.dumps(targets, sort_keys=True), json.dumps(names, sort_keys=True))
    if key in _BASELINES:
        return _BASELINES[key]
    cfp = _code_fp()
    out: dict[str, str] = {}
    for path, attrs in _targets(targets).items():
        mod, _, cls = path.partition(":")
        if attrs == "*" and mod == "builtins":
            continue
        try:
            m = importlib.import_module(mod)
        except Exception:  # noqa: BLE001  (a module the grader cannot import: no baseline)
            continue
        obj = getattr(m, cls, None) if cls else m
        if obj is None:
            continue
        keys = [k for k in vars(obj) if not k.startswith("_")] if attrs == "*" else attrs
        for k in keys:
            if cls:
                v = next((vars(c)[k] for c in obj.__mro__ if k in vars(c)), None)
            else:
                v = vars(obj).get(k)
            if v is not None:
                out[path + "." + k] = cfp(v)
    for n, origin in names.items():
        # Only names the verdicts rest on: other libraries can differ between a kernel and the
        # grader's process without any tampering (``tqdm.auto`` picks its notebook class in IPython).
        if origin == "def" or not origin or not (origin.split(".")[0] in BASELINE_ORIGINS
                                                 or origin.startswith("sae_course.checks")):
            continue
        parts = origin.split(".")
        for i in range(len(parts), 0, -1):  # the longest prefix that is a module, then attributes
            try:
                obj = importlib.import_module(".".join(parts[:i]))
            except Exception:  # noqa: BLE001
                continue
            try:
                for a in parts[i:]:
                    obj = getattr(obj, a)
            except AttributeError:
                break
            out["name " + n] = cfp(obj)
            break
    _BASELINES[key] = out
    return out


def _all_bindings(src: str) -> set[str]:
    """Every name a cell binds at top level (imports, defs, assignments)."""
    import ast

    try:
        tree = pyparse.parse(to_python(src))
    except SyntaxError:
        return set()
    return {n for st in top_level_statements(tree) for n, _ in bound_names(st)}


def _name_bound_before(plan: dict, seq: int, name: str) -> bool:
    """Did the course's cells bind ``name`` before probe ``seq`` (so it must match its baseline)?"""
    probes = plan.get("probes") or []
    return seq < len(probes) and name in probes[seq].get("names", [])


def _pretty(key: str) -> str:
    key = key.replace(":", ".")
    if key.startswith("name "):
        return f"the name {key[5:]} in your notebook"
    return key


class IntegrityInject(NbGraderPreprocessor):
    """Inserts the hidden probe cells (before the kernel starts)."""

    preload = List(Unicode(), ["torch", "numpy", "numpy.testing", "torch.testing", "sae_course.checks", "math",
                               "operator"],
                   help="modules the first probe imports before any student code runs").tag(config=True)

    def preprocess(self, nb, resources):
        st = issues.state(nb)
        roles = cellroles.roles(nb)
        orig = list(nb.cells)
        course = [r.role != "student" and orig[r.index].cell_type == "code" for r in roles]
        bounds = {0}
        for i, is_course in enumerate(course):
            if is_course:
                bounds.update((i, i + 1))
        bounds = sorted(bounds)

        provides: list[dict] = []  # per original cell: names course cells above provide
        names_so_far: dict[str, str] = {}
        binds: list[set[str]] = []
        for i, cell in enumerate(orig):
            provides.append(dict(names_so_far))
            if course[i]:
                b = cell_bindings(cell.source)
                names_so_far.update(b)
                binds.append(_all_bindings(cell.source))
            else:
                binds.append(set())
        all_names = sorted(names_so_far)
        # Import, before any student code, the modules the course's cells use (and only those).
        used = {origin.split(".")[0] for origin in names_so_far.values() if origin != "def"}
        preload = [m for m in self.preload if m.split(".")[0] in used or m in ("math", "operator")]

        nonce = secrets.token_hex(8)
        probes = []
        new_cells = []
        for j, b in enumerate(bounds):
            prev = bounds[j - 1] if j else 0
            new_cells.extend(orig[prev:b] if j else [])
            cell = nbformat.v4.new_code_cell(probe_source(j, nonce, all_names, preload, DEFAULT_TARGETS))
            cell.metadata[META] = nonce
            new_cells.append(cell)
            probes.append({"seq": j, "before": b,
                           "names": sorted(provides[b]) if b < len(provides) else sorted(names_so_far)})
        new_cells.extend(orig[bounds[-1]:])
        nb.cells = new_cells

        intervals = []
        for j in range(len(bounds) - 1):
            a, b = bounds[j], bounds[j + 1]
            inside = range(a, b)
            exempt = set().union(*(binds[i] for i in inside)) if b > a else set()
            intervals.append({
                "from": j, "to": j + 1,
                "check_names": sorted(set(provides[a]) - exempt),
                "student_cells": [issues.cell_label(orig[i]) for i in inside if not course[i]
                                  and orig[i].cell_type == "code"],
                "course_cells": [issues.cell_label(orig[i]) for i in inside if course[i]],
            })
        try:
            base = baseline(DEFAULT_TARGETS, {n: o for n, o in names_so_far.items()})
        except Exception as e:  # noqa: BLE001  (no baseline: the probes still compare with each other)
            self.log.warning("integrity baseline: %s", e)
            base = {}
        st["integrity"] = {"nonce": nonce, "probes": probes, "intervals": intervals,
                           "labels": [issues.cell_label(c) for c in orig], "baseline": base}
        return nb, resources


def _read_probes(nb, nonce: str):
    """The probe cells' reports, by probe number: (fingerprints, code fingerprints, frame-watch
    records, probes that ran and did not report, the notebook's other cells)."""
    reports: dict[int, dict] = {}
    codes: dict[int, dict] = {}
    frames: dict[int, list] = {}
    broken: list[int] = []
    kept = []
    seq = 0
    # (Both engines cap output per cell and per notebook, but never drop a probe's report or an
    # error: a probe that ran and did not report is evidence, however much was printed before.)
    for cell in nb.cells:
        if cell.metadata.get(META) != nonce:
            kept.append(cell)
            continue
        report, ran = None, True
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and out.get("ename") in NOT_RUN:
                ran = False  # the engine skipped it (the kernel had died): nothing to check
            if out.get("output_type") == "error" and out.get("ename") == "CellTimeoutError":
                ran = False  # the kernel was still busy with an earlier cell: not evidence either way
            data = out.get("data", {}) if out.get("output_type") == "display_data" else {}
            r = data.get(MIME)
            if isinstance(r, str):
                try:
                    r = json.loads(r)
                except ValueError:
                    r = None
            if isinstance(r, dict) and r.get("nonce") == nonce and r.get("seq") == seq:
                report = r
        if report is not None:
            reports[seq] = report["fp"]
            codes[seq] = report.get("code") or {}
            frames[seq] = report.get("frames") or []
        elif ran:
            broken.append(seq)
        seq += 1
    return reports, codes, frames, broken, kept


def _where(plan: dict, a: int, b: int) -> str:
    """The cells that ran between probes ``a`` and ``b``, as the student reads them."""
    studs = [s for iv in plan["intervals"][a:b] for s in iv["student_cells"]]
    if studs:
        return "after your cell(s) " + ", ".join(dict.fromkeys(studs))
    course = [s for iv in plan["intervals"][a:b] for s in iv["course_cells"]]
    return "while running " + ", ".join(course) if course else "between two cells"


def _changes(plan: dict, reports: dict, codes: dict, broken: list[int]) -> list[str]:
    """What changed: probes that could not report, fingerprints that differ between two probes,
    and code that differs from the course's own (the baseline)."""
    labels = plan["labels"]
    bounds = [p["before"] for p in plan["probes"]]
    changes: list[str] = []
    for s in broken:
        after = labels[bounds[s] - 1] if bounds[s] > 0 else "the start"
        changes.append(f"the grader's check after {after} could not run or report (something it needs, "
                       "such as printing, IPython's display or an import, was changed)")
    ok = sorted(reports)
    for a, b in zip(ok, ok[1:]):
        ra, rb = reports[a], reports[b]
        # Names checked across a--b: provided before a and bound by no course cell in between.
        checked = set.intersection(*(set(iv["check_names"]) for iv in plan["intervals"][a:b]))
        diff = []
        for key, val in ra.items():
            if val == "-" or (key.startswith("name ") and key[5:] not in checked):
                continue  # absent before (appearing is not tampering), or legitimately rebound
            if rb.get(key, "<gone>") != val:
                diff.append(_pretty(key))
        if diff:
            shown = ", ".join(diff[:6]) + (f" and {len(diff) - 6} more" if len(diff) > 6 else "")
            changes.append(f"{shown} changed {_where(plan, a, b)}")
    base = plan.get("baseline") or {}
    reported_off: set[str] = set()
    for s_ in sorted(codes):
        # Names a course cell binds are checked from the probe after that cell on.
        off = [k for k, v in base.items() if k in codes[s_] and codes[s_][k] != v and k not in reported_off
               and not (k.startswith("name ") and not _name_bound_before(plan, s_, k[5:]))]
        if off:
            reported_off.update(off)
            after = labels[bounds[s_] - 1] if bounds[s_] > 0 else "the start of the notebook"
            shown = ", ".join(_pretty(k) for k in off[:6]) + (f" and {len(off) - 6} more" if len(off) > 6 else "")
            changes.append(f"{shown} differed from the course's own code at the grader's check after {after}")
    return changes


def _frames_reached(plan: dict, reports: dict, frames: dict) -> list[str]:
    """Frame watch: what notebook code did to reach the running tests' frames or objects. Each
    probe reports every record so far (the list is never cleared); a record is new at the first
    probe that shows it, and happened after the probe before."""
    seen: set = set()
    reached: list[str] = []
    for s_ in sorted(frames):
        new = []
        for item in frames[s_]:
            key = tuple(item) if isinstance(item, list) else (item,)
            if key not in seen:
                seen.add(key)
                new.append(str(item[-1]) if isinstance(item, list) and item else str(item))
        if new:
            prev = max([k for k in reports if k < s_], default=None)
            place = _where(plan, prev, s_) if prev is not None else "before the first check"
            shown = "; ".join(dict.fromkeys(new[:3])) + (f" and {len(new) - 3} more" if len(new) > 3 else "")
            reached.append(f"{place}: {shown}")
    return reached


class IntegrityVerify(NbGraderPreprocessor):
    """Reads the probes' reports, removes the probe cells, records any change as tampering."""

    def preprocess(self, nb, resources):
        st = issues.state(nb)
        plan = st.get("integrity")
        if not plan:
            return nb, resources
        reports, codes, frames, broken, nb.cells = _read_probes(nb, plan["nonce"])
        changes = _changes(plan, reports, codes, broken)
        reached = _frames_reached(plan, reports, frames)
        st["integrity_changes"] = changes + reached
        if reached:
            issues.add_issue(
                nb, "integrity",
                "while your notebook ran, your code reached into the grader's running tests (their frames, "
                "code or every live object), where it could read the expected answers: " + "; ".join(reached[:4])
                + (" ..." if len(reached) > 4 else "") + ". Every graded cell of this notebook scores 0 until an "
                "instructor has reviewed it.", [], review=True)
        if changes:
            issues.add_issue(
                nb, "integrity",
                "while your notebook ran, your code changed functions or hooks the tests rely on: "
                + "; ".join(changes[:4]) + (" ..." if len(changes) > 4 else "") + "."
                " Every graded cell of this notebook scores 0 until an instructor has reviewed it.",
                [], review=True)
        return nb, resources
