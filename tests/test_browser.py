"""The dashboard in a real browser: headless Chromium opens it from disk with networking off.

Checks that every plot rendered (an SVG with marks in it), that the console shows no errors,
that the page made no request other than file:/data:/blob:, and keeps a screenshot in
tests/artifacts/dashboard.png (plus the console log in tests/artifacts/console.json).

The browser is driven over the Chrome DevTools Protocol with websocket-client (already
installed: jupyter_server depends on it). Chromium comes from Debian (`apt-get install
chromium`, done by .ci/run). Without it the test is skipped, unless CI is set: then it fails.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from pathlib import Path

import pytest

from sae_course.grading.report import write_report

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PLOTS = ["heatmap", "completion", "scores", "exercises", "late"]
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 60


def find_chromium() -> str | None:
    env = os.environ.get("CHROMIUM")
    if env:
        return env if Path(env).exists() else shutil.which(env)
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


# --------------------------------------------------------------------------------------------
# A synthetic cohort, written through nbgrader's API (fast: no kernels)
# --------------------------------------------------------------------------------------------

SECTIONS = {  # section: (due date, {exercise: [points of its graded cells]})
    "00_toy_models": (dt.datetime(2025, 3, 3, 12), {"ex01_toy_forward": [2, 1], "ex02_toy_loss": [2],
                                                     "ex03_superposition": [3]}),
    "01_sae_intro": (dt.datetime(2025, 3, 10, 12), {"ex01_sae_encode": [2, 2], "ex02_sae_decode": [2]}),
    "02_sae_circuits": (dt.datetime(2025, 3, 17, 12), {"ex01_feature_attr": [3], "ex02_ablation": [2, 1]}),
    "03_sae_training": (None, {"ex01_train_loop": [4]}),  # released, no due date, nobody yet
}
STUDENTS = ["amy", "ben", "cho", "dev", "eve", "fay", "gus", "hal"]


def _build_cohort(root: Path) -> str:
    from nbgrader.api import Gradebook

    if shutil.which("alembic") is None:  # nbgrader runs it to create a gradebook
        os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent),
                                              os.environ.get("PATH", "")])
    (root / "gradebook").mkdir(parents=True)
    db_url = "sqlite:///" + str(root / "gradebook" / "gradebook.db")
    with Gradebook(db_url, course_id="sae-course") as gb:
        for sid in STUDENTS:
            gb.add_student(sid, first_name=sid.capitalize(), last_name="Tester",
                           email=f"{sid}@example.org")
        for sec, (due, exercises) in SECTIONS.items():
            gb.add_assignment(sec, duedate=due)
            nb = sec[3:]
            gb.add_notebook(nb, sec)
            for ex, points in exercises.items():
                for i, pts in enumerate(points):
                    cell = f"{ex}_test" + (str(i + 1) if i else "")
                    gb.add_grade_cell(cell, nb, sec, max_score=pts, cell_type="code")
        for s_i, sid in enumerate(STUDENTS):
            for k, (sec, (due, exercises)) in enumerate(SECTIONS.items()):
                if due is None or s_i >= len(STUDENTS) - k * 2:  # later sections: fewer students
                    continue
                hours = (s_i * 7 + k * 5) % 40 - 30  # some early, a few late
                with warnings.catch_warnings():  # nbgrader's own add_submission trips SQLAlchemy
                    warnings.simplefilter("ignore")
                    gb.add_submission(sec, sid, timestamp=due + dt.timedelta(hours=hours))
                nb = sec[3:]
                for e_i, (ex, points) in enumerate(exercises.items()):
                    for i, pts in enumerate(points):
                        cell = f"{ex}_test" + (str(i + 1) if i else "")
                        grade = gb.find_grade(cell, nb, sec, sid)
                        ok = (s_i + e_i + i + k) % 4 != 0
                        grade.auto_score = pts if ok else 0
                        grade.needs_manual_grade = False
                gb.db.commit()
                fb = root / "feedback" / sid / sec
                fb.mkdir(parents=True)
                (fb / f"{nb}.html").write_text(f"<!DOCTYPE html><title>{sid}</title><p>feedback</p>")
    return db_url


# --------------------------------------------------------------------------------------------
# A minimal Chrome DevTools Protocol client
# --------------------------------------------------------------------------------------------


class Browser:
    def __init__(self, binary: str, workdir: Path, *, loopback: bool = False):
        """``loopback``: pages on 127.0.0.1 may load (a local JupyterLab); nothing else resolves."""
        import websocket  # websocket-client, a dependency of jupyter_server

        self.profile = Path(tempfile.mkdtemp(prefix="chromium-", dir=workdir))
        args = [
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-default-apps",
            "--disable-extensions", "--disable-features=MediaRouter,OptimizationHints,Translate",
            "--metrics-recording-only", "--mute-audio", "--hide-scrollbars", "--disable-dev-shm-usage",
            # networking off: no name resolves, every proxied request goes to a closed port
            "--host-resolver-rules=MAP * ~NOTFOUND" + (", EXCLUDE 127.0.0.1" if loopback else ""),
            "--proxy-server=http://127.0.0.1:9",
            "--window-size=1400,1000", "--remote-debugging-port=0", "--remote-allow-origins=*",
            f"--user-data-dir={self.profile}", "about:blank",
        ]
        self.stderr = open(self.profile.parent / "chromium-stderr.log", "wb")
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self.stderr,
                                     start_new_session=True)
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + TIMEOUT
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.proc.returncode}: "
                                   f"{(self.profile.parent / 'chromium-stderr.log').read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError("chromium did not open its DevTools port")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, no proxy
        targets = json.load(opener.open(f"http://127.0.0.1:{port}/json/list", timeout=TIMEOUT))
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=TIMEOUT,
                                              suppress_origin=True)
        self.events: list[dict] = []
        self._id = 0
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.call("Network.emulateNetworkConditions", offline=not loopback, latency=0,
                  downloadThroughput=-1, uploadThroughput=-1)

    def call(self, method: str, **params) -> dict:
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self._id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_event(self, method: str, since: int = 0) -> dict:
        deadline = time.monotonic() + TIMEOUT
        while True:
            for e in self.events[since:]:
                if e.get("method") == method:
                    return e
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {method}")
            self.events.append(json.loads(self.ws.recv()))

    def open(self, url: str) -> None:
        since = len(self.events)
        self.call("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired", since)

    def evaluate(self, expression: str):
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                        awaitPromise=True)
        if "exceptionDetails" in res:
            raise RuntimeError(res["exceptionDetails"])
        return res["result"].get("value")

    def drain(self, seconds: float = 0.3) -> None:
        """Collect the events that arrive within ``seconds``."""
        self.ws.settimeout(seconds)
        try:
            while True:
                self.events.append(json.loads(self.ws.recv()))
        except Exception:  # noqa: BLE001 - the timeout ends the drain
            pass
        finally:
            self.ws.settimeout(TIMEOUT)

    def console_errors(self) -> list[str]:
        errors = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append("console." + p["type"] + ": " + " ".join(
                    str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
            elif m == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                errors.append("exception: " + str(d.get("exception", {}).get("description")
                                                  or d.get("text")))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                entry = p["entry"]
                errors.append(f"log: {entry.get('text')} {entry.get('url', '')}")
        return errors

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"]

    def screenshot(self, path: Path) -> None:
        size = self.call("Page.getLayoutMetrics")["cssContentSize"]
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": size["width"],
                               "height": min(size["height"], 16000), "scale": 1})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the browser we started, and its children
            self.proc.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)


RENDERED_JS = """
JSON.stringify(Array.from(document.querySelectorAll('[data-plot]')).map(d => {
  const svg = d.querySelector('svg.main-svg');
  const r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  // the traces' marks: bars, boxes, points (paths) and heatmap tiles (an image), drawn with a size
  const marks = Array.from(d.querySelectorAll('.cartesianlayer .mlayer path, .cartesianlayer .mlayer image'))
    .filter(m => { const b = m.getBBox(); return b.width > 0 || b.height > 0; });
  return {plot: d.dataset.plot, svgs: d.querySelectorAll('svg.main-svg').length,
          width: r.width, height: r.height, marks: marks.length,
          kinds: Array.from(new Set(marks.map(m => m.closest('.mlayer').getAttribute('class')))),
          nodes: svg ? svg.querySelectorAll('*').length : 0};
}))
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    binary = find_chromium()
    if binary is None:
        if in_ci():
            pytest.fail("CI is set but Chromium is missing: .ci/run must `apt-get install chromium`")
        pytest.skip("Chromium not installed (Debian: apt-get install chromium); "
                    "with CI=true this is a failure")
    b = Browser(binary, tmp_path_factory.mktemp("browser"))
    yield b
    b.close()


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cohort")
    db_url = _build_cohort(root)
    return write_report(db_url, root / "reports", root)


