"""Execute pass, before the kernel starts: a static scan of the student's code for tampering.

Hidden tests decide a grade by calling comparison functions (``sae_course.checks``, and through
it ``torch``; sometimes ``numpy`` or ``torch`` directly) and by raising ``AssertionError``. A
student who cannot solve an exercise can instead make those verdicts lie: replace
``torch.allclose``, rebind ``assert_close``, patch ``builtins``, swallow exceptions with an IPython
hook, or blank the graded cells with an input transformer. This scan reads every cell that is
the student's (answer cells and any cell they added: see ``cells.py``), parsed with IPython's
own cell transformer so magics and ``!shell`` lines are seen too, and flags:

- assignment / deletion / ``setattr`` on anything reached from a protected module (``torch``,
  ``numpy``, ``sae_course``, ``builtins``, ``sys``, ``math``, ``operator``, IPython, ...), e.g.
  ``torch.allclose = ...``, ``np.testing.assert_allclose = ...``, ``checks._isclose = ...``;
- rebinding, at top level, a name a locked cell imported or defined (``assert_close = ...``,
  ``import fake as torch``); re-importing the same thing is fine;
- writing to ``globals()`` / ``vars()`` / ``locals()``;
- ``sys.modules``, ``sys._getframe``, ``sys.settrace`` and the other interpreter hooks;
- importing ``builtins``, ``importlib`` (``reload``), ``gc``, ``ctypes``, ``inspect``,
  ``marshal``, IPython / kernel internals;
- frame and function internals (``__globals__``, ``__code__``, ``f_back``, ``__subclasses__``,
  ``__class__`` / ``__dict__`` assignment, ...);
- ``__builtins__``, ``__import__``, ``exec``, ``eval``, ``compile``;
- ``get_ipython()`` and IPython magics other than harmless ones (``%time``, ``%timeit``,
  ``%matplotlib``, ...), and shell commands.

A flagged notebook scores 0 on every graded cell (``verdicts.py``), is marked "needs manual
grade" for an instructor to review (``report.py``), and the student is told which line was
flagged and why. The scan is a tripwire, not a proof: anything it misses that changes a
comparison function is caught at run time by ``integrity_check.py``, and what no in-kernel check
can stop (reading files, the network) is the sandbox's job. A test runs the scan over every
answer cell of every master notebook, so reference solutions never trip it.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass

from nbgrader.preprocessors import NbGraderPreprocessor

from . import cells as cellroles
from . import issues, pyparse

PROTECTED_MODULES = frozenset({
    "torch", "numpy", "sae_course", "builtins", "sys", "math", "cmath", "operator", "numbers",
    "IPython", "ipykernel", "jupyter_client", "nbclient", "nbgrader", "unittest", "pytest",
    "functools", "types", "warnings", "threading", "os",
})
# Writable settings under a protected module that ordinary code sets.
ALLOWED_STORES = ("torch.backends.", "os.environ")
FORBIDDEN_IMPORTS = {
    "builtins": "imports the builtins module",
    "__builtin__": "imports the builtins module",
    "importlib": "imports importlib (module reloading / replacing)",
    "imp": "imports imp (module reloading)",
    "gc": "imports gc (reaching objects through the garbage collector)",
    "ctypes": "imports ctypes (raw memory access)",
    "_ctypes": "imports ctypes (raw memory access)",
    "cffi": "imports cffi (raw memory access)",
    "inspect": "imports inspect (frame tricks)",
    "marshal": "imports marshal (building code objects)",
    "ipykernel": "imports the Jupyter kernel's internals",
    "jupyter_client": "imports the Jupyter client",
    "nbclient": "imports the notebook runner",
    "nbgrader": "imports nbgrader",
    "zmq": "imports zmq (the kernel's message channels)",
    "IPython": "imports IPython internals",
}
ALLOWED_IMPORTS = ("IPython.display",)
FORBIDDEN_NAMES = {
    "__builtins__": "uses __builtins__",
    "__import__": "uses __import__",
    "exec": "runs code from a string (exec)",
    "eval": "runs code from a string (eval)",
    "compile": "compiles code from a string (compile)",
    "get_ipython": "uses get_ipython() (IPython hooks)",
}
# Attributes that are interpreter / frame / function internals wherever they appear.
FORBIDDEN_ATTRS = {
    "__globals__", "__code__", "__closure__", "__subclasses__", "__builtins__", "__setattr__",
    "__delattr__", "f_back", "f_globals", "f_locals", "f_builtins", "f_code", "tb_frame", "gi_frame",
    "cr_frame", "ag_frame", "settrace", "setprofile", "_getframe", "_current_frames",
    "set_custom_exc", "input_transformers_cleanup", "input_transformers_post", "ast_transformers",
    "showtraceback", "_showtraceback", "user_ns", "user_global_ns", "display_pub",
}
# Attributes of sys that are hooks into the interpreter.
FORBIDDEN_SYS_ATTRS = {
    "modules", "meta_path", "path_hooks", "path_importer_cache", "excepthook", "displayhook",
    "breakpointhook", "addaudithook", "__excepthook__", "__displayhook__", "monitoring",
    "__stdout__", "__stderr__",
}
# Assigning these attributes on anything changes what an object is or how a function runs.
FORBIDDEN_STORE_ATTRS = {"__class__", "__dict__", "__code__", "__defaults__", "__kwdefaults__",
                         "__globals__", "__bases__", "__closure__", "__wrapped__", "__call__",
                         "__eq__", "__ne__", "__bool__", "__float__", "__lt__", "__le__", "__gt__",
                         "__ge__", "__abs__", "__len__", "__getattr__", "__getattribute__"}
NAMESPACE_FUNCS = {"globals", "vars", "locals"}
MUTATORS = {"update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__delitem__"}
SAFE_LINE_MAGICS = {"time", "timeit", "matplotlib", "precision", "pprint", "who", "whos", "pinfo",
                    "pinfo2", "pdef", "pdoc", "psource", "psearch", "prun"}
SAFE_CELL_MAGICS = {"time", "timeit", "capture", "html", "markdown", "latex", "prun"}


@dataclass(frozen=True)
class Finding:
    cell: str
    line: int
    reason: str
    code: str

    def describe(self) -> str:
        return f"{self.cell}, line {self.line}: {self.reason} (`{self.code}`)"


@functools.lru_cache(maxsize=4096)
def to_python(source: str) -> str:
    """IPython cell syntax (magics, ``!cmd``, ``x?``) as plain Python."""
    if not any(ch in source for ch in "%!?"):
        return source  # plain Python already (the common case, and much faster)
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001  (IPython missing or confused: scan the text as is)
        return source


def _root(node):
    """The Name at the bottom of ``a.b[c].d``, or the node that is not an attribute/subscript."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node


