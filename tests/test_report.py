"""The cohort dashboard and the CSV exports, against a real nbgrader gradebook.

Once per session a tiny course is built in a temporary folder and graded with nbgrader's own
commands (generate_assignment, autograde, generate_feedback):

* ``00_toy``: exercise ``ex01_add`` (cells ``ex01_add_test`` 2 pts, ``ex01_add_test2`` 1 pt)
  and ``ex02_mul`` (``ex02_mul_test`` 2 pts); due 2025-01-10 12:00 UTC.
  alice: all right, on time (5/5); bob: ex01 half right, 30.5 h late (4/5);
  carol: the released stubs, just on time (0/5); dave: in the roster, no submission.
* ``01_empty``: released, nobody submitted.
"""

from __future__ import annotations

import csv
import datetime as dt
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from sae_course.grading.exports import RosterError, export_csvs, import_roster
from sae_course.grading.report import write_report

COURSE_ID = "sae-course"
DUE = dt.datetime(2025, 1, 10, 12, 0)
BOB_TS = dt.datetime(2025, 1, 11, 18, 30)

NBGRADER_CONFIG = '''\
import os
c = get_config()
HERE = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "sae-course"
c.CourseDirectory.root = HERE
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook", "gradebook.db")
c.Execute.timeout = 60
c.Autograde.create_student = True
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}
'''


def _meta(**kw):
    d = {"grade": False, "locked": False, "schema_version": 3, "solution": False, "task": False}
    d.update(kw)
    return {"nbgrader": d}


def _source_notebook(prefix: str = ""):
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [
        new_markdown_cell("# A toy section", metadata=_meta(grade_id=f"{prefix}intro", locked=True)),
        new_code_cell("def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION",
                      metadata=_meta(grade_id=f"{prefix}ex01_add", solution=True)),
        new_code_cell("assert add(1, 2) == 3",
                      metadata=_meta(grade_id=f"{prefix}ex01_add_test", grade=True, locked=True, points=2)),
        new_code_cell("assert add(-1, 1) == 0",
                      metadata=_meta(grade_id=f"{prefix}ex01_add_test2", grade=True, locked=True, points=1)),
        new_code_cell("def mul(a, b):\n    ### BEGIN SOLUTION\n    return a * b\n    ### END SOLUTION",
                      metadata=_meta(grade_id=f"{prefix}ex02_mul", solution=True)),
        new_code_cell("assert mul(2, 3) == 6",
                      metadata=_meta(grade_id=f"{prefix}ex02_mul_test", grade=True, locked=True, points=2)),
    ]
    return nb


def _nbgrader(root: Path, *args: str) -> None:
    env = dict(os.environ)
    # nbgrader runs `alembic` from PATH; keep the user's Jupyter config out of the way.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["JUPYTER_CONFIG_DIR"] = str(root / ".jupyter")
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"


def _gradebook(db_url: str):
    from nbgrader.api import Gradebook

    if shutil.which("alembic") is None:  # nbgrader runs it to create a gradebook
        os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent),
                                              os.environ.get("PATH", "")])
    return Gradebook(db_url, course_id=COURSE_ID)