def test_dashboard_renders_offline(browser, dashboard):
    browser.open(dashboard.as_uri())
    deadline = time.monotonic() + 30
    while True:  # plotly draws right after load; give a slow machine some time
        plots = json.loads(browser.evaluate(RENDERED_JS))
        if (len(plots) == len(PLOTS) and all(p["marks"] for p in plots)) \
                or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    browser.drain()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.screenshot(ARTIFACTS / "dashboard.png")
    errors = browser.console_errors()
    (ARTIFACTS / "console.json").write_text(json.dumps(
        {"errors": errors, "requests": [u[:120] for u in browser.requests()], "plots": plots},
        indent=1))

    assert [p["plot"] for p in plots] == PLOTS
    for p in plots:
        assert p["svgs"] >= 1 and p["width"] > 100 and p["height"] > 100, p
        assert p["marks"] > 0 and p["nodes"] > 20, f"plot {p['plot']} drew nothing: {p}"
    assert errors == [], errors
    remote = [u for u in browser.requests() if not u.startswith(("file:", "data:", "blob:", "about:"))]
    assert remote == [], f"the dashboard tried the network: {remote}"
    assert browser.evaluate("typeof Plotly") == "object"
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000


def test_student_page_opens_and_links_feedback(browser, dashboard):
    since = len(browser.events)
    page = dashboard.parent / "students" / "amy.html"
    browser.open(page.as_uri())
    links = json.loads(browser.evaluate(
        "JSON.stringify(Array.from(document.querySelectorAll('a.feedback')).map(a => a.href))"))
    assert links and all(u.startswith("file:") for u in links)
    for url in links:  # the browser resolved the relative links to files that exist
        path = Path(urllib.request.url2pathname(url[len("file://"):]))
        assert path.is_file(), url
    browser.open(links[0])
    assert browser.evaluate("document.body.textContent").strip() == "feedback"
    browser.drain()
    new = browser.events[since:]
    saved, browser.events = browser.events, new
    try:
        assert browser.console_errors() == []
    finally:
        browser.events = saved


