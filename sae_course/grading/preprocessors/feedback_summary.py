"""Feedback pass: a summary a student can act on, at the top of their feedback.

Inserted as the notebook's first cell (after ``GetGrades`` put each graded cell's score in its metadata):

- the score, and the late penalty if any;
- a table with one row per exercise (answer cell): points earned / possible, passed, lost points, or not
  attempted;
- the exercises that lost points, most points lost first, each with the failure message of its first failing
  graded cell and, where it fails exactly the way a known plausible mistake does (``sae_course.grading.mistakes``),
  a one-line hint naming that mistake;
- a pointer to the grader's notes (timeouts, integrity flags: ``report.py`` puts them right below).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, List

from .. import mistakes as named
from . import issues

SUMMARY_TAG = "sae-feedback-summary"
NOTES_TAG = "sae-grader-notes"
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*$", re.M)


def _fmt(x) -> str:
    return f"{float(x):g}"


def _code(text: str, limit: int = 220) -> str:
    """Inline code (no markdown or math inside), one line."""
    t = re.sub(r"\s+", " ", str(text)).strip()
    if len(t) > limit:
        t = t[: limit - 1] + "…"
    t = t.replace("`", "'")
    return f"`{t}`" if t else ""


def _plain(text: str) -> str:
    return str(text).replace("|", "\\|").replace("$", "\\$")


def exercise_titles(nb) -> dict[str, str]:
    """Answer id -> the heading of the markdown cell that introduces it (e.g. "Exercise 0.3 — the loss")."""
    titles, last = {}, None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = HEADING.search(cell.source)
            if m:
                last = re.sub(r"[*_`]", "", m.group(1)).strip()
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and meta.get("grade_id"):
            titles[meta["grade_id"]] = last or meta["grade_id"]
    return titles


class FeedbackSummary(NbGraderPreprocessor):
    """Puts the per-exercise summary (and named-mistake hints) at the top of the feedback."""

    # nbconvert's HTMLExporter configures this for every NbConvertBase; declared here so traitlets accepts it quietly.
    display_data_priority = List(["text/html", "application/pdf", "text/latex", "image/svg+xml", "image/png",
                                  "image/jpeg", "text/plain"]).tag(config=True)

    hints = Bool(True, help="name known mistakes (authoring/mistakes/<section>/signatures.json)").tag(config=True)

    def preprocess(self, nb, resources):
        nb.cells = [c for c in nb.cells if SUMMARY_TAG not in c.metadata.get("tags", [])]
        nbg = resources.get("nbgrader", {})
        known = {}
        if self.hints:
            try:
                known = named.load_signatures(Path(issues.course_root(self.config)) / "authoring" / "mistakes",
                                              nbg.get("assignment", ""))
            except Exception as e:  # noqa: BLE001 - hints are a bonus; feedback must still be written
                self.log.warning("named mistakes unavailable: %s", e)
        cell = nbformat.v4.new_markdown_cell(self.summary(nb, nbg, known))
        cell.metadata["tags"] = [SUMMARY_TAG]
        nb.cells.insert(0, cell)
        return nb, resources

    def summary(self, nb, nbg: dict, known: dict) -> str:
        titles = exercise_titles(nb)
        rows, lost = [], []
        for aid in named.answer_ids(nb):
            graded = named.graded_cells_of(nb, aid)
            if not graded:
                continue
            pts = sum(float(c.metadata.nbgrader.get("points") or 0) for c in graded)
            scores = [c.metadata.nbgrader.get("score") for c in graded]
            got = sum(float(s or 0) for s in scores)
            outcomes = [(c.metadata.nbgrader["grade_id"], *named.cell_outcome(c)) for c in graded]
            failing = [(g, msg) for g, ok, msg in outcomes if not ok]
            if any(s is None for s in scores):
                status = "awaiting review"
            elif got >= pts and not failing:
                status = "✓ passed"
            elif failing and all(named.NOT_ATTEMPTED in m for _, m in failing) and got == 0:
                status = "not attempted"
            else:
                status = "✗ lost points"
            title = titles.get(aid, aid)
            rows.append(f"| {_plain(title)} (`{aid}`) | {_fmt(got)} / {_fmt(pts)} | {status} |")
            if got < pts or failing:
                hint = None
                if known.get(aid):
                    hits = named.match(known[aid], named.student_signature(nb, aid))
                    hint = named.hint_text(hits) if hits else None
                lost.append((pts - got, title, aid, failing, status, hint))
        total, mx = nbg.get("score"), nbg.get("max_score")
        late = float(nbg.get("late_penalty") or 0)
        lines = ["## Your results at a glance", ""]
        if total is not None and mx is not None:
            lines.append(f"**Score: {_fmt(total)} / {_fmt(mx)}**" + (f" (after a late penalty of {_fmt(late)})" if late else ""))
            lines.append("")
        if rows:
            lines += ["| exercise | points | result |", "|---|---|---|", *rows, ""]
        if lost:
            lines += ["### Where you lost points (most first)", ""]
            for i, (pts_lost, title, aid, failing, status, hint) in enumerate(
                    sorted(lost, key=lambda t: (-t[0], t[2])), 1):
                lines.append(f"{i}. **{_plain(title)}** (`{aid}`): lost {_fmt(pts_lost)} point(s)"
                             + (" — not attempted" if status == "not attempted" else ""))
                if status != "not attempted":
                    for gid, msg in failing[:2]:
                        shown = msg if msg != "stderr" else "the cell wrote to stderr (an error or warning), which scores 0"
                        lines.append(f"   - `{gid}`: {_code(shown) or 'failed'}")
                if hint:
                    lines.append(f"   - **Hint:** {_plain(hint)}")
            lines.append("")
        elif rows:
            lines += ["Every graded test passed.", ""]
        found = (nb.metadata.get(issues.META_KEY) or {}).get("issues") or []
        if found or any(NOTES_TAG in c.metadata.get("tags", []) for c in nb.cells):
            lines += [f"**The grader left {len(found) or 'some'} note(s) about this submission** "
                      "(time limits, integrity checks...): read them just below.", ""]
        lines.append("Each graded test below shows its points and, if it failed, the message it wrote for you. "
                     "The tests' code is hidden.")
        return "\n".join(lines)
