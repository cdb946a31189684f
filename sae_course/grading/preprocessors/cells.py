"""Which cells of a notebook being graded are the course's, and which are the student's.

Trust comes from the gradebook, never from the submitted notebook's metadata. In the sanitize
pass, after ``OverwriteCells`` and ``RestoreMissingCells``, ``MarkCellRoles`` looks every cell
up in the gradebook: a cell is the course's only if its grade id is a locked or graded cell of
the master notebook *and* its source is exactly the master's. It writes the verdict into the
cell's metadata (``sae_role``: ``locked`` for setup cells and visible tests, ``graded`` for
autograded tests) and removes the key from every other cell, so a forged value never survives.

The execute pass (which, with the parallel engine, runs in a worker that has no gradebook) then
reads the roles from the metadata with ``roles(nb)``: every code cell without a role (answer
cells, cells the student added, cells with forged nbgrader metadata) is the student's, and is
what the tamper scan reads and the integrity probes watch.
"""

from __future__ import annotations

from dataclasses import dataclass

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor

from . import issues

ROLE_KEY = "sae_role"
COURSE_ROLES = ("locked", "graded")


@dataclass(frozen=True)
class CellRole:
    index: int
    role: str  # "locked" (setup / visible test), "graded" (autograded test), "student"
    grade_id: str | None


def roles(nb) -> list[CellRole]:
    """The role of every cell of ``nb`` (as marked by ``MarkCellRoles``)."""
    out = []
    for i, cell in enumerate(nb.cells):
        role = cell.metadata.get(ROLE_KEY)
        out.append(CellRole(i, role if role in COURSE_ROLES else "student", issues.grade_id(cell)))
    return out


class MarkCellRoles(NbGraderPreprocessor):
    """Sanitize pass: marks the course's cells, from the gradebook."""

    def preprocess(self, nb, resources):
        nbg = resources.get("nbgrader") or {}
        locked: dict[str, str] = {}
        graded: set[str] = set()
        try:
            with Gradebook(nbg["db_url"]) as gb:
                source_nb = gb.find_notebook(nbg["notebook"], nbg["assignment"])
                solutions = {c.name for c in source_nb.solution_cells}
                for c in source_nb.source_cells:
                    if c.locked and c.name not in solutions:
                        locked[c.name] = c.source
                graded = {c.name for c in source_nb.grade_cells if c.name not in solutions}
        except (KeyError, MissingEntry):
            pass
        for cell in nb.cells:
            cell.metadata.pop(ROLE_KEY, None)
            gid = issues.grade_id(cell)
            if gid in locked and cell.source == locked[gid]:
                cell.metadata[ROLE_KEY] = "graded" if gid in graded else "locked"
        return nb, resources
