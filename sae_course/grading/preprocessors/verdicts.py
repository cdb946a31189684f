"""Execute pass, before ``SaveAutoGrades``: the verdict of every graded cell, out of the student's reach.

nbgrader scores a graded code cell from its outputs, in order: the first ``error`` or ``stderr``
output gives 0, the first ``execute_result`` whose text is a number gives that many points
(partial credit), anything else full marks. Student code runs *inside* graded cells (the tests
call it), so it can publish outputs there: ``sys.displayhook(5)`` from a student function puts
an ``execute_result`` in the graded cell before the test's own error, and stock nbgrader would
read it as points. This step makes the outputs say what the test did:

- a graded cell with an ``error`` or a ``stderr`` output anywhere scores 0, whatever else it
  printed: every ``execute_result`` of it becomes an ordinary ``display_data`` (still shown in
  the feedback, never read as points);
- otherwise an ``execute_result`` counts only when the test itself produced it: the course's
  cell ends with an expression that calls nothing (a name, a constant, arithmetic on names:
  no student code can run while it is evaluated), and the result is the cell's last output.
  Every other ``execute_result`` is demoted the same way (the course's tests give no partial
  credit today; they all end in a call such as ``assert_close(...)``, during which student
  code runs);
- a notebook the tamper scan or the integrity check flagged scores 0 on every graded cell: each
  graded cell's output is replaced by one error that says why, and ``report.py`` marks the cells
  "needs manual grade" so an instructor reviews it.

It runs in both engines (``nbgrader_config.py`` installs it for stock ``nbgrader autograde``).
"""

from __future__ import annotations

import ast

from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from . import issues, pyparse

ENAME = "GradingIntegrityError"

# Expression nodes that evaluate without calling any code the student could have written.
_PLAIN_NODES = (ast.Expression, ast.Name, ast.Load, ast.Constant, ast.BinOp, ast.UnaryOp, ast.operator,
                ast.unaryop, ast.Tuple)


def test_gives_partial_credit(source: str) -> bool:
    """True if a graded cell's (course) source ends with an expression evaluated without calls."""
    try:
        body = pyparse.parse(source).body
    except SyntaxError:
        return False
    if not body or not isinstance(body[-1], ast.Expr):
        return False
    return all(isinstance(n, _PLAIN_NODES) for n in ast.walk(ast.Expression(body[-1].value)))


def _demote(out):
    """An ``execute_result`` shown as a display (nbgrader does not read displays as points)."""
    return new_output("display_data", data=dict(out.get("data", {})), metadata=dict(out.get("metadata", {})))


def settle_outputs(cell) -> bool:
    """Rewrite a graded cell's outputs so nbgrader's rule reads the test's verdict; True if changed."""
    outs = list(cell.get("outputs", []))
    failed = any(o.get("output_type") == "error" or (o.get("output_type") == "stream" and o.get("name") == "stderr")
                 for o in outs)
    keep = None
    if not failed and test_gives_partial_credit(cell.source) and outs and outs[-1].get("output_type") == "execute_result":
        keep = len(outs) - 1
    changed = False
    for i, o in enumerate(outs):
        if o.get("output_type") == "execute_result" and i != keep:
            outs[i] = _demote(o)
            changed = True
    if changed:
        cell.outputs = outs
    return changed


def is_graded_test(cell) -> bool:
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


class ApplyVerdicts(NbGraderPreprocessor):
    """Settles every graded cell's outputs; zeroes the graded cells of a notebook found tampering."""

    def preprocess(self, nb, resources):
        st = issues.state(nb)
        smuggled = [issues.cell_label(c) for c in nb.cells if is_graded_test(c) and settle_outputs(c)]
        if smuggled:
            issues.add_issue(
                nb, "result_not_scored",
                f"a value shown as a result inside the graded cell(s) {', '.join(smuggled)} was not counted as "
                "points: a graded cell scores what its test decides (0 if it raised or wrote to stderr)", smuggled)
        reasons = []
        if st.get("tamper"):
            reasons.append("the grader's scan found code that tampers with the grading")
        if st.get("integrity_changes"):
            reasons.append("the grader's run-time check of this notebook failed")
        if not reasons:
            return nb, resources
        why = (" and ".join(reasons) + "; every graded cell of this notebook scores 0 until an instructor "
               "has reviewed it (see the grader's notes at the top)")
        n = 0
        for cell in nb.cells:
            if is_graded_test(cell):
                cell.outputs = [new_output("error", ename=ENAME, evalue=why, traceback=[f"{ENAME}: {why}"])]
                n += 1
        st["zeroed"] = n
        return nb, resources
