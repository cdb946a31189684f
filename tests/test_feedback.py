"""Feedback that teaches without giving the answers away (docs/feedback.md).

Fast tests build notebooks by hand; the end-to-end tests read the demo course that tests/conftest.py grades once
per session (`sae-course demo`, the command `make demo` runs) and check, for every section:

- no hidden-test line of any master notebook appears in any file under feedback/ (the same rule as
  shared/hooks/feedback_leaks.py: a line of a hidden block, >= 25 characters, not in the release notebook,
  found whitespace-normalised in the tag-stripped text of a feedback file);
- each feedback file shows every graded cell with its points, and the failure messages;
- no feedback or dashboard file loads a script from the network;
- stock `nbgrader generate_feedback` on the graded course gives the same stripped output.
"""

from __future__ import annotations

import glob
import html as htmllib
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from conftest import ROOT
from sae_course.grading import mistakes
from sae_course.grading.mathjax import inline_script
from sae_course.grading.preprocessors.feedback_summary import FeedbackSummary
from sae_course.grading.preprocessors.hide_tests import HideHiddenTests

NETWORK_SCRIPT = re.compile(r"<script[^>]+src\s*=\s*[\"']?\s*(https?:)?//", re.I)


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def _src(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def hidden_lines(root: Path, sections: list[str]) -> set[str]:
    """Distinctive hidden-test lines of the master notebooks that the release does not show anyway."""
    hidden, public = set(), set()
    for sec in sections:
        for cell in json.loads((root / "source" / sec / f"{sec}.ipynb").read_text())["cells"]:
            inside = False
            for line in _src(cell).splitlines():
                if "BEGIN HIDDEN TESTS" in line:
                    inside = True
                    continue
                if "END HIDDEN TESTS" in line:
                    inside = False
                    continue
                if inside and len(line.strip()) >= 25:
                    hidden.add(_norm(line))
        rel = root / "release" / sec / f"{sec}.ipynb"
        if rel.is_file():
            for cell in json.loads(rel.read_text())["cells"]:
                public.update(_norm(x) for x in _src(cell).splitlines())
    return hidden - public


def feedback_text(feedback_dir: Path) -> tuple[str, int]:
    """Every file under feedback_dir as one text: each file tag-stripped and unescaped, and raw (non-HTML files,
    attributes), whitespace-normalised; and the number of files."""
    files = [Path(f) for f in glob.glob(str(feedback_dir / "**" / "*"), recursive=True) if Path(f).is_file()]
    texts = []
    for f in files:
        raw = f.read_text(errors="replace")
        texts.append(_norm(htmllib.unescape(re.sub(r"<[^>]+>", "", raw))))
        texts.append(_norm(raw))  # and the raw text (non-HTML files, attributes)
    return " ".join(texts), len(files)


def searchable(text: str, lines: set[str]) -> str:
    """A shorter text that contains each of `lines` exactly when `text` does.

    The feedback files repeat the same large scripts (plotly.js, MathJax) in every file; searching each hidden line
    through every copy took most of this test's time. Cut `text` at every character that no line contains: each
    occurrence of a line lies inside one of the pieces, so the distinct pieces, joined by such a character, contain
    the same lines."""
    cuts = set(text) - set().union(*map(set, lines)) if lines else set()
    if not cuts:
        return text
    pieces = re.split("[" + "".join(map(re.escape, sorted(cuts))) + "]", text)
    return min(cuts).join(dict.fromkeys(pieces))


def leaked_lines(feedback_dir: Path, hidden: set[str]) -> tuple[list[str], int]:
    """The hidden lines found in the feedback files, and the number of files."""
    text, n_files = feedback_text(feedback_dir)
    text = searchable(text, hidden)
    return sorted(h for h in hidden if h in text), n_files


# --------------------------------------------------------------------------------------------------------------------
# Fast: a notebook made by hand


def _graded_nb():
    tb_student = "\x1b[0;32mCell In[3], line 2\x1b[0m, in \x1b[0;36mloss\x1b[0;34m(x)\x1b[0m\n----> 2 return x.sum() / 0\n"
    tb_hidden = "Cell \x1b[0;32mIn[4], line 5\x1b[0m\n      3 _ref = (x ** 2).mean()  # reference solution\n----> 5 _chk.assert_close(loss(x), _ref)\n"
    tb_lib = "File \x1b[0;32m/venv/lib/sae_course/checks.py:60\x1b[0m, in \x1b[0;36massert_close\x1b[0m\n     59 if not ok:\n---> 60     _fail(...)\n"
    nb = new_notebook()
    nb.cells = [
        new_markdown_cell("### Exercise 0.3 — the loss $L = \\sum_i x_i^2$"),
        new_code_cell("def loss(x):\n    return x.sum() / 0\n", execution_count=3,
                      metadata={"nbgrader": {"solution": True, "grade": False, "grade_id": "ex03_loss", "locked": False}}),
        new_code_cell("### BEGIN HIDDEN TESTS\nimport sae_course.checks as _chk\n_ref = (x ** 2).mean()  # reference solution\n"
                      "_chk.assert_close(loss(x), _ref)\n### END HIDDEN TESTS\n", execution_count=4,
                      metadata={"nbgrader": {"grade": True, "solution": False, "grade_id": "ex03_loss_test",
                                             "points": 2, "score": 0.0, "locked": True}},
                      outputs=[new_output("execute_result", data={"text/plain": "tensor(0.1234)"}, execution_count=4),
                               new_output("error", ename="CheckFailed", evalue="loss: 3 of 4 values are wrong (off by 1% to 10%)",
                                          traceback=["\x1b[0;31m------\x1b[0m", "CheckFailed   Traceback (most recent call last)",
                                                     tb_hidden, tb_student, tb_lib,
                                                     "\x1b[0;31mCheckFailed\x1b[0m: loss: 3 of 4 values are wrong"])]),
        new_code_cell("# a student's note\nprint('hi')  ### BEGIN HIDDEN TESTS\n_secret_reference_line = 1\n### END HIDDEN TESTS\n"),
    ]
    return nb


def test_hidden_tests_are_replaced_and_tracebacks_cut():
    nb, _ = HideHiddenTests().preprocess(_graded_nb(), {})
    graded = nb.cells[2]
    assert "reference solution" not in graded.source and "_chk" not in graded.source
    assert "ex03_loss_test" in graded.source and "0 / 2" in graded.source and "FAILED" in graded.source
    assert [o.output_type for o in graded.outputs] == ["error"]  # the hidden code's value is gone
    tb = "\n".join(graded.outputs[0].traceback)
    assert "return x.sum() / 0" in tb  # the student's own frame stays
    assert "_ref" not in tb and "assert_close" not in tb and "checks.py" not in tb
    assert "CheckFailed: loss: 3 of 4 values are wrong (off by 1% to 10%)" in tb
    assert "_secret_reference_line" not in nb.cells[3].source and "a student's note" in nb.cells[3].source


def test_summary_lists_exercises_points_lost_and_a_named_mistake(tmp_path):
    nb, _ = HideHiddenTests().preprocess(_graded_nb(), {})
    sig = mistakes.student_signature(nb, "ex03_loss")
    known = {"ex03_loss": [mistakes.KnownMistake("ex03_loss", "no_square", "# Mistake: forgets to square the error.", sig),
                           mistakes.KnownMistake("ex03_loss", "other", "Sums instead of averaging", (("ex03_loss_test", False, "x"),))]}
    text = FeedbackSummary().summary(nb, {"score": 0, "max_score": 2, "late_penalty": 0}, known)
    assert "Score: 0 / 2" in text and "Exercise 0.3" in text and "ex03_loss" in text
    assert "Where you lost points" in text and "3 of 4 values are wrong" in text
    assert "forgets to square the error" in text and "Sums instead" not in text


def test_signatures_ignore_numbers_and_disagreeing_matches_stay_silent():
    a = mistakes.signature_of([("t", False, "CheckFailed: x (n=3): 3 of 12 values are wrong (off by 1% to 10%)")])
    b = mistakes.signature_of([("t", False, "CheckFailed: x (n=7): 10 of 40 values are wrong (off by 1% to 10%)")])
    assert a == b
    k1 = mistakes.KnownMistake("ex", "m1", "Forgets the bias", a)
    k2 = mistakes.KnownMistake("ex", "m2", "Uses the wrong axis", a)
    k3 = mistakes.KnownMistake("ex", "m3", "Drops the ReLU", a)
    assert mistakes.match([k1], b) == [k1]
    assert mistakes.match([k1, k1], b) == [k1]  # the same mistake twice is one name
    assert mistakes.match([k1, k2], b) == []  # two different mistakes look the same: no hint (by default)
    assert mistakes.match([k1, k2], b, max_names=2) == [k1, k2]  # or both named, if asked
    assert mistakes.match([k1, k2, k3], b, max_names=2) == []
    stub = mistakes.signature_of([("t", False, "NotImplementedError: ")])
    assert mistakes.match([mistakes.KnownMistake("ex", "s", "stub", stub)], stub) == []
    acc = mistakes.accuracy({"ex": [k1, k2]}, max_names=2)
    assert acc["held_in"] == {"among_two": 2} and acc["held_out"] == {"wrong": 2}
    acc = mistakes.accuracy({"ex": [k1, k2]})
    assert acc["held_in"] == {"silent": 2} and acc["held_out"] == {"wrong": 2}
    acc = mistakes.accuracy({"ex": [k1, k2, k3]}, max_names=2)
    assert acc["held_in"] == {"silent": 3} and acc["held_out"] == {"wrong": 3}


def test_dashboard_counts_named_mistakes_per_exercise(tmp_path):
    nb = _graded_nb()
    sig = mistakes.student_signature(nb, "ex03_loss")
    sec = "00_demo"
    for st in ("amy", "ben"):
        d = tmp_path / "autograded" / st / sec
        d.mkdir(parents=True)
        nbformat.write(nb, str(d / f"{sec}.ipynb"))
    (tmp_path / "authoring" / "mistakes" / sec).mkdir(parents=True)
    (tmp_path / "authoring" / "mistakes" / sec / mistakes.SIGNATURES_FILE).write_text(json.dumps({"answers": {
        "ex03_loss": {"graded": ["ex03_loss_test"], "mutants": [
            {"name": "no_square", "description": "# Forgets to square the error.", "signature": [list(x) for x in sig]}]}}}))
    rows = mistakes.named_mistake_counts(tmp_path)
    assert rows == [{"section": sec, "exercise": "ex03_loss", "mistake": "forgets to square the error",
                     "name": "no_square", "students": 2}]
    card = mistakes.mistakes_card(tmp_path)
    assert 'id="named-mistakes"' in card and "forgets to square the error" in card and ">2<" in card


def test_searchable_text_holds_exactly_the_lines_the_full_text_holds():
    import random

    rng = random.Random(0)
    alphabet = "ab c(d)=e_$;{}\u00e9Q"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 400)))
        text = text * rng.randrange(1, 4)  # repeated content, as the scripts in every feedback file
        lines = {"".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 5))) for _ in range(20)}
        lines |= {text[i:i + n] for i, n in ((rng.randrange(0, len(text) + 1), rng.randrange(1, 9)) for _ in range(5))}
        lines.discard("")
        small = searchable(text, lines)
        assert {h for h in lines if h in small} == {h for h in lines if h in text}, (text, lines)
    assert len(searchable("x$ab$ab$ab$y", {"ab", "x", "y"})) < len("x$ab$ab$ab$y")


