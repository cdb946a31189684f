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

The JupyterLab Validate button gets the first two (its dialog text is nbgrader's labextension's).
"""

from __future__ import annotations

import io
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
