"""The course hub, end to end in a real browser, plus its parts without one.

- ``test_student_loop_in_the_browser``: JupyterHub (hub/start.py, CI profile) on a free port of
  127.0.0.1, over a scratch copy of the course under /tmp/hub-*; Debian's Chromium driven by
  Playwright (pinned; ``executable_path``, no ``playwright install``) logs in as a student, fetches
  00_toy_models from the Assignment List, writes an answer, saves, submits, waits for the autograder
  service's feedback, opens it and reads the score (and no hidden test in it); then logs in as the
  instructor and finds the submission in formgrader. Without Chromium or Node.js it skips, unless CI
  is set: then it fails.
- the autograder service without a browser: two simultaneous submissions both graded, a restart
  grades nothing twice, a malformed submission gets feedback and the service goes on, the budget.
  After a pass that released feedback, the cohort dashboard (reports/) is regenerated.
- the Validate button as a hub student gets it (server started in the student's home, with the
  course's etc/jupyter/student config): its result says what was checked, and the lab loads the copy
  of nbgrader's labextension whose success dialog shows that text.
- ``hub/k8s``, ``hub/ray`` and ``hub/lti`` configuration loaded and validated (no cluster).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from conftest import copy_course

ROOT = Path(__file__).resolve().parents[1]
HUB = ROOT / "hub"
sys.path.insert(0, str(HUB))
SECTION = "00_toy_models"
PASSWORD = os.environ.get("SAE_HUB_TEST_PASSWORD", "test-pass-123")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
PROXY = HUB / "node_modules" / ".bin" / "configurable-http-proxy"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _need(ok: bool, why: str) -> None:
    if not ok:
        if _in_ci():
            pytest.fail(why + " (CI is set: the hub test must run)")
        pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _scratch_course(tmp: Path, sections=(SECTION,)) -> Path:
    """source/ only: the hub's start builds release/ and the gradebook from it (as on a fresh clone)."""
    return copy_course(tmp / "course", list(sections))


def _answer(course: Path, section: str) -> tuple[int, str]:
    """The first answer cell's index in the release, and the reference solution a student could type."""
    from sae_course.grading.demo import answer_cells, solution_text

    src = nbformat.read(course / "source" / section / f"{section}.ipynb", as_version=4)
    rel = nbformat.read(course / "release" / section / f"{section}.ipynb", as_version=4)
    idx = {c.metadata.get("nbgrader", {}).get("grade_id"): i for i, c in enumerate(rel.cells)}
    grade_id, i = next(iter(answer_cells(src).items()))
    return idx[grade_id], solution_text(src.cells[i].source)


def _hidden_test_lines(course: Path, section: str) -> list[str]:
    from sae_course.grading.release import public_lines, secret_lines

    nb = course / "source" / section / f"{section}.ipynb"
    return [ln for ln in secret_lines(nb) - public_lines(nb) if len(ln.strip()) > 25]


# ------------------------------------------------------------------------------------------------
# The hub process
# ------------------------------------------------------------------------------------------------

