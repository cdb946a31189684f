"""Sanitize pass, first step: tell the student what nbgrader is about to put back.

nbgrader's ``OverwriteCells`` silently restores locked and test cells from the gradebook and
``OverwriteKernelspec`` restores the kernel; ``DeduplicateIds`` strips the grading metadata of
duplicated cells. They only log a warning, which the student never sees. This step runs before
them, compares the submission with the gradebook and records, for the student:

- an edited locked cell (setup, visible test or graded test): "you edited a locked cell; it was
  restored",
- changed grading metadata (points, locked flag, cell type),
- a duplicated nbgrader cell (same grade id twice),
- a different kernel than the course's.

It also drops any ``sae_grading`` metadata a student put in the notebook, so nothing the grader
records later can be forged, and puts the ``grade`` / ``solution`` / ``task`` / ``locked`` flags and
points of every known cell back as the gradebook has them (``restore_flags``): stock nbgrader
restores the source but not these flags, and one flipped flag failed the whole submission. Such
a change is flagged for review; the rest of the notebook is graded as usual.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor

from . import issues


class SubmissionAudit(NbGraderPreprocessor):
    """Records what the student changed in cells and metadata that grading restores."""

    def preprocess(self, nb, resources):
        nb.metadata.pop(issues.META_KEY, None)  # forged grader metadata
        notebook_id = resources["nbgrader"]["notebook"]
        assignment_id = resources["nbgrader"]["assignment"]
        with Gradebook(resources["nbgrader"]["db_url"]) as gb:
            try:
                source_nb = gb.find_notebook(notebook_id, assignment_id)
            except MissingEntry:
                return nb, resources
            cells = {c.name: c for c in source_nb.source_cells}
            points = {c.name: float(c.max_score) for c in source_nb.grade_cells}
            solutions = {c.name for c in source_nb.solution_cells}
            tasks = {c.name for c in source_nb.task_cells}
            kernelspec = json.loads(source_nb.kernelspec) if source_nb.kernelspec else None

        self._audit_kernel(nb, kernelspec)
        self._strip_importable_files(nb, resources)
        ids = [issues.grade_id(c) for c in nb.cells if issues.grade_id(c)]
        dupes = sorted(gid for gid, n in Counter(ids).items() if n > 1)
        if dupes:
            issues.add_issue(
                nb, "duplicate_cell",
                f"your notebook has more than one copy of the nbgrader cell(s) {', '.join(dupes)}; "
                "only one copy of each is graded (the copies run as ordinary cells)", dupes)

        edited, meta_changed = [], []
        for cell in nb.cells:
            gid = issues.grade_id(cell)
            src = cells.get(gid) if gid else None
            if src is None:
                continue
            nbmeta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != src.cell_type:
                meta_changed.append(gid)
            elif src.locked and cell.source.strip() not in self._released_forms(src):
                edited.append(gid)
            if gid in points and _as_float(nbmeta.get("points", points[gid])) != points[gid]:
                meta_changed.append(gid)
            elif bool(utils.is_locked(cell)) != bool(src.locked):
                meta_changed.append(gid)
            if restore_flags(cell, gid in points, gid in solutions, gid in tasks, bool(src.locked), points.get(gid)):
                meta_changed.append(gid)
        if edited:
            issues.add_issue(
                nb, "edited_locked_cell",
                f"you edited the locked cell(s) {', '.join(sorted(set(edited)))}; they were restored to "
                "the original before grading (only answer cells can be changed)", sorted(set(edited)))
        if meta_changed:
            changed = sorted(set(meta_changed) - set(edited))
            if changed:
                issues.add_issue(
                    nb, "edited_cell_metadata",
                    f"the grading metadata (cell type, points, grade / solution / lock flags) of {', '.join(changed)} "
                    "was changed; it was restored from the course's copy before grading, the rest was graded as "
                    "usual, and an instructor will look at it", changed, review=True)
        return nb, resources

    def _released_forms(self, src) -> set[str]:
        """A locked cell as the master has it, and as the release shows it (hidden tests cut)."""
        from nbformat.v4 import new_code_cell
        from nbgrader.preprocessors import ClearHiddenTests

        forms = {src.source.strip()}
        cell = new_code_cell(src.source)
        try:
            if ClearHiddenTests(parent=self)._remove_hidden_test_region(cell):
                forms.add(cell.source.strip())
        except RuntimeError:
            pass
        return forms

    def _strip_importable_files(self, nb, resources) -> None:
        """Files handed in next to the notebook that Python or IPython would run or import are removed
        from the copy being graded (never from ``submitted/``): the kernel runs in that folder, and a
        ``torch.py``, ``sitecustomize.py``, ``.pth`` or ``ipython_kernel_config.py`` there would run
        before or instead of the course's code. Data files stay."""
        from nbgrader.coursedir import CourseDirectory

        nbg = resources.get("nbgrader") or {}
        try:
            cd = CourseDirectory(config=self.config)
            dest = Path(cd.format_path(cd.autograded_directory, nbg["student"], nbg["assignment"]))
        except Exception:  # noqa: BLE001  (no course directory: nothing to strip)
            return
        removed = []
        if dest.is_dir():
            for p in sorted(dest.rglob("*")):
                if p.is_file() and importable(p.name):
                    removed.append(str(p.relative_to(dest)))
                    p.unlink()
        if removed:
            shown = ", ".join(removed[:8]) + (f" and {len(removed) - 8} more" if len(removed) > 8 else "")
            issues.add_issue(
                nb, "extra_code_files",
                f"the file(s) {shown} handed in next to your notebook were not used: code the grader runs must be "
                "in the notebook itself (data files are kept)", removed)

    def _audit_kernel(self, nb, kernelspec) -> None:
        theirs = nb.metadata.get("kernelspec") or {}
        if not kernelspec or not isinstance(theirs, dict):
            return
        if theirs.get("name") and theirs.get("name") != kernelspec.get("name"):
            issues.add_issue(
                nb, "kernel_changed",
                f"your notebook asked for the kernel '{theirs.get('name')}'; it was graded with the "
                f"course's kernel '{kernelspec.get('name')}'")


CODE_SUFFIXES = (".py", ".pyc", ".pyo", ".pyw", ".pth", ".so", ".pyd", ".ipy", ".egg-link")


def importable(name: str) -> bool:
    """Would Python or IPython import or run a file of this name from the kernel's folder?"""
    low = name.lower()
    return (low.endswith(CODE_SUFFIXES) or (low.startswith(("ipython_", "jupyter_")) and "config" in low)
            or ".so." in low)


def restore_flags(cell, grade: bool, solution: bool, task: bool, locked: bool, points) -> bool:
    """Put a cell's nbgrader flags back as the gradebook has them; True if any differed.

    nbgrader's ``OverwriteCells`` restores the source, points and lock of a known cell but not
    its ``grade`` / ``solution`` / ``task`` flags, and its checksum covers them: one flipped flag
    made the whole submission fail (no grade, no feedback). Restored here, before it runs.
    """
    meta = cell.metadata.get("nbgrader")
    if not isinstance(meta, dict):
        return False
    want = {"grade": grade, "solution": solution, "locked": locked}
    if task or meta.get("task"):
        want["task"] = task
    changed = False
    for key, value in want.items():
        if bool(meta.get(key, False)) != value:
            changed = True
        meta[key] = value
    if grade:
        if _as_float(meta.get("points")) != points:
            changed = True
        meta["points"] = points
    elif "points" in meta:
        del meta["points"]
        changed = True
    return changed


def _as_float(x) -> float | None:
    try:
        return float(x)
    except (TypeError, ValueError):
        return None
