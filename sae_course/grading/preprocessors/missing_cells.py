"""Sanitize pass, after ``OverwriteCells``: put back the nbgrader cells a student deleted.

What stock nbgrader 0.9 does with a deleted cell (checked in tests/test_hostile.py):

- a deleted graded test cell is simply not graded: its grade keeps whatever the gradebook held
  (nothing → "needs manual grade", or the score of an earlier run), and the student is not told;
- a deleted locked setup cell (imports, helpers) makes every later cell fail, so a student who
  deleted one cell by mistake loses the whole notebook.
  (``OverwriteCells.add_missing_cells`` re-adds graded cells only, and fails on notebooks whose
  graded cell follows a locked cell that is not graded.)

What happens here instead:

- a deleted **graded** cell is put back as a cell that fails with a clear message, so it scores
  exactly 0 (and the student's other cells keep their points);
- a deleted **locked** cell (setup code, visible tests, instructions) is put back unchanged, so
  the rest of the notebook runs;
- a deleted **answer** cell is reported (the tests that need it fail on their own).

Cells go back at their place in the master notebook (``source/``, or ``release/``), after the
nearest cell before them that is still there.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor

from . import issues

STUB = (
    "# This graded cell ({gid}) was missing from the submitted notebook, so it scores 0.\n"
    "raise AssertionError('the graded cell {gid} was deleted from the submitted notebook "
    "(or its nbgrader metadata was removed): it scores 0 points')"
)


class RestoreMissingCells(NbGraderPreprocessor):
    """Re-inserts deleted nbgrader cells: graded ones as 0-point failures, locked ones verbatim."""

    def preprocess(self, nb, resources):
        notebook_id = resources["nbgrader"]["notebook"]
        assignment_id = resources["nbgrader"]["assignment"]
        with Gradebook(resources["nbgrader"]["db_url"]) as gb:
            try:
                source_nb = gb.find_notebook(notebook_id, assignment_id)
            except MissingEntry:
                return nb, resources
            source_cells = {c.name: c for c in source_nb.source_cells}
            grade_points = {c.name: float(c.max_score) for c in source_nb.grade_cells}
            solution_ids = {c.name for c in source_nb.solution_cells}
            task_ids = {c.name for c in source_nb.task_cells}

        # DeduplicateIds leaves the extra copies with empty nbgrader metadata, which nbgrader's
        # metadata check then rejects (failing the whole notebook): make them ordinary cells.
        for cell in nb.cells:
            if "nbgrader" in cell.metadata and not cell.metadata["nbgrader"]:
                del cell.metadata["nbgrader"]
        present = {issues.grade_id(c) for c in nb.cells if issues.grade_id(c)}
        missing = [gid for gid in source_cells if gid not in present]
        if not missing:
            return nb, resources
        order = self._reference_order(assignment_id, notebook_id) or sorted(source_cells)
        rank = {gid: i for i, gid in enumerate(order)}
        missing.sort(key=lambda g: rank.get(g, len(rank)))

        zeroed, restored, answers = [], [], []
        for gid in missing:
            src = source_cells[gid]
            if gid in solution_ids:
                answers.append(gid)
                continue
            if gid in grade_points and src.cell_type == "code":
                cell = self._graded_stub(gid, grade_points[gid])
                zeroed.append(gid)
            elif src.locked or gid in task_ids:
                cell = self._restored(src, grade_points.get(gid), task=gid in task_ids)
                restored.append(gid)
            else:
                continue
            nb.cells.insert(self._position(nb, gid, order), cell)

        if zeroed:
            pts = sum(grade_points[g] for g in zeroed)
            issues.add_issue(
                nb, "deleted_graded_cell",
                f"the graded cell(s) {', '.join(zeroed)} were missing from your notebook (deleted, or their "
                f"nbgrader metadata removed): they score 0 ({pts:g} point(s) lost); the rest is graded as usual",
                zeroed)
        if restored:
            issues.add_issue(
                nb, "deleted_locked_cell",
                f"the locked cell(s) {', '.join(restored)} were missing from your notebook; they were put "
                "back before grading", restored)
        if answers:
            issues.add_issue(
                nb, "deleted_answer_cell",
                f"the answer cell(s) {', '.join(answers)} were missing from your notebook (deleted, or their "
                "nbgrader metadata removed); the tests that need them fail", answers)
        return nb, resources

    # ------------------------------------------------------------------------------------------
    def _reference_order(self, assignment_id: str, notebook_id: str) -> list[str]:
        """Grade ids in master-notebook order (source/, else release/); [] if neither is readable."""
        try:
            from nbgrader.coursedir import CourseDirectory

            cd = CourseDirectory(config=self.config)
            folders = [cd.source_directory, cd.release_directory]
            paths = [Path(cd.format_path(f, ".", assignment_id)) / f"{notebook_id}.ipynb" for f in folders]
        except Exception:  # noqa: BLE001
            return []
        for path in paths:
            try:
                ref = nbformat.read(str(path), as_version=4)
            except Exception:  # noqa: BLE001  (not visible from here: try the next one)
                continue
            return [issues.grade_id(c) for c in ref.cells if issues.grade_id(c)]
        return []

    @staticmethod
    def _position(nb, gid: str, order: list[str]) -> int:
        if gid not in order:
            return len(nb.cells)
        k = order.index(gid)
        where = {issues.grade_id(c): i for i, c in enumerate(nb.cells) if issues.grade_id(c)}
        for before in reversed(order[:k]):
            if before in where:
                return where[before] + 1
        for after in order[k + 1:]:
            if after in where:
                return where[after]
        return len(nb.cells)

    @staticmethod
    def _meta(gid: str, *, grade: bool, locked: bool, points=None, task=False) -> dict:
        meta = {"grade": grade, "grade_id": gid, "locked": locked, "schema_version": 3,
                "solution": False, "task": task}
        if grade:
            meta["points"] = points
        return meta

    def _graded_stub(self, gid: str, points: float):
        cell = nbformat.v4.new_code_cell(STUB.format(gid=gid))
        cell.metadata["nbgrader"] = self._meta(gid, grade=True, locked=True, points=points)
        cell.metadata["deletable"] = False
        cell.metadata["editable"] = False
        cell.metadata["nbgrader"]["checksum"] = utils.compute_checksum(cell)
        return cell

    def _restored(self, src, points, task=False):
        if src.cell_type == "code":
            cell = nbformat.v4.new_code_cell(src.source)
        else:
            cell = nbformat.v4.new_markdown_cell(src.source)
        grade = points is not None
        cell.metadata["nbgrader"] = self._meta(src.name, grade=grade, locked=bool(src.locked), points=points,
                                               task=task)
        cell.metadata["deletable"] = False
        cell.metadata["editable"] = False
        cell.metadata["nbgrader"]["checksum"] = src.checksum
        return cell