@pytest.fixture(scope="session")
def _empty_template(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("template") / "gradebook.db"
    with _gradebook("sqlite:///" + str(db)):
        pass  # nbgrader creates the tables (running alembic: slow, so only once)
    return db


@pytest.fixture
def empty_db(_empty_template, tmp_path) -> str:
    """The URL of a fresh, empty nbgrader gradebook in tmp_path."""
    shutil.copy(_empty_template, tmp_path / "gradebook.db")
    return "sqlite:///" + str(tmp_path / "gradebook.db")


@pytest.fixture(scope="session")
def course(tmp_path_factory, _empty_template) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("course")
    (root / "nbgrader_config.py").write_text(NBGRADER_CONFIG)
    (root / "gradebook").mkdir()
    shutil.copy(_empty_template, root / "gradebook" / "gradebook.db")  # saves an alembic run
    for section, nb_name in (("00_toy", "toy"), ("01_empty", "second")):
        (root / "source" / section).mkdir(parents=True)
        nbformat.write(_source_notebook("" if section == "00_toy" else "s2_"),
                       root / "source" / section / f"{nb_name}.ipynb")
    _nbgrader(root, "generate_assignment", "*", "--force")

    db_url = "sqlite:///" + str(root / "gradebook" / "gradebook.db")
    with _gradebook(db_url) as gb:
        gb.update_or_create_assignment("00_toy", duedate=DUE)
        gb.update_or_create_student("dave", first_name="Dave", last_name="Dorm", email="dave@x.org")

    released = nbformat.read(root / "release" / "00_toy" / "toy.ipynb", as_version=4)
    answers = {  # student: (add body, mul body, timestamp)
        "alice": ("return a + b", "return a * b", "2025-01-09 10:00:00 UTC"),
        "bob": ("return a + b + (a < 0)", "return a * b", BOB_TS.strftime("%Y-%m-%d %H:%M:%S UTC")),
        "carol": (None, None, "2025-01-10 11:59:00 UTC"),
    }
    for sid, (add, mul, ts) in answers.items():
        nb = nbformat.reads(nbformat.writes(released), as_version=4)
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid == "ex01_add" and add:
                cell.source = "def add(a, b):\n    " + add
            if gid == "ex02_mul" and mul:
                cell.source = "def mul(a, b):\n    " + mul
        folder = root / "submitted" / sid / "00_toy"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "toy.ipynb")
        (folder / "timestamp.txt").write_text(ts)
    _nbgrader(root, "autograde", "00_toy")
    _nbgrader(root, "generate_feedback", "00_toy")
    return SimpleNamespace(root=root, db_url=db_url)


@pytest.fixture(scope="session")
def report(course, tmp_path_factory) -> SimpleNamespace:
    out = tmp_path_factory.mktemp("elsewhere") / "reports"  # outside the course on purpose
    index = write_report(course.db_url, out, course.root, course_id=COURSE_ID)
    text = index.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', text, re.S)
    assert m, "the dashboard embeds its numbers as JSON"
    return SimpleNamespace(index=index, out=out, html=text, data=json.loads(m.group(1)))


