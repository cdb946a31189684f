"""Autograde on submission: a JupyterHub-managed service (hub/jupyterhub_config.py starts it).

Every ``SAE_HUB_POLL`` seconds it looks at nbgrader's exchange; for each new submission it
1. collects it (nbgrader's ``collect --update``: the latest submission per student replaces the last);
2. grades it with the course's engine (``sae_course.grading.autograde.run_autograde``: the pre-flight,
   the parallel sandboxed workers with warm kernels, Ray when ``SAE_HUB_RAY`` names a cluster);
   broken, hostile or hanging notebooks get a grade and the grader's notes, like batch grading;
3. writes feedback with nbgrader's ``generate_feedback`` (the course's config keeps hidden tests out)
   and releases it through the exchange (``release_feedback``): the student fetches it from the
   Assignment List;
4. regenerates the cohort dashboard (``reports/``, the course's ``write_report``, as ``sae-course
   report`` does), so the instructor sees the new submission there without running a command.

Graded pre-checks have a budget: at most ``SAE_HUB_BUDGET`` graded results per student per section
per ``SAE_HUB_WINDOW_S`` seconds (an hour). Past it, the submission is still collected (the grade that
counts is nbgrader's: the latest submission, with its lateness) but its grading waits; the student
gets a feedback page saying when the next graded result is available, and the latest submission
is graded then.

State lives on disk only: the exchange (inbound submissions, released feedback, and this
service's ledger ``<exchange>/<course>/autograder/ledger.jsonl``) and the gradebook. A submission
counts as graded when the gradebook holds its timestamp and autograded/ has it, so a restart
grades nothing twice and loses nothing; feedback that was not released yet is released then.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import shutil
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

HUB_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(HUB_DIR))

from hub_settings import Settings  # noqa: E402


def log(msg: str) -> None:
    print(f"[autograder {dt.datetime.now().strftime('%H:%M:%S')}] {msg}", flush=True)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def parse_ts(text: str) -> dt.datetime:
    from nbgrader.utils import parse_utc

    return parse_utc(text.strip()).replace(tzinfo=None)


@dataclass(frozen=True)
class Pending:
    student: str
    section: str
    timestamp: str  # as nbgrader wrote it in timestamp.txt


class Ledger:
    """Append-only JSON lines in the exchange: what was graded (for the budget) and what was deferred."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    def entries(self) -> list[dict]:
        if not self.path.is_file():
            return []
        out = []
        for line in self.path.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue  # a line cut short by a crash
        return out

    def add(self, **entry) -> None:
        entry.setdefault("at", time.time())
        with self.path.open("a") as f:
            f.write(json.dumps(entry, sort_keys=True) + "\n")
            f.flush()
            os.fsync(f.fileno())


class WarmWorkers:
    """Keeps the engine's local workers, and their warm templates (torch & co. imported once), from
    one pass to the next, so a submission does not wait for the imports again.

    ``autograde_parallel`` builds a ``LocalBackend`` per call and closes it at the end; while this is
    installed, it gets the same backend each time (sized for the most workers it may need) and its
    close is deferred to ``shutdown``. ``SAE_HUB_WARM=0`` turns it off (a fresh backend per pass).
    """

    def __init__(self, log=log):
        self.backend = None
        self.key = None
        self._close = None
        self._orig = None
        self.log = log

    def install(self) -> None:
        from sae_course.grading import parallel

        if self._orig is not None:
            return
        self._orig = orig = parallel.LocalBackend

        def local_backend(workers, scratch, opts, config, log=print):
            key = (opts.sandbox, tuple(opts.preload), str(scratch))
            want = max(workers, opts.resolved_workers())
            if self.backend is not None and (self.key != key or len(self.backend.all) < workers):
                self.shutdown_backend()
            if self.backend is None:
                self.backend = orig(want, scratch, opts, config, log)
                self._close, self.key = self.backend.close, key
                self.backend.close = lambda: None
            self.backend.config, self.backend.limits = config, opts.limits
            return self.backend

        parallel.LocalBackend = local_backend

    def shutdown_backend(self) -> None:
        if self._close is not None:
            try:
                self._close()
            finally:
                self.backend, self._close, self.key = None, None, None

    def shutdown(self) -> None:
        self.shutdown_backend()
        if self._orig is not None:
            from sae_course.grading import parallel

            parallel.LocalBackend = self._orig
            self._orig = None


