"""Feedback pass (``nbgrader generate_feedback``): no hidden test reaches a student.

nbgrader puts the autograded notebook, hidden tests included, into the feedback HTML (its issue #917). This
step, configured in ``nbgrader_config.py`` after ``GetGrades``, rewrites the notebook before it becomes HTML:

- every graded test cell's source is replaced by a short description: its name, its points, passed or not
  (the test's code stays readable for instructors in ``autograded/`` and the formgrader);
- any other cell that carries a ``BEGIN HIDDEN TESTS`` block loses the block;
- every traceback is cut to the student's own code: frames in graded cells (hidden code) and in library files
  are dropped; what remains is the student's frames and the failure message the check wrote for students;
- a graded cell's ``execute_result`` (the value of its last line, hidden code's) is dropped, and so is any line
  of its printed output that repeats a line of its code (Python's warnings quote the line that raised them).
"""

from __future__ import annotations

import re

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, List

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
CELL_FRAME = re.compile(r"^(?:Cell In ?\[(\d+)\]|Input In ?\[(\d+)\])")


def strip_hidden(source: str) -> str:
    """Drop every line from one that mentions BEGIN HIDDEN TESTS to the next that mentions END HIDDEN TESTS."""
    out, inside = [], False
    for line in source.splitlines():
        if "BEGIN HIDDEN TESTS" in line:
            inside = True
            out.append("# (hidden test code removed)")
        elif inside and "END HIDDEN TESTS" in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def is_graded_test(cell) -> bool:
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


def _fmt(x) -> str:
    try:
        return f"{float(x):g}"
    except (TypeError, ValueError):
        return "?"


def describe(cell) -> str:
    """The source a student sees in place of a graded test."""
    meta = cell.metadata.get("nbgrader", {})
    gid, points, score = meta.get("grade_id", "?"), meta.get("points"), meta.get("score")
    failed = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
    if score is None:
        verdict = "awaiting an instructor's review"
    elif points is not None and float(score) >= float(points) and not failed:
        verdict = "PASSED"
    else:
        verdict = "FAILED"
    lines = [f"# Graded test {gid}: {_fmt(score) if score is not None else '-'} / {_fmt(points)} points, {verdict}",
             "# The test's code is hidden: it checks your answer against a reference on inputs you do not see."]
    if verdict == "FAILED":
        lines.append("# Below: what went wrong, with the traceback cut to your own code.")
    return "\n".join(lines)


class HideHiddenTests(NbGraderPreprocessor):
    """Replaces hidden tests by descriptions and cuts tracebacks to the student's code."""

    # nbconvert's HTMLExporter configures this for every NbConvertBase; declared here so traitlets accepts it quietly.
    display_data_priority = List(["text/html", "application/pdf", "text/latex", "image/svg+xml", "image/png",
                                  "image/jpeg", "text/plain"]).tag(config=True)

    drop_library_frames = Bool(True, help="also drop traceback frames in library files (checks, torch, ...)").tag(config=True)

    def preprocess(self, nb, resources):
        # execution count -> is the cell the course's graded test?
        graded_counts = {c.get("execution_count") for c in nb.cells if is_graded_test(c)} - {None}
        student_counts = {c.get("execution_count") for c in nb.cells
                          if c.cell_type == "code" and not is_graded_test(c)} - {None}
        for cell in nb.cells:
            if is_graded_test(cell):
                secret = {ln.strip() for ln in cell.source.splitlines() if len(ln.strip()) >= 6}
                cell.source = describe(cell)
                cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") != "execute_result"]
                for out in cell.outputs:  # a warning quotes the line of hidden code that raised it
                    if out.get("output_type") == "stream":
                        text = out.get("text", "")
                        text = "".join(text) if isinstance(text, list) else text
                        out["text"] = "".join(ln for ln in text.splitlines(True) if ln.strip() not in secret)
            elif "BEGIN HIDDEN TESTS" in cell.source:
                cell.source = strip_hidden(cell.source)
            if cell.cell_type == "code":
                for out in cell.get("outputs", []):
                    if out.get("output_type") == "error":
                        out["traceback"] = self.cut_traceback(out, graded_counts, student_counts)
        return nb, resources

    def cut_traceback(self, out, graded_counts: set, student_counts: set) -> list[str]:
        ename, evalue = out.get("ename", "Error"), out.get("evalue", "")
        kept, dropped = [], 0
        frames = list(out.get("traceback") or [])
        for frame in frames[:-1] if frames else []:
            plain = ANSI.sub("", frame).lstrip()
            m = CELL_FRAME.match(plain)
            if m:
                n = int(m.group(1) or m.group(2))
                if n in student_counts and n not in graded_counts:
                    kept.append(frame)
                else:
                    dropped += 1
            elif plain.startswith("File ") and not self.drop_library_frames:
                kept.append(frame)
            elif plain.startswith(("File ", "Cell ", "Input ")):
                dropped += 1
            # anything else: the "----" rule and the "Traceback (most recent call last)" header
        message = f"{ename}: {evalue}" if evalue else f"{ename} (the test stopped here without a message)"
        if not kept:
            return [message]
        note = f"(traceback cut to your own code: {dropped} frame(s) in the test or in library code left out)"
        return ["Traceback (your code):", *kept, message, note]