def test_mathjax_is_inlined_from_the_installed_package():
    s = inline_script()
    assert "MathJax.Hub" in s and "NativeMML" in s and len(s) > 100_000
    assert not NETWORK_SCRIPT.search(s)


def test_committed_signatures_name_existing_mistakes():
    for path in sorted((ROOT / "authoring" / "mistakes").glob("*/" + mistakes.SIGNATURES_FILE)):
        data = json.loads(path.read_text())
        for aid, entry in data["answers"].items():
            for m in entry["mutants"]:
                assert (path.parent / aid / f"{m['name']}.py").is_file(), f"{path}: {aid}/{m['name']} no longer exists"


# --------------------------------------------------------------------------------------------------------------------
# End to end, on the demo course graded once per session (tests/conftest.py)


@pytest.mark.slow
def test_no_hidden_test_line_reaches_any_feedback_file(demo):
    root, _, _ = demo
    hidden = {sec: hidden_lines(root, [sec]) for sec in demo_sections(root)}
    full, n_files = feedback_text(root / "feedback")  # read once, searched for every section's lines
    text = searchable(full, set().union(*hidden.values()))
    assert n_files >= 3
    for sec, lines in hidden.items():
        assert lines, f"{sec}: no hidden-test lines found in the master notebook"
        leaked = sorted(h for h in lines if h in text)
        assert not leaked, f"{sec}: {len(leaked)} hidden-test line(s) in feedback/, e.g. {leaked[-1][:150]!r}"