MATH_JS = """
JSON.stringify({
  math: Array.from(document.querySelectorAll('math')).filter(m => m.getBoundingClientRect().width > 0).length,
  pending: document.querySelectorAll('script[type^="math/tex"]').length - document.querySelectorAll('math').length,
  raw: (Array.from(document.querySelectorAll('.text_cell_render')).map(e => e.innerText).join(' ')
        .match(/\\$[^$\\n]{1,60}\\$/g) || []).slice(0, 5),
  summary: !!Array.from(document.querySelectorAll('h2')).find(h => h.textContent.includes('Your results at a glance')),
  plots: document.querySelectorAll('.plotly-graph-div').length,
  drawn: document.querySelectorAll('.plotly-graph-div svg.main-svg').length,
})
"""


@pytest.mark.slow
def test_feedback_renders_math_offline(browser, demo):
    """A real feedback file of the demo course: MathJax (inlined from the installed package) typesets the
    notebook's LaTeX with the network off, the page asks for nothing but itself, and logs no error."""
    root, _, _ = demo
    section = sorted(p.name for p in (root / "feedback" / "demo-partial").iterdir())[0]
    page = root / "feedback" / "demo-partial" / section / f"{section}.html"
    since = len(browser.events)
    browser.open(page.as_uri())
    deadline = time.monotonic() + 30
    while True:
        state = json.loads(browser.evaluate(MATH_JS))
        if (state["math"] and not state["raw"]) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    browser.drain()
    new = browser.events[since:]
    saved, browser.events = browser.events, new
    try:
        errors, requests = browser.console_errors(), browser.requests()
    finally:
        browser.events = saved
    assert state["summary"], "the summary is not at the top of the feedback"
    assert state["math"] > 0, f"no rendered math in {page.name}: {state}"
    assert state["raw"] == [], f"LaTeX left untypeset: {state['raw']}"
    assert state["drawn"] >= state["plots"], f"plots not drawn offline: {state}"  # plotly.js is embedded
    remote = [u for u in requests if not u.startswith(("file:", "data:", "blob:", "about:"))]
    assert remote == [], f"the feedback tried the network: {remote}"
    assert errors == [], errors
