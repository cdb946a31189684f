"""Execute pass, last step: tell the student and the instructor what the defences found.

- a "Grader's notes" markdown cell at the top of the autograded notebook, so the student reads
  every issue in their feedback;
- one row per issue in ``reports/grading_issues.csv`` (with the student, section and whether it
  needs review);
- for issues that need review (tampering), every graded cell of the notebook is marked "needs
  manual grade" in the gradebook, so it shows in the formgrader's to-do list;
- the issues are also kept in the notebook metadata (``sae_grading``), for tools.
"""

from __future__ import annotations

import nbformat
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from . import cells as cellroles
from . import issues

NOTES_TAG = "sae-grader-notes"


def notes_markdown(found: list[dict]) -> str:
    lines = ["### Grader's notes", "", "The autograder noticed the following about this submission:", ""]
    for it in found:
        lines.append(f"- **{it['kind'].replace('_', ' ')}**: {it['message']}")
    if any(it.get("review") for it in found):
        lines += ["", "_This notebook is marked for review by an instructor._"]
    return "\n".join(lines)


class GradingReport(NbGraderPreprocessor):
    """Notes cell, CSV rows and review flags for the issues found in this notebook."""

    run_id = Unicode("", help="the grading run the CSV rows belong to (set by `sae-course autograde`; "
                              "empty: the time of grading)").tag(config=True)

    def preprocess(self, nb, resources):
        found = list(issues.state(nb)["issues"])
        nb.metadata[issues.META_KEY] = {"issues": found}  # the scratch data goes, the issues stay
        for cell in nb.cells:  # grader-only cell metadata (forged copies included) goes too
            cell.metadata.pop(cellroles.ROLE_KEY, None)
            cell.metadata.pop("sae_injected", None)
        nb.cells = [c for c in nb.cells if NOTES_TAG not in c.metadata.get("tags", [])]
        if not found:
            return nb, resources
        nbg = resources["nbgrader"]
        if any(it.get("review") for it in found):
            self._flag_for_review(nb, nbg)
        cell = nbformat.v4.new_markdown_cell(notes_markdown(found))
        cell.metadata["tags"] = [NOTES_TAG]
        nb.cells.insert(0, cell)
        rows = [issues.to_row(it, nbg["student"], nbg["assignment"], nbg["notebook"], self.run_id) for it in found]
        if not issues.append_rows(issues.course_root(self.config), rows):
            self.log.warning("could not write %d grading issue(s) to reports/%s", len(rows), issues.CSV_NAME)
        for it in found:
            self.log.warning("[%s] %s/%s: %s", it["kind"], nbg["student"], nbg["assignment"], it["message"])
        return nb, resources

    def _flag_for_review(self, nb, nbg) -> None:
        with Gradebook(nbg["db_url"]) as gb:
            for cell in nb.cells:
                if not utils.is_grade(cell):
                    continue
                try:
                    grade = gb.find_grade(cell.metadata.nbgrader["grade_id"], nbg["notebook"], nbg["assignment"],
                                          nbg["student"])
                except MissingEntry:
                    continue
                grade.needs_manual_grade = True
            gb.db.commit()