class Hub:
    def __init__(self, tmp: Path, budget: int = 3):
        self.tmp = tmp
        self.course = _scratch_course(tmp)
        self.state = tmp / "state"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / "hub.log"
        env = dict(os.environ, SAE_COURSE_PROFILE="ci", SAE_HUB_PASSWORD=PASSWORD, SAE_HUB_POLL="1",
                   SAE_HUB_API_PORT=str(_free_port()), SAE_HUB_PROXY_API_PORT=str(_free_port()),
                   PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
        self.log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, str(HUB / "start.py"), "--course", str(self.course), "--state", str(self.state),
             "--port", str(self.port), "--budget", str(budget), "--sections", SECTION],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_up(self, timeout: float = 240) -> None:
        t0 = time.time()
        while time.time() - t0 < timeout:
            if self.proc.poll() is not None:
                raise AssertionError(f"the hub exited ({self.proc.returncode}):\n{self.text()[-4000:]}")
            try:
                with urllib.request.urlopen(self.url + "/hub/api", timeout=5) as r:
                    if r.status == 200 and "autograder" in self.text():
                        return
            except OSError:
                pass
            time.sleep(1)
        raise AssertionError(f"the hub did not come up in {timeout} s:\n{self.text()[-4000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the hub stops its servers, the proxy, the service
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()
        # anything the hub started in its own session and left behind
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


# ------------------------------------------------------------------------------------------------
# The browser test
# ------------------------------------------------------------------------------------------------

def _login(page, base: str, user: str) -> None:
    page.goto(base + "/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", PASSWORD)
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{user}/lab**", timeout=240_000)
    page.wait_for_selector(".jp-LabShell", timeout=120_000)
    page.wait_for_selector(".lm-MenuBar-itemLabel >> text=Nbgrader", timeout=120_000)


def _menu(page, menu: str, item: str) -> None:
    """Open a menu bar menu and click an item; retried while JupyterLab is still settling."""
    for attempt in range(5):
        page.locator(".lm-MenuBar-itemLabel", has_text=menu).click()
        entry = page.locator(".lm-Menu-itemLabel").get_by_text(item, exact=True)
        try:
            entry.wait_for(state="visible", timeout=10_000)
            entry.click(timeout=10_000)
            return
        except Exception:  # noqa: BLE001 - the menu closed under us: open it again
            page.keyboard.press("Escape")
            page.wait_for_timeout(1000)
    raise AssertionError(f"could not open {menu} -> {item}")


def _open_assignment_list(page) -> None:
    _menu(page, "Nbgrader", "Assignment List")
    page.wait_for_selector("#released_assignments_list", timeout=60_000)


def _row(page, list_id: str, name: str):
    return page.locator(f"#{list_id} > .list_item", has_text=name).first


@pytest.mark.slow
def test_student_loop_in_the_browser():
    _need(bool(CHROMIUM), "Chromium is not installed (apt-get install chromium)")
    _need(PROXY.exists() or bool(shutil.which("npm")),
          "configurable-http-proxy is missing and npm is not installed (apt-get install nodejs npm)")
    if not PROXY.exists():
        subprocess.run(["npm", "ci", "--prefix", str(HUB), "--no-audit", "--no-fund", "--loglevel=error"], check=True)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="hub-"))
    hub = Hub(tmp)
    timings = {}
    problems: list[str] = []
    try:
        hub.wait_up()
        cell, answer = _answer(hub.course, SECTION)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = ctx.new_page()
            page.set_default_timeout(60_000)
            try:
                # --- the student ---------------------------------------------------------------
                t0 = time.time()
                _login(page, hub.url, "student1")
                timings["student server up"] = time.time() - t0
                _open_assignment_list(page)
                fetch = _row(page, "released_assignments_list", SECTION).locator("button", has_text="Fetch")
                fetch.click()
                fetched = _row(page, "fetched_assignments_list", SECTION)
                fetched.wait_for()
                # the notebook, from the fetched assignment's details
                fetched.locator("a.assignment-notebooks-link").click()
                page.locator("#fetched_assignments_list .nested_list_item a", has_text=SECTION).first.click()
                page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=120_000)
                nb = page.locator(".jp-NotebookPanel:visible")
                target = nb.locator(".jp-Cell").nth(cell)
                target.scroll_into_view_if_needed()
                editor = target.locator(".cm-content")
                editor.click()
                page.keyboard.press("Control+A")
                page.keyboard.insert_text(answer)
                page.keyboard.press("Escape")
                page.keyboard.press("Control+S")
                page.wait_for_timeout(1500)
                saved = json.loads((tmp / "state" / "home" / "student1" / SECTION / f"{SECTION}.ipynb").read_text())
                assert "".join(saved["cells"][cell]["source"]).strip() == answer.strip(), "the answer was not saved"
                # back to the Assignment List: submit
                page.locator(".lm-TabBar-tabLabel", has_text="Assignments").first.click()
                _row(page, "fetched_assignments_list", SECTION).locator("button", has_text="Submit").click()
                t_submit = time.time()
                _row(page, "submitted_assignments_list", SECTION).wait_for(timeout=60_000)
                # wait for the autograder's feedback (released into the exchange), then fetch it
                # from the Assignment List as the student would
                released = hub.state / "exchange" / "sae-course" / "feedback"
                deadline = time.time() + 420
                while not (released.is_dir() and any(released.glob("*.html"))):
                    assert hub.proc.poll() is None, "the hub died:\n" + hub.text()[-5000:]
                    assert time.time() < deadline, "no feedback within 7 minutes:\n" + hub.text()[-5000:]
                    time.sleep(1)
                timings["submit to feedback released"] = time.time() - t_submit
                for _attempt in range(3):
                    page.wait_for_selector("#submitted_assignments_list_loading", state="hidden", timeout=120_000)
                    sub = _row(page, "submitted_assignments_list", SECTION)
                    if sub.locator("a", has_text="view feedback").count():
                        break
                    sub.locator("button", has_text="Fetch Feedback").click()
                    try:
                        sub.locator("a", has_text="view feedback").first.wait_for(timeout=90_000)
                        break
                    except Exception:  # noqa: BLE001 - a slow list under load: click again
                        continue
                timings["submit to feedback"] = time.time() - t_submit
                # "view feedback" opens the feedback folder in the file browser; open the page from there
                _row(page, "submitted_assignments_list", SECTION).locator("a", has_text="view feedback").first.click()
                item = page.locator(".jp-DirListing-item", has_text=f"{SECTION}.html").first
                item.wait_for(timeout=60_000)
                item.click(button="right")
                with ctx.expect_page() as new:
                    page.locator(".lm-Menu-itemLabel", has_text="Open in New Browser Tab").first.click()
                fb = new.value
                fb.wait_for_load_state()
                text = fb.inner_text("body")
                fb.screenshot(path=str(ARTIFACTS / "hub_feedback.png"), full_page=False)
                m = re.search(r"Score:\s*([\d.]+)\s*/\s*([\d.]+)", text)
                assert m, f"no score in the feedback page: {text[:1500]}"
                got, out_of = float(m.group(1)), float(m.group(2))
                if not 0 < got < out_of:  # reported at the end: the instructor's side is checked too
                    problems.append(f"one right answer should score above 0 and below full marks: {got}/{out_of}; "
                                    f"the feedback says: {text[:1500]}")
                html_text = fb.content()
                # (the student's own answer is theirs to see, even where it matches the reference line for line)
                leaked = [ln.strip() for ln in _hidden_test_lines(hub.course, SECTION)
                          if ln.strip() in html_text and ln.strip() not in answer]
                if leaked:
                    problems.append(f"hidden test lines are in the feedback: {leaked[:3]!r}")
                assert "sae-hub-left" in html_text, "the feedback should say how many graded pre-checks are left"
                fb.close()
                # --- the instructor -------------------------------------------------------------
                page.goto(hub.url + "/hub/logout")
                page.wait_for_selector("#username_input", timeout=60_000)
                page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                page.set_default_timeout(60_000)
                _login(page, hub.url, "instructor")
                # the instructor's server serves formgrader (the lab's "Formgrader (local)" entry frames this page)
                page.goto(hub.url + "/user/instructor/formgrader")
                page.locator("text=Manage Assignments").first.wait_for(timeout=120_000)
                page.goto(hub.url + f"/user/instructor/formgrader/manage_submissions/{SECTION}")
                page.wait_for_selector("text=student1", timeout=120_000)
                body = page.inner_text("body")
                assert "student1" in body and re.search(r"\d+(\.\d+)?\s*/\s*\d+", body), body[:2000]
                page.screenshot(path=str(ARTIFACTS / "hub_formgrader.png"))
                assert not problems, "\n".join(problems)
            except Exception:
                page.screenshot(path=str(ARTIFACTS / "hub_failure.png"))
                (ARTIFACTS / "hub.log").write_text(hub.text())
                raise
            finally:
                browser.close()
    finally:
        hub.stop()
        (ARTIFACTS / "hub.log").write_text(hub.text())
        print("hub timings:", {k: round(v, 1) for k, v in timings.items()})
        shutil.rmtree(tmp, ignore_errors=True)


