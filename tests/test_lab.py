"""The student's and the instructor's JupyterLab, in headless Chromium.

`make lab` (the student's: etc/jupyter/student) and `make lab-instructor` (etc/jupyter/instructor)
are started as the Makefile starts them, with LAB_ARGS for a free port, a token and throwaway
workspace/settings folders. In each, a release notebook is opened and the test reads what a person
sees: the Nbgrader menu's items, the notebook toolbar (Validate) and the sidebars' panels; and
asks the server for the formgrader.
* student: Assignment List and Validate; no Formgrader, Create Assignment or Course List, and the
  server has no /formgrader;
* instructor: Formgrader and Create Assignment as well, and /formgrader answers.
Chromium comes from Debian (`make system-deps`); without it the test is skipped (a failure with CI set).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from test_browser import ARTIFACTS, Browser, find_chromium, in_ci

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "release/00_toy_models/00_toy_models.ipynb"
TOKEN = "lab-test-token"
START_TIMEOUT = 180

MENU_BAR_JS = """
(() => {
  const bar = Array.from(document.querySelectorAll('.lm-MenuBar-item'))
    .find(e => e.textContent.trim() === 'Nbgrader');
  if (!bar) return null;
  const r = bar.getBoundingClientRect();
  return JSON.stringify({x: r.x + r.width / 2, y: r.y + r.height / 2});
})()
"""

MENU_ITEMS_JS = """
JSON.stringify(Array.from(document.querySelectorAll('.lm-Menu .lm-Menu-item'))
  .filter(e => !e.classList.contains('lm-mod-hidden') && e.getAttribute('data-type') !== 'separator'
               && e.offsetParent !== null)
  .map(e => e.textContent.trim()))
"""

STATE_JS = """
JSON.stringify({
  toolbar: Array.from(document.querySelectorAll('.jp-NotebookPanel-toolbar .jp-Toolbar-item'))
    .map(e => e.textContent.trim()).filter(t => t),
  sidebars: Array.from(document.querySelectorAll('.jp-SideBar .lm-TabBar-tab'))
    .map(e => (e.getAttribute('title') || '') + '|' + (e.getAttribute('data-id') || '')),
  commands: ['nbgrader:open-assignment-list', 'nbgrader:open-formgrader',
             'nbgrader:open-create-assignment', 'nbgrader:open-course-list']
    .filter(c => window.jupyterapp && window.jupyterapp.commands.hasCommand(c)),
  notebook: !!document.querySelector('.jp-NotebookPanel .jp-Notebook .jp-Cell'),
})
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        return opener.open(url, timeout=30).status
    except urllib.error.HTTPError as e:
        return e.code


class Lab:
    """`make <target>` with a JupyterLab on a free loopback port, stopped with its process group."""

    def __init__(self, target: str, workdir: Path):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        args = (f"--no-browser --allow-root --ip=127.0.0.1 --port={self.port} "
                f"--IdentityProvider.token={TOKEN} --LabApp.expose_app_in_browser=True "
                f"--LabApp.workspaces_dir={workdir / 'workspaces'} "
                f"--LabApp.user_settings_dir={workdir / 'settings'} "
                f"--ServerApp.preferred_dir={ROOT}")
        self.log = open(workdir / f"{target}.log", "wb")
        self.proc = subprocess.Popen(["make", "-s", target, f"LAB_ARGS={args}"], cwd=ROOT,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"make {target} exited with {self.proc.returncode}: "
                                   f"{(workdir / f'{target}.log').read_text()[-3000:]}")
            try:
                if _get(f"{self.base}/api/status?token={TOKEN}") == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"make {target}: JupyterLab did not answer")
            time.sleep(0.5)

    def close(self) -> None:
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.proc.pid, sig)
                self.proc.wait(wait)
                break
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue
        self.log.close()


@pytest.fixture()  # a fresh browser for each lab: leaving a JupyterLab page asks "leave site?"
def chromium(tmp_path_factory):
    binary = find_chromium()
    if binary is None:
        if in_ci():
            pytest.fail("CI is set but Chromium is missing: .ci/run must `apt-get install chromium`")
        pytest.skip("Chromium not installed (make system-deps); with CI=true this is a failure")
    b = Browser(binary, tmp_path_factory.mktemp("lab-browser"), loopback=True)  # the lab is on 127.0.0.1
    yield b
    b.close()


def _menu(browser: Browser) -> list[str] | None:
    """The items of the Nbgrader menu, as a click on it shows them (None: no such menu)."""
    where = browser.evaluate(MENU_BAR_JS)
    if where is None:
        return None
    xy = json.loads(where)
    for kind in ("mousePressed", "mouseReleased"):
        browser.call("Input.dispatchMouseEvent", type=kind, x=xy["x"], y=xy["y"], button="left",
                     clickCount=1)
    time.sleep(0.5)
    items = json.loads(browser.evaluate(MENU_ITEMS_JS))
    browser.call("Input.dispatchKeyEvent", type="keyDown", key="Escape", code="Escape",
                 windowsVirtualKeyCode=27)
    return items


def _look(browser: Browser, target: str, tmp_path: Path) -> dict:
    lab = Lab(target, tmp_path)
    try:
        server = {"formgrader": _get(f"{lab.base}/formgrader?token={TOKEN}")}
        browser.open(f"{lab.base}/lab/tree/{NOTEBOOK}?token={TOKEN}&reset")
        deadline = time.monotonic() + 120
        while True:
            state = json.loads(browser.evaluate(STATE_JS))
            if (state["notebook"] and any("Validate" in t for t in state["toolbar"])) \
                    or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        time.sleep(1)  # late plugins (sidebars) settle
        state = json.loads(browser.evaluate(STATE_JS))
        state.update(menu=_menu(browser), **server)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        browser.screenshot(ARTIFACTS / f"{target}.png")
        (ARTIFACTS / f"{target}.json").write_text(json.dumps(state, indent=1))
        return state
    finally:
        lab.close()


def _has(strings, word):
    return any(word.lower() in s.lower() for s in strings)


def test_student_lab_shows_student_tools_only(chromium, tmp_path):
    s = _look(chromium, "lab", tmp_path)
    assert s["notebook"], s
    assert _has(s["toolbar"], "Validate"), s
    assert s["menu"] is not None and _has(s["menu"], "Assignment List"), s
    for word in ("Formgrader", "Create Assignment", "Course List"):
        assert not _has(s["menu"], word), f"the student's Nbgrader menu shows {word}: {s}"
        assert not _has(s["sidebars"], word), f"the student's sidebars show {word}: {s}"
    assert s["commands"] == ["nbgrader:open-assignment-list"], s
    assert s["formgrader"] == 404, s


def test_instructor_lab_shows_formgrader(chromium, tmp_path):
    s = _look(chromium, "lab-instructor", tmp_path)
    assert s["notebook"], s
    assert _has(s["toolbar"], "Validate"), s
    for word in ("Assignment List", "Formgrader", "Course List"):
        assert _has(s["menu"], word), f"the instructor's Nbgrader menu lacks {word}: {s}"
    assert "nbgrader:open-create-assignment" in s["commands"] and "nbgrader:open-formgrader" in s["commands"], s
    assert _has(s["sidebars"], "create_assignment") or _has(s["sidebars"], "Create Assignment") \
        or _has(s["menu"], "Create Assignment"), s
    assert s["formgrader"] in (200, 302), s
