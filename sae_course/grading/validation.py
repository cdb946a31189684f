"""What the student's self-check (``nbgrader validate``, the Validate button) says.

Stock nbgrader validates the graded cells only. In this course's release those cells are empty
(their tests are hidden), so stock validation said "Success! Your notebook passes all the
tests." for any notebook that ran, even one the grader then scores at half marks. Here:

* ``Validator.validate_all`` (nbgrader's own switch) also checks every other code cell: an answer
  that still raises ``NotImplementedError`` and a visible test that fails are reported as failed.
* ``Validator.failed_warning`` (nbgrader's own text) says that the visible tests carry no points.
* The success line is fixed text inside nbgrader (no setting for it), so ``configure_validate``
  wraps ``Validator.validate_and_print`` (what ``nbgrader validate`` prints) to replace that line
  and add a summary: the visible tests were all that ran, how many points they cover (none),
  and how many points the hidden tests grade when the notebook is graded.

The JupyterLab Validate button (the notebook toolbar's and the Assignment List's) shows nbgrader's
labextension's dialog, whose success text is also fixed ("Success! Your notebook passes all the
tests.", in its compiled JavaScript). Here:

* ``Validator.validate`` (what the lab's ``/assignments/validate`` handler calls) is wrapped to add
  ``checked`` to its result: what this validation actually ran and checked (how many code cells,
  answer cells and visible tests, whether it ran them all) and what it did not (the hidden tests,
  their points), counted from the student's notebook and the validator's settings;
* ``lab_extension`` writes a copy of nbgrader's installed labextension whose success dialog shows
  that ``checked`` text (falling back to nbgrader's line when it is absent), under new file names;
  ``etc/jupyter/{student,instructor}/jupyter_lab_config.py`` put it first on
  ``LabApp.extra_labextensions_path``, so JupyterLab loads it instead of the stock one. If the
  stock text is not found (another nbgrader build), nothing is patched and the stock dialog stays.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
from pathlib import Path

STOCK_SUCCESS = "Success! Your notebook passes all the tests.\n"
VISIBLE_PASS = "Every answer cell runs and every visible test passes.\n"
FAILED_WARNING = (
    "VALIDATION FAILED ON {num_failed} CELL(S): an answer raises an error or a visible test "
    "fails (see below). The visible tests carry no points; the graded points come from hidden "
    "tests that run only when your notebook is graded.\n"
)


def graded_points(notebook: str | Path) -> tuple[int, float]:
    """(number of graded cells, their total points) in a notebook."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    cells = [c.metadata.get("nbgrader", {}) for c in nb.cells]
    graded = [md for md in cells if md.get("grade")]
    return len(graded), float(sum(md.get("points") or 0 for md in graded))


def summary(notebook: str | Path) -> str:
    """The closing lines of ``nbgrader validate``: what ran, and what grades."""
    try:
        n, points = graded_points(notebook)
    except Exception:  # noqa: BLE001 - an unreadable notebook: nbgrader has said why already
        return ""
    pts = f"{points:g} point{'s' if points != 1 else ''}"
    return (
        "\nThis check ran the visible tests only (the checks under your answers: shapes and small "
        "cases); they cover 0 of this notebook's points.\n"
        f"All {pts} come from the hidden tests in its {n} graded cell{'s' if n != 1 else ''}, which "
        "run only when your notebook is graded: passing the visible tests does not mean full marks.\n"
        "On the course hub, Submit in the Assignment List gives a graded pre-check: your hidden-test results "
        "(never the tests) come back as feedback a few minutes later, within the course's hourly budget.\n"
    )