# ------------------------------------------------------------------------------------------------
# The autograder service, without a browser (the tiny synthetic course: no torch, cold kernels)
# ------------------------------------------------------------------------------------------------

def _service(course_root: Path, state: Path, **kw):
    from autograde_service import Autograder
    from hub_settings import Settings

    s = Settings(course=course_root, state=state, budget=kw.pop("budget", 3), poll_s=0.2,
                 window_s=kw.pop("window_s", 3600.0), sandbox=bool(shutil.which("bwrap")), workers=2)
    return Autograder(s, ["tiny"], engine_options={"cold": True})


def _step(course_root: Path, state: Path, **kw):
    """One pass of a fresh service process (a restart each time), stopped afterwards."""
    svc = _service(course_root, state, **kw)
    try:
        return svc.step()
    finally:
        svc.close()


def _student_submit(course, exchange: Path, home: Path, student: str, answers: dict | None, raw: str | None = None):
    """What the Assignment List's Submit button runs: ``nbgrader submit`` as that student."""
    import tiny_course as tc

    work = home / student / "tiny"
    work.mkdir(parents=True, exist_ok=True)
    if raw is not None:
        (work / "tiny.ipynb").write_text(raw)
    else:
        nb = nbformat.read(str(course.notebook("tiny", "release")), as_version=4)
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in (answers or {}):
                cell.source = answers[gid]
        nbformat.write(nb, str(work / "tiny.ipynb"))
    shutil.copy(course.release / "tiny" / "data.txt", work / "data.txt")
    exe = Path(sys.executable).parent / "nbgrader"
    subprocess.run([str(exe), "submit", "tiny", f"--Exchange.root={exchange}", "--course=sae-course",
                    f"--student={student}"], cwd=home / student, check=True, capture_output=True, text=True,
                   env=dict(os.environ, HOME=str(home / student)))
    del tc