class _Checker(html.parser.HTMLParser):
    """Checks that non-void tags are closed in order (a cheap well-formedness test)."""

    VOID = {"meta", "br", "img", "input", "link", "hr", "col", "area", "base", "source", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.ids, self.links = [], [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def _check_html(text: str) -> _Checker:
    assert text.startswith("<!DOCTYPE html>")
    p = _Checker()
    p.feed(text)
    p.close()
    assert not p.errors, p.errors[:5]
    assert not p.stack, p.stack
    dup = {i for i in p.ids if p.ids.count(i) > 1}
    assert not dup, f"duplicated ids {dup}"
    return p


def _no_remote(text: str) -> None:
    """No script, style, image or link of the page itself points at the network (the inline
    plotly.js bundle mentions URLs in its code, which is why script bodies are left out)."""
    assert not re.search(r"<script[^>]*\bsrc\s*=", text, re.I), "every script is inline"
    markup = re.sub(r"(<script[^>]*>).*?</script>", r"\1</script>", text, flags=re.S | re.I)
    assert not re.search(r"<link\b", markup, re.I), "no external stylesheets"
    remote = re.findall(r"(?:src|href|url)\s*[=(]\s*[\"']?((?:https?:|wss?:)?//[^\"' >)]*)",
                        markup, re.I)
    assert not remote, f"remote resources: {remote[:5]}"
    assert "cdn.plot.ly" not in markup and "@import" not in markup


# --------------------------------------------------------------------------------------------
# The dashboard
# --------------------------------------------------------------------------------------------


def test_pages_are_written(report):
    assert report.index == report.out / "index.html"
    pages = sorted(p.name for p in (report.out / "students").glob("*.html"))
    assert pages == ["alice.html", "bob.html", "carol.html", "dave.html"]
    _check_html(report.html)
    for page in (report.out / "students").glob("*.html"):
        _check_html(page.read_text(encoding="utf-8"))


def test_offline_plotly_embedded_once(report):
    from plotly.offline import get_plotlyjs

    js = get_plotlyjs()
    assert report.html.count(js[:300]) == 1, "plotly.js embedded exactly once"
    _no_remote(report.html)
    for page in (report.out / "students").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        _no_remote(text)
        assert js[:300] not in text  # student pages stay small: tables, no plots
    for key in ("heatmap", "completion", "scores", "exercises", "late"):
        assert f'data-plot="{key}"' in report.html, key
        assert f'id="plot-{key}"' in report.html


def test_numbers_match_the_gradebook(course, report):
    from nbgrader.api import MissingEntry

    data = report.data
    assert data["sections"] == ["00_toy", "01_empty"]
    assert data["students"] == ["alice", "bob", "carol", "dave"]
    with _gradebook(course.db_url) as gb:
        for sid in data["students"]:
            for sec in data["sections"]:
                try:
                    sub = gb.find_submission(sec, sid)
                except MissingEntry:
                    expected = None
                else:
                    expected = sub.score
                assert data["scores"][sid][sec] == expected, (sid, sec)
        late = {(x["student"], x["section"]): x["seconds_late"] for x in data["late"]}
        assert late == {("bob", "00_toy"): gb.find_submission("00_toy", "bob").total_seconds_late}
    assert data["scores"]["alice"]["00_toy"] == 5
    assert data["scores"]["bob"]["00_toy"] == 4
    assert data["scores"]["carol"]["00_toy"] == 0  # submitted, all wrong: a real 0
    assert data["scores"]["dave"]["00_toy"] is None  # no submission: missing, not 0
    assert data["completion"] == {"00_toy": [3, 4], "01_empty": [0, 4]}
    assert late[("bob", "00_toy")] == (BOB_TS - DUE).total_seconds()


def test_tables_show_the_numbers(report):
    text = report.html
    row = re.search(r'<tr data-section="00_toy">(.*?)</tr>', text, re.S).group(1)
    assert ">3/4<" in row and ">75%<" in row and "2025-01-10 12:00:00" in row
    row = re.search(r'<tr data-section="01_empty">(.*?)</tr>', text, re.S).group(1)
    assert ">0/4<" in row
    dave = re.search(r'<tr data-student="dave">(.*?)</tr>', text, re.S).group(1)
    assert 'class="missing"' in dave and 'data-score' not in dave
    bob = re.search(r'<tr data-student="bob">(.*?)</tr>', text, re.S).group(1)
    assert 'data-score="4"' in bob and "late" in bob
    assert "Dave Dorm" in text
    late_table = re.search(r'<table id="late-table">(.*?)</table>', text, re.S).group(1)
    assert "bob" in late_table and "alice" not in late_table and "1 d 6 h" in late_table


def test_exercises_most_missed_first(report):
    ex = report.data["exercises"]
    graded = [(e["section"], e["exercise"], e["passed"], e["attempted"]) for e in ex
              if e["pass_rate"] is not None]
    assert graded == [("00_toy", "ex01_add", 1, 3), ("00_toy", "ex02_mul", 2, 3)]
    # the graded cells of one exercise are grouped: no "_test" left in exercise names
    assert all(not re.search(r"_test\d*$", e["exercise"]) for e in ex)
    # exercises of a section nobody submitted come last, without a rate
    assert [e["exercise"] for e in ex[2:]] == ["s2_ex01_add", "s2_ex02_mul"]
    assert all(e["pass_rate"] is None and e["attempted"] == 0 for e in ex[2:])
    order = re.findall(r'<tr data-exercise="([^"]+)">', report.html)
    assert order == ["ex01_add", "ex02_mul", "s2_ex01_add", "s2_ex02_mul"]


def test_student_pages_link_feedback(course, report):
    students = report.out / "students"
    page = (students / "alice.html").read_text(encoding="utf-8")
    links = [h for h in _check_html(page).links if "feedback" in h]
    assert links, "alice's page links her feedback"
    for href in links:
        assert not href.startswith(("/", "file:", "http")), "links are relative"
        target = (students / unquote(href)).resolve()
        assert target == (course.root / "feedback" / "alice" / "00_toy" / "toy.html").resolve()
        assert target.is_file()
    assert 'href="../index.html"' in page
    assert re.search(r'data-section="00_toy" data-status="graded".*5 / 5', page, re.S)
    assert 'data-section="01_empty" data-status="missing"' in page

    bob = (students / "bob.html").read_text(encoding="utf-8")
    row = re.search(r'<tr data-exercise="ex01_add">(.*?)</tr>', bob, re.S).group(1)
    assert "2 / 3" in row and "partly" in row and "33%" in row  # cohort pass rate 1/3
    assert "late by 1 d 6 h" in bob

    dave = (students / "dave.html").read_text(encoding="utf-8")
    assert "no submission" in dave and "no feedback yet" in dave
    assert "Dave Dorm" in dave and "dave@x.org" in dave


def test_report_inside_course_and_rerun(course, tmp_path):
    out = course.root / "reports"
    try:
        index = write_report(course.db_url, out, course.root)
        (out / "students" / "gone.html").write_text("stale")
        index = write_report(course.db_url, out, course.root)  # rerun: overwrites, prunes
        assert index.is_file()
        assert not (out / "students" / "gone.html").exists()
        page = (out / "students" / "alice.html").read_text(encoding="utf-8")
        assert 'href="../../feedback/alice/00_toy/toy.html"' in page
    finally:
        shutil.rmtree(out, ignore_errors=True)


def test_empty_gradebook_gives_a_valid_page(empty_db, tmp_path):
    db_url = empty_db
    index = write_report(db_url, tmp_path / "reports", tmp_path)
    text = index.read_text(encoding="utf-8")
    _check_html(text)
    _no_remote(text)
    assert 'id="message"' in text and "no sections yet" in text
    assert "data-plot=" not in text and "data-plot-missing" in text
    assert list((tmp_path / "reports" / "students").glob("*.html")) == []


def test_missing_gradebook_is_not_created(tmp_path):
    db = tmp_path / "nowhere" / "gradebook.db"
    index = write_report("sqlite:///" + str(db), tmp_path / "reports", tmp_path)
    text = index.read_text(encoding="utf-8")
    _check_html(text)
    assert "No gradebook yet" in text
    assert not db.exists()


def test_students_but_no_submissions(empty_db, tmp_path):
    db_url = empty_db
    with _gradebook(db_url) as gb:
        gb.add_assignment("00_toy", duedate=DUE)
        gb.add_notebook("toy", "00_toy")
        gb.add_grade_cell("ex01_add_test", "toy", "00_toy", max_score=2, cell_type="code")
        gb.add_student("zoe")
    index = write_report(db_url, tmp_path / "reports", tmp_path)
    text = index.read_text(encoding="utf-8")
    _check_html(text)
    assert "No graded submissions yet" in text
    assert 'data-plot="heatmap"' in text and 'data-plot="completion"' in text  # all missing, 0/1
    assert 'data-plot-missing="scores"' in text


# --------------------------------------------------------------------------------------------
# CSV exports
# --------------------------------------------------------------------------------------------


def _rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_export_by_section(course, tmp_path):
    paths = export_csvs(course.db_url, tmp_path / "out", course_id=COURSE_ID)
    assert [p.name for p in paths] == ["grades_by_section.csv", "grades_by_exercise.csv"]
    rows = {(r["student_id"], r["section"]): r for r in _rows(paths[0])}
    assert len(rows) == 8  # 4 students x 2 sections, missing ones included
    alice = rows[("alice", "00_toy")]
    assert (alice["status"], alice["score"], alice["max_score"], alice["percent"], alice["late"]) == (
        "graded", "5", "5", "100", "0")
    assert alice["submitted_at_utc"] == "2025-01-09 10:00:00"
    bob = rows[("bob", "00_toy")]
    assert (bob["score"], bob["percent"], bob["late"]) == ("4", "80", "1")
    assert bob["seconds_late"] == str(int((BOB_TS - DUE).total_seconds()))
    assert bob["due_at_utc"] == "2025-01-10 12:00:00"
    assert rows[("carol", "00_toy")]["score"] == "0" and rows[("carol", "00_toy")]["status"] == "graded"
    dave = rows[("dave", "00_toy")]
    assert (dave["status"], dave["score"], dave["percent"]) == ("missing", "", "")
    assert (dave["first_name"], dave["last_name"], dave["email"]) == ("Dave", "Dorm", "dave@x.org")
    assert all(rows[(s, "01_empty")]["status"] == "missing" for s in ("alice", "bob", "carol", "dave"))


def test_export_by_exercise(course, tmp_path):
    _, path = export_csvs(course.db_url, tmp_path, course_id=COURSE_ID)
    rows = {(r["student_id"], r["exercise"]): r for r in _rows(path)}
    assert len(rows) == 16  # 4 students x (2 + 2) exercises
    bob = rows[("bob", "ex01_add")]
    assert (bob["score"], bob["max_score"], bob["passed"]) == ("2", "3", "0")
    assert bob["graded_cells"] == "ex01_add_test ex01_add_test2"
    assert rows[("bob", "ex02_mul")]["passed"] == "1"
    assert rows[("alice", "ex01_add")]["passed"] == "1"
    assert (rows[("carol", "ex02_mul")]["score"], rows[("carol", "ex02_mul")]["passed"]) == ("0", "0")
    assert rows[("dave", "ex01_add")]["status"] == "missing" and rows[("dave", "ex01_add")]["score"] == ""
    # per-exercise scores add up to the section score
    with _gradebook(course.db_url) as gb:
        for sid in ("alice", "bob", "carol"):
            total = sum(float(r["score"]) for (s, _), r in rows.items()
                        if s == sid and r["section"] == "00_toy")
            assert total == gb.find_submission("00_toy", sid).score


def test_export_empty_gradebook(tmp_path):
    paths = export_csvs("sqlite:///" + str(tmp_path / "none.db"), tmp_path / "out")
    for p in paths:
        lines = p.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 1 and lines[0].startswith("student_id,")


# --------------------------------------------------------------------------------------------
# Roster import
# --------------------------------------------------------------------------------------------


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _student_ids(db_url):
    with _gradebook(db_url) as gb:
        return sorted(s.id for s in gb.students)


def test_roster_import(empty_db, tmp_path):
    db_url = empty_db
    roster = _write(tmp_path / "roster.csv",
                    "\ufeffid,first_name,last_name,email,lms_user_id\n"
                    "ada,Ada,Lovelace,ada@x.org,1001\n"
                    " bea , Bea ,Ba,,\n"
                    "\n"
                    "cy,Cy,,cy@x.org,1003\n")
    assert import_roster(db_url, roster) == 3
    with _gradebook(db_url) as gb:
        ada = gb.find_student("ada")
        assert (ada.first_name, ada.last_name, ada.email, ada.lms_user_id) == (
            "Ada", "Lovelace", "ada@x.org", "1001")
        bea = gb.find_student("bea")
        assert (bea.first_name, bea.email, bea.lms_user_id) == ("Bea", None, None)

    # a second import updates; columns it lacks are left alone
    roster2 = _write(tmp_path / "r2.csv", "id,last_name\nada,King\ndan,Dee\n")
    assert import_roster(db_url, roster2) == 2
    with _gradebook(db_url) as gb:
        ada = gb.find_student("ada")
        assert (ada.first_name, ada.last_name, ada.lms_user_id) == ("Ada", "King", "1001")
    assert _student_ids(db_url) == ["ada", "bea", "cy", "dan"]


def test_roster_names_show_in_report(course, tmp_path):
    db = tmp_path / "gradebook.db"
    shutil.copy(course.root / "gradebook" / "gradebook.db", db)
    db_url = "sqlite:///" + str(db)
    roster = _write(tmp_path / "roster.csv", "id,first_name,last_name,email\n"
                                             "alice,Alice,Apple,a@x.org\nerin,Erin,Eel,e@x.org\n")
    assert import_roster(db_url, roster) == 2
    text = write_report(db_url, tmp_path / "reports", course.root).read_text(encoding="utf-8")
    assert "Alice Apple" in text and "Erin Eel" in text
    data = json.loads(re.search(r'id="report-data">(.*?)</script>', text, re.S).group(1))
    assert data["completion"]["00_toy"] == [3, 5]  # erin is in the cohort, without a submission


@pytest.mark.parametrize("text, message", [
    ("student,first_name\nada,Ada\n", "no 'id' column"),
    ("first_name,last_name,email\nAda,L,a@x.org\n", "no 'id' column"),
    ("", "empty file"),
    ("id,first_name\nada,Ada\nbea,Bea\nada,Ada2\n", "duplicated student id(s): 'ada' on lines 2, 4"),
    ("id,firstname\nada,Ada\n", "unknown column(s) ['firstname']"),
    ("id,first_name\nada,Ada\n,Nobody\n", "line 3: empty student id"),
    ("id,first_name\nada lovelace,Ada\n", "contains spaces or slashes"),
    ("id,first_name\nada,Ada,extra\n", "more fields than the header"),
])
def test_roster_errors(empty_db, tmp_path, text, message):
    db_url = empty_db
    with _gradebook(db_url) as gb:
        gb.add_student("zed")
    roster = _write(tmp_path / "roster.csv", text)
    with pytest.raises(RosterError) as err:
        import_roster(db_url, roster)
    assert message in str(err.value)
    assert str(roster) in str(err.value)
    assert _student_ids(db_url) == ["zed"], "nothing is written when the roster is bad"


def test_roster_missing_file(tmp_path):
    with pytest.raises(RosterError, match="no such roster file"):
        import_roster("sqlite:///" + str(tmp_path / "g.db"), tmp_path / "nope.csv")


def test_late_penalty_is_the_same_score_everywhere(course, tmp_path):
    """With a late penalty configured, grades.csv, the exports, the score table and the dashboard
    all show nbgrader's score (raw score minus the penalty), read by one gradebook reader."""
    from sae_course.grading.autograde import collect_scores, score_table, write_grades_csv

    root = tmp_path / "late-course"
    shutil.copytree(course.root, root)
    with (root / "nbgrader_config.py").open("a") as f:
        f.write('c.LateSubmissionPlugin.penalty_method = "zero"\n')
    _nbgrader(root, "autograde", "00_toy", "--force", "--student=bob")
    db_url = "sqlite:///" + str(root / "gradebook" / "gradebook.db")
    with _gradebook(db_url) as gb:
        sub = gb.find_submission("00_toy", "bob")
        raw, penalty = float(sub.score), float(sub.late_submission_penalty)
    assert raw > 0 and penalty == raw, "bob is late: the 'zero' method takes his whole score"
    want = max(0.0, raw - penalty)

    scores = {(s.student, s.section): s for s in collect_scores(None, db_url)}
    assert scores[("bob", "00_toy")].score == want
    grades = write_grades_csv(list(scores.values()), root / "reports" / "grades.csv")
    rows = {(r["student"], r["section"]): r for r in csv.DictReader(grades.open())}
    assert float(rows[("bob", "00_toy")]["score"]) == want
    table = score_table(list(scores.values()))
    bob_line = next(ln for ln in table.splitlines() if ln.startswith("bob "))
    assert f"{want:g}/" in bob_line and f"{raw:g}/" not in bob_line.replace(f"{want:g}/", "", 1)
    export_dir = root / "reports" / "exports"
    export_csvs(db_url, export_dir, course_id=COURSE_ID)
    exported = [r for p in export_dir.glob("*.csv") for r in csv.DictReader(p.open())
                if r.get("student_id") == "bob" and r.get("section") == "00_toy" and "exercise" not in r]
    assert exported and all(float(r["score"]) == want for r in exported), exported
    index = write_report(db_url, root / "reports", root, course_id=COURSE_ID)
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', index.read_text(), re.S)
    assert json.loads(m.group(1))["scores"]["bob"]["00_toy"] == want
    # The untouched alice and carol keep their scores.
    assert scores[("alice", "00_toy")].score == 5.0