RESULT_KEY = "checked"
DIALOG_STOCK = 'i.innerText="Success! Your notebook passes all the tests."'
DIALOG_PATCHED = 'i.innerText=e.checked||"Success! Your notebook passes all the tests."'
LABEXTENSION = "@jupyter/nbgrader"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def checked(notebook: str | Path, results: dict, validate_all: bool = True) -> str:
    """What one validation ran and checked, and what it did not, from its result and the notebook."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    md = [c.metadata.get("nbgrader", {}) for c in code]
    answers = sum(1 for m in md if m.get("solution") and not m.get("grade"))
    visible = sum(1 for m in md if str(m.get("grade_id", "")).endswith("_visible"))
    graded = [m for m in md if m.get("grade")]
    points = float(sum(m.get("points") or 0 for m in graded))
    pts = f"{points:g} point{'s' if points != 1 else ''}"
    failed = len(results.get("failed", []))
    changed = len(results.get("changed", [])) + len(results.get("type_changed", []))
    name = Path(notebook).name
    if changed:
        head = (f"Validation stopped at {_plural(changed, 'changed cell')} of {name} that must not be "
                f"changed (restore {'it' if changed == 1 else 'them'}); it did not check your answers.")
    elif validate_all:
        verdict = ("found no error" if not failed else f"found {_plural(failed, 'failing cell')}")
        runs = "runs" if answers == 1 else "run"
        passes = "under it passes" if visible == 1 else "under them pass"
        head = (f"Validation ran all {_plural(len(code), 'code cell')} of {name} from top to bottom in a fresh "
                f"kernel and {verdict}: it checked that your {_plural(answers, 'answer cell')} {runs} without an "
                f"error and that the {_plural(visible, 'visible test')} {passes} (shapes and small cases).")
    else:
        head = (f"Validation ran {name} and checked its graded and read-only cells only "
                f"({_plural(len(graded), 'graded cell')}), not your answer cells.")
    return (f"{head}\nIt did not check that your answers are right: the visible tests carry 0 points. All {pts} "
            f"come from the hidden tests in the {_plural(len(graded), 'graded cell')}, which run only when your "
            f"notebook is graded, so passing here does not mean full marks.\nOn the course hub, Submit in the "
            f"Assignment List gives a graded pre-check: your hidden-test results (never the tests) come back as "
            f"feedback a few minutes later, within the course's hourly budget.")


def _validate(original):
    def validate(self, filename: str):
        results = original(self, filename)
        if isinstance(results, dict) and not self.invert:
            try:
                results[RESULT_KEY] = checked(filename, results, bool(self.validate_all))
            except Exception:  # noqa: BLE001 - an unreadable notebook: nbgrader's own result says why
                pass
        return results

    validate.__wrapped__ = original
    validate.sae_course = True
    return validate


def _stock_labextension() -> Path | None:
    from jupyter_core.paths import jupyter_path

    for d in jupyter_path("labextensions"):
        p = Path(d) / LABEXTENSION
        if (p / "package.json").is_file():
            return p
    return None


def lab_extension(dest_root: str | Path, source: Path | None = None) -> Path | None:
    """A copy of nbgrader's labextension whose Validate success dialog shows the result's ``checked`` text.

    Written once under ``dest_root/<version>-<hash>/`` (a labextensions folder: pass it to
    ``LabApp.extra_labextensions_path``); returns that folder, or None when nbgrader's labextension
    is not installed or its dialog text is not the expected one (then the stock dialog stays).
    The patched chunk and the remote entry get new content-hashed names, so a browser that cached
    the stock files (served as immutable) loads the new ones.
    """
    src = source or _stock_labextension()
    if src is None:
        return None
    static = src / "static"
    chunks = [f for f in static.glob("*.js") if DIALOG_STOCK in f.read_text(encoding="utf-8", errors="replace")]
    pkg = json.loads((src / "package.json").read_text())
    load = pkg.get("jupyterlab", {}).get("_build", {}).get("load", "")
    if len(chunks) != 1 or not load.startswith("static/remoteEntry."):
        return None
    chunk = chunks[0]
    cid, old_hash = chunk.name.split(".")[:2]
    patched = chunk.read_text(encoding="utf-8").replace(DIALOG_STOCK, DIALOG_PATCHED, 1)
    new_hash = hashlib.sha256(patched.encode()).hexdigest()[:16]
    entry = (src / load).read_text(encoding="utf-8")
    if f'{cid}:"{old_hash}"' not in entry:
        return None
    entry = entry.replace(f'{cid}:"{old_hash}"', f'{cid}:"{new_hash}"', 1)
    entry_name = f"remoteEntry.{hashlib.sha256(entry.encode()).hexdigest()[:16]}.js"
    root = Path(dest_root) / f"{pkg['version']}-{new_hash}"
    if (root / LABEXTENSION / "package.json").is_file():
        return root
    tmp = Path(dest_root) / f".tmp-{os.getpid()}-{new_hash}"
    if tmp.exists():
        shutil.rmtree(tmp)
    out = tmp / LABEXTENSION
    shutil.copytree(src, out, ignore=shutil.ignore_patterns("install.json"))
    (out / "static" / chunk.name).unlink()
    (out / "static" / Path(load).name).unlink()
    (out / "static" / f"{cid}.{new_hash}.js").write_text(patched, encoding="utf-8")
    (out / "static" / entry_name).write_text(entry, encoding="utf-8")
    pkg["jupyterlab"]["_build"]["load"] = f"static/{entry_name}"
    pkg["description"] = (pkg.get("description", "") + " (sae-course: the Validate dialog says what was checked)").strip()
    (out / "package.json").write_text(json.dumps(pkg, indent=2))
    try:
        tmp.rename(root)
    except OSError:  # another server wrote it at the same moment
        shutil.rmtree(tmp, ignore_errors=True)
    return root if (root / LABEXTENSION / "package.json").is_file() else None


def configure_lab(c) -> None:
    """For jupyter_lab_config.py: JupyterLab loads the patched nbgrader labextension (``lab_extension``)."""
    from jupyter_core.paths import jupyter_data_dir

    try:
        root = lab_extension(Path(jupyter_data_dir()) / "sae-course-labextensions")
    except OSError:
        root = None
    if root is not None:
        c.LabApp.extra_labextensions_path = [str(root), *list(c.LabApp.get("extra_labextensions_path", []))]


def _validate_and_print(original):
    def validate_and_print(self, filename: str) -> None:
        out, buf = self.stream, io.StringIO()
        self.stream = buf
        try:
            original(self, filename)
        finally:
            self.stream = out
        text = buf.getvalue().replace(STOCK_SUCCESS, VISIBLE_PASS)
        out.write(text)
        if not self.invert:
            out.write(summary(filename))
        out.flush()

    validate_and_print.__wrapped__ = original
    validate_and_print.sae_course = True
    return validate_and_print


def configure_validate(c) -> None:
    """Set nbgrader's Validator up to tell the student the truth (see the module's docstring)."""
    from nbgrader.validator import Validator

    c.Validator.validate_all = True
    c.Validator.failed_warning = FAILED_WARNING
    if not getattr(Validator.validate_and_print, "sae_course", False):
        Validator.validate_and_print = _validate_and_print(Validator.validate_and_print)
    if not getattr(Validator.validate, "sae_course", False):
        Validator.validate = _validate(Validator.validate)