@pytest.fixture()
def tiny_hub(tmp_path_factory):
    import tiny_course as tc

    tmp = Path(tempfile.mkdtemp(prefix="hub-svc-"))
    course = tc.make_course(tmp / "course")
    state = tmp / "state"
    exchange = state / "exchange"
    exchange.mkdir(parents=True)
    course.nbgrader("release_assignment", "tiny", "--force", f"--Exchange.root={exchange}", "--course=sae-course")
    yield course, state, exchange, tmp / "homes"
    shutil.rmtree(tmp, ignore_errors=True)


def _released(exchange: Path) -> list[Path]:
    d = exchange / "sae-course" / "feedback"
    return sorted(d.glob("*.html")) if d.is_dir() else []


def _ledger(exchange: Path) -> list[dict]:
    p = exchange / "sae-course" / "autograder" / "ledger.jsonl"
    return [json.loads(l) for l in p.read_text().splitlines()] if p.is_file() else []


def test_service_grades_simultaneous_submissions_once_and_survives_restarts_and_bad_input(tiny_hub):
    import tiny_course as tc
    from nbgrader.api import Gradebook

    course, state, exchange, homes = tiny_hub
    # two students submit at the same moment: one pass grades both
    _student_submit(course, exchange, homes, "alice", tc.GOOD)
    _student_submit(course, exchange, homes, "bob", tc.COHORT["bob"])
    done = _step(course.root, state)
    assert sorted(p.student for p in done) == ["alice", "bob"]
    with Gradebook(course.db_url, course_id="sae-course") as gb:
        a, b = gb.find_submission("tiny", "alice"), gb.find_submission("tiny", "bob")
        assert a.score > b.score > 0
    # the cohort dashboard is regenerated after the pass (the course's report code): both are in it
    dashboard = course.root / "reports" / "index.html"
    assert dashboard.is_file(), "the service should write the cohort dashboard after grading"
    assert (course.root / "reports" / "students" / "alice.html").is_file()
    assert (course.root / "reports" / "students" / "bob.html").is_file()
    first_dashboard = dashboard.stat().st_mtime_ns
    pages = _released(exchange)
    assert len(pages) == 2
    for page in pages:
        text = page.read_text()
        assert "Score" in text and "sae-hub-left" in text
        assert "add(-1, 1)" not in text, "a hidden test is in the released feedback"
    stamp = {st: (course.autograded / st / "tiny" / "tiny.ipynb").stat().st_mtime_ns for st in ("alice", "bob")}

    # a restart (a new service process) grades nothing twice, and leaves the dashboard alone
    assert _step(course.root, state) == []
    assert dashboard.stat().st_mtime_ns == first_dashboard
    assert len([e for e in _ledger(exchange) if e["kind"] == "graded"]) == 2

    # a crash after grading, before the release was recorded: the restart releases, does not regrade
    ledger = exchange / "sae-course" / "autograder" / "ledger.jsonl"
    lines = ledger.read_text().splitlines()
    ledger.write_text("\n".join(l for l in lines if '"bob"' not in l) + "\n")
    for p in _released(exchange):
        p.unlink()
    done = _step(course.root, state)
    assert [p.student for p in done] == ["bob"]
    assert (course.autograded / "bob" / "tiny" / "tiny.ipynb").stat().st_mtime_ns == stamp["bob"]
    assert len(_released(exchange)) == 1

    # a malformed notebook gets a grade and feedback that says why; the service keeps serving
    _student_submit(course, exchange, homes, "carol", None, raw="{ this is not a notebook")
    _student_submit(course, exchange, homes, "dave", tc.GOOD)
    done = _step(course.root, state)
    assert sorted(p.student for p in done) == ["carol", "dave"]
    assert dashboard.stat().st_mtime_ns > first_dashboard, "new submissions: the dashboard is regenerated"
    assert (course.root / "reports" / "students" / "dave.html").is_file()
    assert (course.root / "reports" / "students" / "carol.html").is_file()
    carol_fb = (course.feedback / "carol" / "tiny" / "tiny.html").read_text()
    assert "Score: 0" in carol_fb or "0.0 / " in carol_fb
    with Gradebook(course.db_url, course_id="sae-course") as gb:
        assert gb.find_submission("tiny", "carol").score == 0
        assert gb.find_submission("tiny", "dave").score == gb.find_submission("tiny", "alice").score