def _chain(node) -> list[str]:
    """Attribute names from the root up: ``a.b[c].d`` → ['b', 'd']."""
    parts = []
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
        node = node.value
    return parts[::-1]


def _is_protected(origin: str | None) -> bool:
    return bool(origin) and origin.split(".")[0] in PROTECTED_MODULES


def _import_bindings(node) -> list[tuple[str, str]]:
    """(name bound, what it is) for an import statement."""
    out = []
    if isinstance(node, ast.Import):
        for a in node.names:
            if a.asname:
                out.append((a.asname, a.name))
            else:
                top = a.name.split(".")[0]
                out.append((top, top))
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        for a in node.names:
            if a.name != "*":
                out.append((a.asname or a.name, f"{node.module}.{a.name}"))
    return out


def top_level_statements(tree):
    """Statements that run at module level (inside if/for/while/with/try too, not in defs)."""
    todo = list(tree.body)
    while todo:
        st = todo.pop(0)
        yield st
        if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue  # their bodies run later, in their own scope
        for field in ("body", "orelse", "finalbody", "handlers"):
            for sub in getattr(st, field, []) or []:
                if isinstance(sub, ast.ExceptHandler):
                    yield sub
                    todo.extend(sub.body)
                elif isinstance(sub, ast.stmt):
                    todo.append(sub)
        if isinstance(st, ast.Match):
            for case in st.cases:
                todo.extend(case.body)