def demo_sections(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "source").iterdir() if (p / f"{p.name}.ipynb").is_file())


@pytest.mark.slow
def test_feedback_shows_points_per_graded_cell_and_messages(demo):
    root, _, _ = demo
    for sec in demo_sections(root):
        src = nbformat.read(str(root / "source" / sec / f"{sec}.ipynb"), 4)
        graded = [(c.metadata.nbgrader["grade_id"], c.metadata.nbgrader["points"]) for c in src.cells
                  if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata.nbgrader.get("solution")]
        for student in ("demo-full", "demo-blank", "demo-partial"):
            text = htmllib.unescape((root / "feedback" / student / sec / f"{sec}.html").read_text())
            assert "Your results at a glance" in text, f"{student}/{sec}: no summary"
            for gid, pts in graded:
                m = re.search(rf"Graded test {re.escape(gid)}: ([\d.]+) / {pts:g} points, (PASSED|FAILED)", text)
                assert m, f"{student}/{sec}: {gid} is not shown with its points"
                if student == "demo-full":
                    assert m.group(2) == "PASSED", f"{sec}/{gid}"
                if student == "demo-blank":
                    assert m.group(2) == "FAILED" and float(m.group(1)) == 0, f"{sec}/{gid}"
        blank = (root / "feedback" / "demo-blank" / sec / f"{sec}.html").read_text()
        assert "NotImplementedError" in blank and "not attempted" in blank
        partial = (root / "feedback" / "demo-partial" / sec / f"{sec}.html").read_text()
        lost = partial.split("Where you lost points", 1)[-1].split("Each graded test below", 1)[0]
        assert re.search(r"_test\d*</code>: <code>\w*(Error|Failed|Exception)\b", lost), \
            f"{sec}: the summary shows no failure message for demo-partial"