def test_budget_defers_grading_and_says_when(tiny_hub):
    import tiny_course as tc
    from nbgrader.api import Gradebook

    course, state, exchange, homes = tiny_hub
    import datetime as dt

    with Gradebook(course.db_url, course_id="sae-course") as gb:  # a due date an hour ago: both are late
        gb.update_or_create_assignment("tiny", duedate=dt.datetime.utcnow() - dt.timedelta(hours=1))
    _student_submit(course, exchange, homes, "alice", tc.COHORT["bob"])
    assert [p.student for p in _step(course.root, state, budget=1)] == ["alice"]
    with Gradebook(course.db_url, course_id="sae-course") as gb:
        first = gb.find_submission("tiny", "alice").score
    time.sleep(1.1)  # nbgrader's submission timestamps must differ
    _student_submit(course, exchange, homes, "alice", tc.GOOD)
    svc = _service(course.root, state, budget=1)
    assert svc.step() == []  # over budget: collected, not graded
    svc.close()
    deferred = [e for e in _ledger(exchange) if e["kind"] == "deferred"]
    assert len(deferred) == 1 and deferred[0]["next_at"] > time.time() + 3000
    notice = (course.feedback / "alice" / "tiny" / "tiny.html").read_text()
    assert "sae-hub-next" in notice and "latest submission" in notice
    assert any("sae-hub-next" in p.read_text() for p in _released(exchange)), "the notice goes through the exchange"
    assert _step(course.root, state, budget=1) == []  # told once, still waiting
    assert len([e for e in _ledger(exchange) if e["kind"] == "deferred"]) == 1
    # the window has passed (a service configured with a short window): the latest submission is graded
    time.sleep(1.0)
    done = _step(course.root, state, budget=1, window_s=0.5)
    assert [p.student for p in done] == ["alice"]
    with Gradebook(course.db_url, course_id="sae-course") as gb:
        sub = gb.find_submission("tiny", "alice")
        assert sub.score > first  # the later, better submission counts
        assert sub.total_seconds_late > 3000, "the lateness against the due date is recorded"