def bound_names(st) -> list[tuple[str, str | None]]:
    """Names a top-level statement binds, with the import origin when it is an import."""
    if isinstance(st, (ast.Import, ast.ImportFrom)):
        return _import_bindings(st)
    if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [(st.name, None)]
    if isinstance(st, ast.ExceptHandler):
        return [(st.name, None)] if st.name else []
    targets = []
    if isinstance(st, ast.Assign):
        targets = st.targets
    elif isinstance(st, (ast.AugAssign, ast.AnnAssign)):
        targets = [st.target]
    elif isinstance(st, (ast.For, ast.AsyncFor)):
        targets = [st.target]
    elif isinstance(st, (ast.With, ast.AsyncWith)):
        targets = [i.optional_vars for i in st.items if i.optional_vars is not None]
    elif isinstance(st, ast.Delete):
        targets = st.targets
    out = []
    for t in targets:
        for n in ast.walk(t):
            if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
                out.append((n.id, None))
    for n in ast.walk(st) if isinstance(st, ast.stmt) else []:
        if isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name):
            out.append((n.target.id, None))
    return out


@functools.lru_cache(maxsize=4096)
def _cell_bindings_cached(src: str) -> tuple:
    return tuple(_cell_bindings_uncached(src).items())


def cell_bindings(src: str) -> dict[str, str]:
    return dict(_cell_bindings_cached(src))


def _cell_bindings_uncached(src: str) -> dict[str, str]:
    """Names a (locked) cell imports or defines at top level: name → origin ('def' for definitions)."""
    out: dict[str, str] = {}
    try:
        tree = pyparse.parse(to_python(src))
    except SyntaxError:
        return out
    for st in top_level_statements(tree):
        if isinstance(st, (ast.Import, ast.ImportFrom)):
            for name, origin in _import_bindings(st):
                out[name] = origin
        elif isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out[st.name] = "def"
    # A name the cell removes again (``del _t``, ``globals().pop("_t")()``: a hidden test's own helper)
    # is not there for later cells to use, nor for a student's cell to take over.
    for node in ast.walk(tree):
        if isinstance(node, ast.Delete):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    out.pop(t.id, None)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "pop"
              and isinstance(node.func.value, ast.Call) and isinstance(node.func.value.func, ast.Name)
              and node.func.value.func.id == "globals" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            out.pop(node.args[0].value, None)
    return out


