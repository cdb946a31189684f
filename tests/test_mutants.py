"""Every plausible mistake stored under authoring/mistakes/ loses points, and the released stubs score zero.

For each section with ``authoring/<section>.py`` and ``authoring/mistakes/<section>/``, the checker in
``sae_course.devtools.mutants`` runs the master notebook (ci profile) in one kernel, then swaps each answer cell for
each of its mutants and for nbgrader's stub and re-runs that exercise's graded cells.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from sae_course.devtools.mutants import check_section, load_mutants, read_cells, sections_with_mutants

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = sections_with_mutants(ROOT)
MIN_MUTANTS = 3


def _answer_ids(section: str) -> list[str]:
    nb = nbformat.read(str(ROOT / "source" / section / f"{section}.ipynb"), as_version=4)
    return [c.grade_id for c in read_cells(nb) if c.kind == "solution"]


@pytest.mark.parametrize("section", SECTIONS)
def test_every_answer_cell_has_enough_mutants(section):
    mutants, problems = load_mutants(ROOT / "authoring" / "mistakes" / section)
    assert not problems, "\n".join(problems)
    answers = _answer_ids(section)
    unknown = sorted(set(mutants) - set(answers))
    assert not unknown, f"mutant folders for answer ids that are not in the notebook: {unknown}"
    short = {a: len(mutants.get(a, [])) for a in answers if len(mutants.get(a, [])) < MIN_MUTANTS}
    assert not short, f"answer cells with fewer than {MIN_MUTANTS} mutants: {short}"


@pytest.mark.slow
@pytest.mark.parametrize("section", SECTIONS)
def test_solutions_pass_mutants_lose_points_stubs_score_zero(section):
    report = check_section(section, ROOT, profile="ci", min_mutants=MIN_MUTANTS)
    assert report.solution_run, "the notebook did not run"
    assert report.ok, report.summary(verbose=True)
    # Belt and braces: the report's verdicts, checked directly.
    for m in report.mutants:
        if m.is_stub:
            assert m.zero_points, f"{m.answer_id}: the stub passes some graded cell"
        else:
            assert m.lost_points, f"{m.answer_id}/{m.mutant}: loses no points"
    assert all(run.ok for run in report.solution_run), "some cell fails with the solutions"