@pytest.mark.slow
def test_no_feedback_or_dashboard_file_loads_a_script_from_the_network(demo):
    root, _, _ = demo
    files = glob.glob(str(root / "feedback" / "**" / "*.html"), recursive=True) + \
        glob.glob(str(root / "reports" / "**" / "*.html"), recursive=True)
    assert len(files) >= 4
    for f in files:
        text = Path(f).read_text(errors="replace")
        assert not NETWORK_SCRIPT.search(text), f"{f} loads a script from the network"
    fb = (root / "feedback" / "demo-partial" / demo_sections(root)[0])
    assert "MathJax" in next(fb.glob("*.html")).read_text()


@pytest.mark.slow
def test_stock_nbgrader_generate_feedback_is_stripped_too(demo):
    root, _, _ = demo
    sec = demo_sections(root)[0]
    target = root / "feedback" / "demo-partial" / sec / f"{sec}.html"
    before = target.read_text()
    target.unlink()
    nbgrader = Path(sys.executable).parent / "nbgrader"
    proc = subprocess.run([str(nbgrader), "generate_feedback", sec, "--force", "--student=demo-partial"],
                          cwd=root, text=True, capture_output=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    after = target.read_text()
    leaked, _ = leaked_lines(target.parent, hidden_lines(root, [sec]))
    assert not leaked, leaked[:3]
    assert "Your results at a glance" in after and "Graded test" in after
    assert _norm(re.sub(r"<[^>]+>", "", before)) == _norm(re.sub(r"<[^>]+>", "", after))


@pytest.mark.slow
def test_demo_partial_gets_named_mistake_hints(demo):
    """demo-partial hands in a known mistake (the first of authoring/mistakes/<section>/<answer>/) for every third
    answer; where the committed signatures can tell that mistake apart, its feedback names it and the dashboard
    counts it."""
    root, _, _ = demo
    expected = []
    for sec in demo_sections(root):
        known = mistakes.load_signatures(root / "authoring" / "mistakes", sec)
        folder = root / "authoring" / "mistakes" / sec
        release = nbformat.read(str(root / "release" / sec / f"{sec}.ipynb"), 4)
        for k, aid in enumerate(mistakes.answer_ids(release)):
            files = sorted((folder / aid).glob("*.py")) if (folder / aid).is_dir() else []
            if k % 3 != 1 or not files or not known.get(aid):
                continue
            mine = [m for m in known[aid] if m.name == files[0].stem]
            if mine and mistakes.match(known[aid], mine[0].signature):
                expected.append((sec, aid, mistakes.label(mistakes.match(known[aid], mine[0].signature))))
    if not expected:
        pytest.skip("no signatures.json tells demo-partial's mistakes apart (python -m sae_course.devtools.mutants "
                    "<section> --signatures)")
    def hints(sec):  # (the answer cell itself carries the mistake's comment: look in the hints only)
        raw = (root / "feedback" / "demo-partial" / sec / f"{sec}.html").read_text()
        return _norm(htmllib.unescape(re.sub(r"<[^>]+>", "", raw)))

    shown = [(sec, aid, lab) for sec, aid, lab in expected if f"Hint: your answer fails these tests exactly the way a "
             f"common mistake does: {lab}." in hints(sec)]
    assert shown, f"no expected hint in demo-partial's feedback (stale signatures?): {expected}"
    counted = {(r["section"], r["exercise"]) for r in mistakes.named_mistake_counts(root)}
    assert {(s, a) for s, a, _ in shown} <= counted
    assert 'id="mistake-table"' in (root / "reports" / "index.html").read_text()