class Autograder:
    def __init__(self, s: Settings, sections: list[str] | None = None, engine_options: dict | None = None):
        from sae_course.grading.course import Course
        from sae_course.grading.parallel import load_config

        self.s = s
        self.course = Course(s.course)
        self.sections = sections
        self.course_path = s.exchange / s.course_id
        self.ledger = Ledger(self.course_path / "autograder" / "ledger.jsonl")
        self.engine_options = {"workers": s.workers, "no_sandbox": not s.sandbox,
                               "ray": os.environ.get("SAE_HUB_RAY") or None, **(engine_options or {})}
        cfg = load_config(self.course)
        cfg.Exchange.root = str(s.exchange)
        cfg.CourseDirectory.course_id = s.course_id
        cfg.ExchangeCollect.check_owner = False  # every hub user is this one Unix user (docs/hub.md)
        self.config = cfg
        self._api = None
        self.warm = None
        if os.environ.get("SAE_HUB_WARM", "1") not in ("0", "false", "no") and not self.engine_options.get("ray"):
            import tempfile

            self.engine_options.setdefault("scratch", tempfile.mkdtemp(prefix="sae-hub-grade-"))
            self.warm = WarmWorkers()
            self.warm.install()

    def close(self) -> None:
        if self.warm is not None:
            self.warm.shutdown()
            self.warm = None
        scratch = self.engine_options.get("scratch")
        if scratch and Path(scratch).name.startswith("sae-hub-grade-"):
            from sae_course.grading.sandbox import force_rmtree

            force_rmtree(Path(scratch))

    # nbgrader's own API, in this process ---------------------------------------------------------
    @property
    def api(self):
        if self._api is None:
            from nbgrader.apps import NbGraderAPI
            from nbgrader.auth import Authenticator
            from nbgrader.coursedir import CourseDirectory

            cd = CourseDirectory(config=self.config)
            self._api = NbGraderAPI(coursedir=cd, authenticator=Authenticator(config=self.config), config=self.config)
        return self._api

    def _check(self, what: str, result: dict) -> bool:
        if not result.get("success"):
            log(f"{what} failed: {(result.get('error') or result.get('log') or '').strip()[-1500:]}")
            return False
        return True

    # what is there ---------------------------------------------------------------------------------
    def known_sections(self) -> list[str]:
        if self.sections:
            return list(self.sections)
        out = self.course_path / "outbound"
        return sorted(p.name for p in out.iterdir() if p.is_dir()) if out.is_dir() else []

    def inbound_latest(self) -> dict[tuple[str, str], str]:
        """(student, section) -> newest inbound timestamp (as written in the folder name)."""
        inbound = self.course_path / "inbound"
        latest: dict[tuple[str, str], tuple[dt.datetime, str]] = {}
        if not inbound.is_dir():
            return {}
        for p in inbound.iterdir():
            parts = p.name.rsplit("+", 3) if p.name.count("+") >= 3 else p.name.rsplit("+", 2)
            if len(parts) < 3:
                continue
            student, section, stamp = parts[0], parts[1], parts[2]
            try:
                t = parse_ts(stamp)
            except Exception:  # noqa: BLE001 - a folder nbgrader did not write
                continue
            key = (student, section)
            if key not in latest or t > latest[key][0]:
                latest[key] = (t, stamp)
        return {k: v[1] for k, v in latest.items()}

    def submitted_ts(self, student: str, section: str) -> str | None:
        f = self.course.submitted / student / section / "timestamp.txt"
        return f.read_text().strip() if f.is_file() else None

    def collect_new(self) -> None:
        """nbgrader collect --update for each section with a submission newer than submitted/'s."""
        todo = set()
        for (student, section), stamp in self.inbound_latest().items():
            if section not in self.known_sections():
                continue
            have = self.submitted_ts(student, section)
            if have is None or parse_ts(stamp) > parse_ts(have):
                todo.add(section)
        for section in sorted(todo):
            log(f"collecting {section}")
            self._check(f"collect {section}", self.api.collect(section, update=True))

    def gradebook_ts(self, student: str, section: str) -> dt.datetime | None:
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(self.course.db_url, course_id=self.s.course_id) as gb:
            try:
                sub = gb.find_submission(section, student)
            except MissingEntry:
                return None
            return sub.timestamp.replace(tzinfo=None) if sub.timestamp else None

    def is_graded(self, p: Pending) -> bool:
        """The gradebook holds this submission's timestamp and its grading left autograded/ or feedback/."""
        gts = self.gradebook_ts(p.student, p.section)
        if gts is None or gts != parse_ts(p.timestamp):
            return False
        for where in (self.course.autograded, self.course.feedback):
            f = where / p.student / p.section / "timestamp.txt"
            if f.is_file() and parse_ts(f.read_text()) == parse_ts(p.timestamp):
                return True
        return False

    def released(self, p: Pending, kind: str) -> bool:
        return any(e.get("kind") == kind and e.get("student") == p.student and e.get("section") == p.section
                   and e.get("timestamp") == p.timestamp for e in self.ledger.entries())

    def pending(self) -> list[Pending]:
        out = []
        for section in self.known_sections():
            for student in self.course.students():
                ts = self.submitted_ts(student, section)
                if ts and not self.released(Pending(student, section, ts), "graded"):
                    out.append(Pending(student, section, ts))
        return out

    # the budget -------------------------------------------------------------------------------------
    def budget_state(self, student: str, section: str, now: float | None = None) -> tuple[int, float | None]:
        """Graded results used in the current window, and when the next one is available (None: now)."""
        now = time.time() if now is None else now
        times = sorted(e["at"] for e in self.ledger.entries()
                       if e.get("kind") == "graded" and e.get("student") == student and e.get("section") == section
                       and e.get("counted", True) and e["at"] > now - self.s.window_s)
        if not self.s.budget or len(times) < self.s.budget:
            return len(times), None
        return len(times), times[len(times) - self.s.budget] + self.s.window_s

    # feedback ----------------------------------------------------------------------------------------
    def _feedback_dir(self, student: str, section: str) -> Path:
        return self.course.feedback / student / section

    def _stamp_feedback(self, student: str, section: str) -> None:
        """release_feedback reads timestamp.txt and submission_secret.txt next to the pages."""
        src, dst = self.course.submitted / student / section, self._feedback_dir(student, section)
        dst.mkdir(parents=True, exist_ok=True)
        for name in ("timestamp.txt", "submission_secret.txt"):
            if (src / name).is_file():
                shutil.copy(src / name, dst / name)

    def _banner(self, student: str, section: str, text: str) -> None:
        for page in self._feedback_dir(student, section).glob("*.html"):
            body = page.read_text()
            note = (f'<div class="sae-hub-note" style="border:1px solid #c90;background:#fff8e1;padding:8px;'
                    f'margin:8px 0">{text}</div>')
            i = body.find("<body")
            j = body.find(">", i) + 1 if i >= 0 else 0
            page.write_text(body[:j] + note + body[j:])

    def release_feedback(self, student: str, section: str) -> bool:
        self._stamp_feedback(student, section)
        return self._check(f"release_feedback {section}/{student}", self.api.release_feedback(section, student))

    def defer(self, p: Pending, used: int, next_at: float) -> None:
        """Past the budget: a feedback page saying when the next graded result comes."""
        when = dt.datetime.fromtimestamp(next_at, dt.timezone.utc).strftime("%H:%M:%S UTC")
        log(f"{p.section}/{p.student}: budget used ({used}/{self.s.budget} this hour); next graded result at {when}")
        d = self._feedback_dir(p.student, p.section)
        if d.is_dir():
            shutil.rmtree(d)
        d.mkdir(parents=True)
        from sae_course.grading.preflight import expected_notebooks

        msg = (f"Your submission of {html.escape(p.section)} ({html.escape(p.timestamp)}) is recorded, but you "
               f"have used your {self.s.budget} graded result(s) for this section in the last hour. "
               f"The next graded result is available at <strong class='sae-hub-next'>{when}</strong>: "
               f"your latest submission is graded then, automatically (no need to submit again). "
               f"The grade that counts is that of your latest submission.")
        for name in expected_notebooks(self.course, p.section):
            (d / (Path(name).stem + ".html")).write_text(
                "<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
                f"{html.escape(p.section)}: not graded yet</title></head><body><h1>{html.escape(p.section)}</h1>"
                f"<p class='sae-hub-budget'>{msg}</p></body></html>\n")
        if self.release_feedback(p.student, p.section):
            self.ledger.add(kind="deferred", student=p.student, section=p.section, timestamp=p.timestamp,
                            next_at=next_at)

    # one pass ------------------------------------------------------------------------------------------
    def step(self) -> list[Pending]:
        """Collect, grade what is new (within the budget), release feedback. Returns what was graded."""
        from sae_course.grading.autograde import run_autograde

        self.collect_new()
        todo: dict[str, list[Pending]] = {}
        finish: list[Pending] = []
        for p in self.pending():
            if self.is_graded(p):  # graded before a restart; its feedback may not be out yet
                finish.append(p)
                continue
            used, next_at = self.budget_state(p.student, p.section)
            if next_at is not None:
                if not self.released(p, "deferred"):
                    self.defer(p, used, next_at)
                continue
            todo.setdefault(p.section, []).append(p)
        for section, items in sorted(todo.items()):
            students = sorted({p.student for p in items})
            log(f"grading {section}: {', '.join(students)}")
            t0 = time.monotonic()
            try:
                run_autograde(self.course, [section], students=students, options=dict(self.engine_options), log=log)
            except Exception as e:  # noqa: BLE001 - the service keeps serving; the next pass retries
                log(f"grading {section} failed: {type(e).__name__}: {e}\n{traceback.format_exc(limit=4)}")
                continue
            log(f"graded {section} ({len(students)} submission(s)) in {time.monotonic() - t0:.1f} s")
            finish.extend(items)
        done = []
        for p in finish:
            if self.finish(p):
                done.append(p)
        if done:
            self.update_report()
        return done

    def update_report(self) -> Path | None:
        """The cohort dashboard (``reports/index.html``, what ``sae-course report`` writes), regenerated
        after each pass that released feedback, so the instructor sees new submissions without a command."""
        from sae_course.grading.report import write_report

        t0 = time.monotonic()
        try:
            index = write_report(self.course.db_url, self.course.reports, self.course.root, course_id=self.s.course_id)
        except Exception as e:  # noqa: BLE001 - the dashboard is a convenience: grading goes on
            log(f"dashboard not updated: {type(e).__name__}: {e}")
            return None
        log(f"dashboard updated: {index} ({time.monotonic() - t0:.1f} s)")
        return index

    def finish(self, p: Pending) -> bool:
        """Feedback for a graded submission, released through the exchange; recorded in the ledger."""
        fb = self._feedback_dir(p.student, p.section)
        autograded = (self.course.autograded / p.student / p.section).is_dir()
        if autograded:
            if not self._check(f"generate_feedback {p.section}/{p.student}",
                               self.api.generate_feedback(p.section, p.student, force=True)):
                return False
        elif not any(fb.glob("*.html")):
            log(f"{p.section}/{p.student}: no feedback could be made (nothing autograded)")
            return False
        used, _ = self.budget_state(p.student, p.section)
        left = max(0, self.s.budget - used - 1) if self.s.budget else None
        if left is not None:
            self._banner(p.student, p.section,
                         f"Graded pre-check of {html.escape(p.timestamp)}: <span class='sae-hub-left'>{left}</span> "
                         f"more graded result(s) for this section in the next hour (budget {self.s.budget} per hour). "
                         f"Your grade is that of your latest submission.")
        if not self.release_feedback(p.student, p.section):
            return False
        self.ledger.add(kind="graded", student=p.student, section=p.section, timestamp=p.timestamp,
                        score=self._score(p))
        log(f"{p.section}/{p.student}: feedback released (score {self._score(p)})")
        return True

    def _score(self, p: Pending):
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(self.course.db_url, course_id=self.s.course_id) as gb:
            try:
                sub = gb.find_submission(p.section, p.student)
                return [float(sub.score), float(sub.max_score)]
            except MissingEntry:
                return None

    def serve(self, stop=lambda: False) -> None:
        log(f"watching {self.course_path / 'inbound'} every {self.s.poll_s:g} s; course {self.course.root}; "
            f"budget {self.s.budget or 'unlimited'} per student per section per {self.s.window_s:g} s")
        if not (self.course.reports / "index.html").is_file():
            self.update_report()  # the instructor finds a dashboard from the start
        while not stop():
            try:
                self.step()
            except Exception as e:  # noqa: BLE001 - keep serving everyone else
                log(f"pass failed: {type(e).__name__}: {e}\n{traceback.format_exc(limit=6)}")
            time.sleep(self.s.poll_s)


def main() -> None:
    def _term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _term)
    s = Settings.from_env()
    sections = [x for x in os.environ.get("SAE_HUB_SECTIONS", "").split(",") if x] or None
    os.environ.setdefault("SAE_COURSE_ROOT", str(s.course))
    svc = Autograder(s, sections)
    try:
        svc.serve()
    except KeyboardInterrupt:
        log("stopping")
    finally:
        svc.close()
        log("stopped")


if __name__ == "__main__":
    main()