# ------------------------------------------------------------------------------------------------
# Validate, as a hub student sees it (no browser)
# ------------------------------------------------------------------------------------------------

from test_validate import release  # noqa: E402,F401 - the one-exercise release notebook (fixture)

VALIDATE_AS_THE_LAB = """
import json, sys
from nbgrader.server_extensions.validate_assignment.handlers import ValidateAssignmentHandler
from nbgrader.validator import Validator
config = ValidateAssignmentHandler.load_config(None)  # what the lab's /assignments/validate handler loads
print(json.dumps(Validator(config=config).validate(sys.argv[1])))
"""


def _validate_in_home(notebook: Path, home: Path) -> dict:
    """The lab's validate handler, run where a hub student's server runs: the student's home as the
    working directory (no course nbgrader_config.py there), etc/jupyter/student on the config path."""
    from course_spawner import student_config_dir

    env = dict(os.environ, HOME=str(home), JUPYTER_CONFIG_PATH=str(student_config_dir(ROOT)),
               JUPYTER_CONFIG_DIR=str(home / ".jupyter"), JUPYTER_DATA_DIR=str(home / ".local" / "share" / "jupyter"))
    p = subprocess.run([sys.executable, "-c", VALIDATE_AS_THE_LAB, str(notebook)], cwd=home, env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_validate_as_a_hub_student_says_what_it_checked(release, tmp_path):  # noqa: F811
    from sae_course.grading.validation import DIALOG_PATCHED, DIALOG_STOCK, RESULT_KEY, configure_lab

    home = tmp_path / "home"
    (home / "selfcheck").mkdir(parents=True)
    nb = nbformat.read(str(release), as_version=4)
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade_id") == "ex01_double":
            c.source = "def double(x):\n    return x * x   # passes the visible test only"
    path = home / "selfcheck" / "selfcheck.ipynb"
    nbformat.write(nb, str(path))
    res = _validate_in_home(path, home)
    assert "failed" not in res and "changed" not in res, res  # the dialog's success branch
    text = res[RESULT_KEY]
    assert "ran all 4 code cells of selfcheck.ipynb" in text and "found no error" in text, text
    assert "your 1 answer cell runs without an error" in text and "1 visible test under it passes" in text, text
    assert "All 3 points come from the hidden tests in the 1 graded cell" in text, text
    assert "Success! Your notebook passes all the tests." not in text
    # the same text for a failing or tampered validation (the dialog shows the cells then; no kernel here)
    from sae_course.grading.validation import checked

    assert "found 2 failing cells" in checked(path, {"failed": [{}, {}]})
    assert "stopped at 1 changed cell" in checked(path, {"changed": [{}]})
    assert "graded and read-only cells only" in checked(path, {}, validate_all=False)

    # the lab side: etc/jupyter/student/jupyter_lab_config.py puts a copy of nbgrader's labextension
    # first, whose success dialog shows that text; it loads by its own (new) file names
    from traitlets.config import Config

    c = Config()
    old = dict(os.environ)
    os.environ["JUPYTER_DATA_DIR"] = str(tmp_path / "data")
    try:
        exec(compile((ROOT / "etc" / "jupyter" / "student" / "jupyter_lab_config.py").read_text(), "cfg", "exec"),
             {"c": c, "get_config": lambda: c})
        c2 = Config()
        configure_lab(c2)  # a second server start reuses the copy
    finally:
        os.environ.clear()
        os.environ.update(old)
    (ext_root,) = c.LabApp.extra_labextensions_path
    assert c2.LabApp.extra_labextensions_path == [ext_root]
    ext = Path(ext_root) / "@jupyter" / "nbgrader"
    pkg = json.loads((ext / "package.json").read_text())
    entry = ext / pkg["jupyterlab"]["_build"]["load"]
    assert entry.is_file()
    patched = [f for f in (ext / "static").glob("*.js") if DIALOG_PATCHED in f.read_text()]
    assert len(patched) == 1 and not any(DIALOG_STOCK in f.read_text() for f in (ext / "static").glob("*.js"))
    cid, digest = patched[0].name.split(".")[:2]
    assert f'{cid}:"{digest}"' in entry.read_text(), "the remote entry must load the patched chunk"
    for f in (ext / "static").glob("*.js"):  # every chunk the remote entry names is there
        assert f.stat().st_size > 0
    names = re.findall(r'(\d+):"([0-9a-f]{16})"', entry.read_text().split(".js?v=")[0])
    assert names and all((ext / "static" / f"{i}.{h}.js").is_file() for i, h in names), names


# ------------------------------------------------------------------------------------------------
# Beyond one machine: configuration loaded and validated (no cluster)
# ------------------------------------------------------------------------------------------------

Z2JH_TOP_LEVEL = {"hub", "proxy", "singleuser", "scheduling", "prePuller", "ingress", "cull", "debug", "rbac",
                  "imagePullSecret", "imagePullSecrets", "custom", "global", "fullnameOverride", "nameOverride"}
KUBESPAWNER_OVERRIDES = {"extra_resource_limits", "extra_resource_guarantees", "node_selector", "tolerations",
                         "environment", "image", "cpu_limit", "mem_limit", "cpu_guarantee", "mem_guarantee"}


def _exec_config(source: str, env: dict | None = None):
    """Run a JupyterHub config snippet against a stub ``c`` (traitlets Config); returns c."""
    from traitlets.config import Config

    c = Config()
    loaded = []
    ns = {"get_config": lambda: c, "c": c, "load_subconfig": loaded.append}
    old = dict(os.environ)
    os.environ.update(env or {})
    try:
        exec(compile(source, "<config>", "exec"), ns)
    finally:
        os.environ.clear()
        os.environ.update(old)
    c._loaded = loaded
    c._ns = ns
    return c


def test_zero_to_jupyterhub_values():
    import yaml

    v = yaml.safe_load((HUB / "k8s" / "values.yaml").read_text())
    assert set(v) <= Z2JH_TOP_LEVEL, set(v) - Z2JH_TOP_LEVEL
    # the exchange: one shared volume, the same path in the hub (autograder) and in every user pod
    hub_claims = {m["name"]: m["mountPath"] for m in v["hub"]["extraVolumeMounts"]}
    user_claims = {m["name"]: m["mountPath"] for m in v["singleuser"]["storage"]["extraVolumeMounts"]}
    assert hub_claims["exchange"] == user_claims["exchange"] == "/srv/nbgrader/exchange"
    vols = {x["name"]: x for x in v["hub"]["extraVolumes"] + v["singleuser"]["storage"]["extraVolumes"]}
    assert vols["exchange"]["persistentVolumeClaim"]["claimName"] == "sae-nbgrader-exchange"
    assert v["hub"]["extraEnv"]["SAE_HUB_STATE"] + "/exchange" == hub_claims["exchange"]
    # the autograder runs as a hub-managed service with the repository's script
    cmd = v["hub"]["services"]["autograder"]["command"]
    assert cmd[-1].endswith("hub/autograde_service.py") and (HUB / "autograde_service.py").is_file()
    # KubeSpawner profiles: a GPU one on the GPU node pool
    gpu = next(p for p in v["singleuser"]["profileList"] if p["slug"] == "gpu")["kubespawner_override"]
    assert set(gpu) <= KUBESPAWNER_OVERRIDES
    assert gpu["extra_resource_limits"]["nvidia.com/gpu"] == "1"
    assert any(t["key"] == "nvidia.com/gpu" for t in gpu["tolerations"])
    # the extraConfig snippets run (stub c) and write each user's nbgrader config with the shared exchange
    c = _exec_config(v["hub"]["extraConfig"]["00-exchange"])
    hook = " ".join(c.KubeSpawner.lifecycle_hooks["postStart"]["exec"]["command"])
    assert "/srv/nbgrader/exchange" in hook and "student_id" in hook
    conf = c.KubeSpawner.environment.get_value({})["JUPYTER_CONFIG_PATH"]  # the repository is at /srv/course
    assert conf.startswith("/srv/course/") and (ROOT / conf[len("/srv/course/"):] / "nbgrader_config.py").is_file()
    c = _exec_config(v["hub"]["extraConfig"]["10-lti"])
    assert c._loaded == ["/srv/course/hub/lti/lti13_config.py"]
    # grading on Ray: the service's address is the KubeRay head's client port, GPU workers on the pool
    ray = yaml.safe_load((HUB / "k8s" / "raycluster.yaml").read_text())
    assert ray["kind"] == "RayCluster" and ray["apiVersion"].startswith("ray.io/")
    head = ray["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    port = int(v["hub"]["extraEnv"]["SAE_HUB_RAY"].rsplit(":", 1)[1])
    assert port in {p["containerPort"] for p in head["ports"] if p["name"] == "client"}
    assert v["hub"]["extraEnv"]["SAE_HUB_RAY"].startswith(f"ray://{ray['metadata']['name']}-head-svc")
    worker = ray["spec"]["workerGroupSpecs"][0]["template"]["spec"]
    assert worker["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert worker["nodeSelector"] == gpu["node_selector"]
    pinned = re.search(r"^ray==([\d.]+)$", (ROOT / "requirements.txt").read_text(), re.M).group(1)
    assert ray["spec"]["rayVersion"] == pinned, "the cluster must run the pinned Ray"


def test_service_uses_ray_when_configured(tmp_path, monkeypatch):
    from autograde_service import Autograder
    from hub_settings import Settings

    course = copy_course(tmp_path / "course", [])
    monkeypatch.setenv("SAE_HUB_RAY", "ray://sae-ray-head-svc:10001")
    svc = Autograder(Settings(course=course, state=tmp_path / "state"), ["tiny"])
    from sae_course.grading.parallel import EngineOptions

    assert EngineOptions.from_options(svc.engine_options).ray == "ray://sae-ray-head-svc:10001"


def test_lti13_config_maps_launches_onto_nbgrader_students(tmp_path):
    import tiny_course as tc
    from nbgrader.api import Gradebook

    course = tc.make_course(tmp_path / "course")
    c = _exec_config((HUB / "lti" / "lti13_config.py").read_text(),
                     env={"SAE_LTI_ISSUER": "https://lms.example.edu", "SAE_LTI_CLIENT_ID": "125900000000000081"})
    assert c.JupyterHub.authenticator_class == "ltiauthenticator.lti13.auth.LTI13Authenticator"
    assert c.LTI13Authenticator.issuer == "https://lms.example.edu"
    assert c.LTI13Authenticator.client_id == ["125900000000000081"]
    assert c.LTI13Authenticator.username_key == "sub" and c.Authenticator.enable_auth_state
    hook = c.Authenticator.post_auth_hook
    claims = {"sub": "a1b2c3", "given_name": "Ada", "family_name": "Lovelace", "email": "ada@example.edu",
              "https://purl.imsglobal.org/spec/lti/claim/roles":
                  ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]}
    old = dict(os.environ)
    os.environ["SAE_HUB_COURSE"] = str(course.root)
    os.environ.pop("SAE_COURSE_DB_URL", None)
    try:
        out = hook(None, None, {"name": "a1b2c3", "auth_state": claims})
        teacher = dict(claims, sub="t9", **{"https://purl.imsglobal.org/spec/lti/claim/roles":
                                            ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]})
        hook(None, None, {"name": "t9", "auth_state": teacher})
    finally:
        os.environ.clear()
        os.environ.update(old)
    assert out["name"] == "a1b2c3"
    with Gradebook(course.db_url, course_id="sae-course") as gb:
        st = gb.find_student("a1b2c3")
        assert (st.first_name, st.last_name, st.email, st.lms_user_id) == ("Ada", "Lovelace", "ada@example.edu", "a1b2c3")
        assert "t9" not in {s.id for s in gb.students}, "instructors are not enrolled as students"
