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
    from sae_course.grading.release import secret_lines

    return [ln for ln in secret_lines(course / "source" / section / f"{section}.ipynb") if len(ln.strip()) > 25]


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


def _open_assignment_list(page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
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
                assert 0 < got < out_of, f"one right answer should score above 0 and below full marks: {got}/{out_of}"
                html_text = fb.content()
                for line in _hidden_test_lines(hub.course, SECTION):
                    assert line.strip() not in html_text, f"a hidden test line is in the feedback: {line.strip()!r}"
                assert "sae-hub-left" in html_text, "the feedback should say how many graded pre-checks are left"
                fb.close()
                # --- the instructor -------------------------------------------------------------
                page.goto(hub.url + "/hub/logout")
                page.wait_for_selector("#username_input", timeout=60_000)
                _login(page, hub.url, "instructor")
                page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
                page.locator(".lm-Menu-itemLabel", has_text="Formgrader").click()
                frame = page.frame_locator("iframe").first
                frame.locator("text=Manage Assignments").first.wait_for(timeout=120_000)
                page.goto(hub.url + f"/user/instructor/formgrader/manage_submissions/{SECTION}")
                page.wait_for_selector("text=student1", timeout=120_000)
                body = page.inner_text("body")
                assert "student1" in body and re.search(r"\d+(\.\d+)?\s*/\s*\d+", body), body[:2000]
                page.screenshot(path=str(ARTIFACTS / "hub_formgrader.png"))
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