class _Scanner(ast.NodeVisitor):
    def __init__(self, label: str, lines: list[str], aliases: dict[str, str]):
        self.label, self.lines = label, lines
        self.aliases = aliases  # name -> module origin, for attribute-store roots
        self.findings: list[Finding] = []
        self.allowed_ipython: set[int] = set()

    def flag(self, node, reason: str) -> None:
        line = getattr(node, "lineno", 0) or 0
        code = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
        if len(code) > 80:
            code = code[:77] + "..."
        f = Finding(self.label, line, reason, code)
        if f not in self.findings:
            self.findings.append(f)

    def dotted(self, node) -> str | None:
        root = _root(node)
        if not isinstance(root, ast.Name) or root.id not in self.aliases:
            return None
        return ".".join([self.aliases[root.id], *_chain(node)])

    # Stores into protected objects ------------------------------------------------------------
    def _check_store_target(self, target, verb: str) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                self._check_store_target(t, verb)
            return
        if isinstance(target, ast.Starred):
            self._check_store_target(target.value, verb)
            return
        if isinstance(target, ast.Attribute) and target.attr in FORBIDDEN_STORE_ATTRS:
            self.flag(target, f"{verb} the special attribute {target.attr}")
            return
        if isinstance(target, (ast.Attribute, ast.Subscript)):
            root = _root(target)
            if isinstance(root, ast.Call) and isinstance(root.func, ast.Name) and root.func.id in NAMESPACE_FUNCS:
                self.flag(target, f"{verb} an entry of {root.func.id}()")
                return
            path = self.dotted(target)
            if path and _is_protected(path) and not path.startswith(ALLOWED_STORES):
                self.flag(target, f"{verb} {path} (changing a library or course module the tests rely on)")

    def visit_Assign(self, node):
        for t in node.targets:
            self._check_store_target(t, "assigns to")
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._check_store_target(node.target, "assigns to")
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        self._check_store_target(node.target, "assigns to")
        self.generic_visit(node)

    def visit_Delete(self, node):
        for t in node.targets:
            self._check_store_target(t, "deletes")
        self.generic_visit(node)

    # Calls ---------------------------------------------------------------------------------------
    def visit_Call(self, node):
        f = node.func
        if isinstance(f, ast.Name) and f.id in ("setattr", "delattr") and node.args:
            path = self.dotted(node.args[0])
            if path and _is_protected(path) and not path.startswith(ALLOWED_STORES):
                self.flag(node, f"{f.id}() on {path} (changing a library or course module the tests rely on)")
        if (isinstance(f, ast.Attribute) and f.attr in MUTATORS and isinstance(f.value, ast.Call)
                and isinstance(f.value.func, ast.Name) and f.value.func.id in NAMESPACE_FUNCS):
            self.flag(node, f"changes {f.value.func.id}() with .{f.attr}()")
        if (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Call)
                and isinstance(f.value.func, ast.Name) and f.value.func.id == "get_ipython"):
            self._check_ipython_call(node, f)
        self.generic_visit(node)

    def _check_ipython_call(self, node, f) -> None:
        name = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
        if f.attr == "run_line_magic" and isinstance(name, str):
            if name in SAFE_LINE_MAGICS:
                self.allowed_ipython.add(id(f.value.func))
            else:
                self.flag(node, f"runs the IPython magic %{name}")
                self.allowed_ipython.add(id(f.value.func))
        elif f.attr == "run_cell_magic" and isinstance(name, str):
            if name in SAFE_CELL_MAGICS:
                self.allowed_ipython.add(id(f.value.func))
            else:
                self.flag(node, f"runs the IPython cell magic %%{name}")
                self.allowed_ipython.add(id(f.value.func))
        elif f.attr in ("system", "getoutput"):
            self.flag(node, "runs a shell command")
            self.allowed_ipython.add(id(f.value.func))

    # Names, attributes, imports -------------------------------------------------------------------
    def visit_Name(self, node):
        if node.id in FORBIDDEN_NAMES and id(node) not in self.allowed_ipython:
            self.flag(node, FORBIDDEN_NAMES[node.id])

    def visit_Attribute(self, node):
        if node.attr in FORBIDDEN_ATTRS:
            self.flag(node, f"uses the interpreter internal .{node.attr}")
        else:
            path = self.dotted(node)
            if path and path.startswith("sys.") and node.attr in FORBIDDEN_SYS_ATTRS:
                self.flag(node, f"uses sys.{node.attr} (an interpreter hook)")
        self.generic_visit(node)

    def _check_import(self, node, module: str) -> None:
        if module.startswith(ALLOWED_IMPORTS):
            return
        for bad, why in FORBIDDEN_IMPORTS.items():
            if module == bad or module.startswith(bad + "."):
                self.flag(node, why)
                return

    def visit_Import(self, node):
        for a in node.names:
            self._check_import(node, a.name)

    def visit_ImportFrom(self, node):
        if node.module == "sys":
            for a in node.names:
                if a.name in FORBIDDEN_SYS_ATTRS | FORBIDDEN_ATTRS:
                    self.flag(node, f"imports sys.{a.name} (an interpreter hook)")
        if node.module and node.level == 0:
            full = [f"{node.module}.{a.name}" for a in node.names]
            if not any(m.startswith(ALLOWED_IMPORTS) for m in full):
                self._check_import(node, node.module)


