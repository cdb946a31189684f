"""Execute pass, before ``SaveAutoGrades``: a notebook found tampering scores 0 on every graded cell.

The tamper scan and the integrity check only *find*; this step turns a finding into the grade.
Each autograded test cell's output is replaced by one error that says why, so nbgrader's own
rule (an error output → 0 points) gives the score and the student reads the reason in the
feedback, under the cell. ``report.py`` then marks the cells "needs manual grade" so that an
instructor reviews the notebook (and can override the 0 by hand).
"""

from __future__ import annotations

from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from . import issues

ENAME = "GradingIntegrityError"


class ApplyVerdicts(NbGraderPreprocessor):
    """Zeroes the graded cells of a notebook the tamper scan or integrity check flagged."""

    def preprocess(self, nb, resources):
        st = issues.state(nb)
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
            if cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell):
                cell.outputs = [new_output("error", ename=ENAME, evalue=why, traceback=[f"{ENAME}: {why}"])]
                n += 1
        st["zeroed"] = n
        return nb, resources