def scan_cells(notebook_cells: list[tuple[str, str, bool]]) -> list[Finding]:
    """Findings in a notebook's code cells ``[(label, source, is_course_cell)]``, in notebook order.

    Only the student's cells are scanned; the course's cells tell which names are protected: a
    name a course cell imports or defines may not be rebound by a student cell *after* it.
    """
    aliases: dict[str, str] = {}  # name -> module origin, for the roots of attribute stores
    protected_at: list[dict[str, str]] = []  # per cell: names course cells above it provide
    provided: dict[str, str] = {}
    for _label, src, course in notebook_cells:
        protected_at.append(dict(provided))
        if course:
            b = cell_bindings(src)
            provided.update(b)
            aliases.update({n: o for n, o in b.items() if o != "def"})

    parsed = []
    for k, (label, src, course) in enumerate(notebook_cells):
        if course:
            continue
        text = to_python(src)
        try:
            tree = pyparse.parse(text)
        except SyntaxError:
            continue  # it fails when it runs; nothing to scan
        parsed.append((k, label, text, tree))
        for st in top_level_statements(tree):
            for name, origin in bound_names(st):
                if origin:
                    aliases.setdefault(name, origin)
            if isinstance(st, ast.Assign) and isinstance(st.value, (ast.Name, ast.Attribute)):
                root = _root(st.value)
                if isinstance(root, ast.Name) and root.id in aliases:
                    origin = ".".join([aliases[root.id], *_chain(st.value)])
                    for t in st.targets:
                        if isinstance(t, ast.Name):
                            aliases.setdefault(t.id, origin)

    findings: list[Finding] = []
    for k, label, text, tree in parsed:
        sc = _Scanner(label, text.splitlines(), aliases)
        # get_ipython() calls of harmless magics are allowed: mark them before visiting names.
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                v = node.func.value
                if isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id == "get_ipython":
                    sc._check_ipython_call(node, node.func)
        sc.findings.clear()
        sc.visit(tree)
        # Rebinding, at module level, a name the course's cells above provide.
        protected = protected_at[k]
        for st in top_level_statements(tree):
            for name, origin in bound_names(st):
                want = protected.get(name)
                if want is None or (origin is not None and origin == want):
                    continue
                what = "a function the tests use" if want == "def" else f"{want}, which the tests use"
                sc.flag(st, f"rebinds the name {name} ({what})")
        findings.extend(sc.findings)
    return findings


class TamperScan(NbGraderPreprocessor):
    """Flags tampering in the student's cells; a flagged notebook scores 0 and needs review."""

    def preprocess(self, nb, resources):
        st = issues.state(nb)
        code = [(issues.cell_label(nb.cells[r.index]), nb.cells[r.index].source, r.role != "student")
                for r in cellroles.roles(nb) if nb.cells[r.index].cell_type == "code"]
        findings = scan_cells(code)
        st["tamper"] = [f.describe() for f in findings]
        if findings:
            shown = "; ".join(f.describe() for f in findings[:5])
            more = f" (and {len(findings) - 5} more)" if len(findings) > 5 else ""
            issues.add_issue(
                nb, "tamper_scan",
                "your code appears to tamper with the grading (changing the functions, modules or "
                f"interpreter hooks the tests rely on): {shown}{more}. Every graded cell of this notebook "
                "scores 0 until an instructor has reviewed it.",
                sorted({f.cell for f in findings}), review=True)
        return nb, resources
