"""The gradebook on PostgreSQL (nbgrader's ``db_url``): a real server, started here on loopback
from Debian's ``postgresql`` package, runs the grading tests that also run on SQLite.

Skipped (with the reason) only when the server binaries are absent and ``CI`` is not set;
under CI their absence is a failure (``.ci/run`` installs them).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import tiny_course as tc
from sae_course.grading import autograde as ag

FAST = {"workers": 2, "preload": "", "cell_timeout": 60}


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    exe = shutil.which("initdb")
    return Path(exe).parent if exe else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pg_url():
    """A throwaway PostgreSQL server on 127.0.0.1; yields a URL without a database name."""
    bindir = _bindir()
    if bindir is None:
        msg = "PostgreSQL server binaries not found (Debian: apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(msg + " but CI is set: .ci/run must install them")
        pytest.skip(msg)
    base = Path(tempfile.mkdtemp(prefix="sae-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        user = "postgres"
        try:
            pw = pwd.getpwnam(user)
        except KeyError:
            user, pw = "nobody", pwd.getpwnam("nobody")
        for p in (base, sock):
            os.chown(p, pw.pw_uid, pw.pw_gid)
        prefix = ["runuser", "-u", user, "--"]
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    subprocess.run(prefix + [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                             "--no-sync", "-E", "UTF8"], check=True, capture_output=True, env=env)
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {sock} -c fsync=off -c full_page_writes=off"
    start = subprocess.run(prefix + [str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l",
                                     str(base / "server.log"), "-w", "-t", "60", "start"],
                           capture_output=True, text=True, env=env)
    if start.returncode != 0:
        log = (base / "server.log").read_text() if (base / "server.log").exists() else ""
        pytest.fail(f"PostgreSQL did not start: {start.stdout}{start.stderr}{log}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(prefix + [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, env=env)
        shutil.rmtree(base, ignore_errors=True)


def _createdb(url: str, name: str) -> str:
    import psycopg  # SQLAlchemy 2.1's driver for postgresql:// URLs (psycopg 3)

    with psycopg.connect(url + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{url}/{name}"


def _course(root: Path, db: str, monkeypatch, cohort: dict) -> "tc.Course":
    monkeypatch.setenv("SAE_COURSE_DB_URL", db)
    course = tc.make_course(root)
    tc.set_due_date(course)
    for student, answers in cohort.items():
        tc.submit(course, student, answers, late_days=1 if student == "erin" else -1)
    return course


def test_postgres_gradebook_same_grades_as_stock(pg_url, tmp_path, monkeypatch):
    stock_db, engine_db = _createdb(pg_url, "stock"), _createdb(pg_url, "engine")
    stock = _course(tmp_path / "stock", stock_db, monkeypatch, tc.COHORT)
    ag.run_autograde(stock, [tc.SECTION], options={"serial": True})  # stock nbgrader, on PostgreSQL
    engine = _course(tmp_path / "engine", engine_db, monkeypatch, tc.COHORT)
    report = ag.run_autograde(engine, [tc.SECTION], options=dict(FAST))
    assert len(report.graded) == len(tc.COHORT) and not report.failed
    a, b = tc.grades(stock_db), tc.grades(engine_db)
    assert len(a) > 30
    assert a == b, {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
    assert {k[0]: v[0] for k, v in b.items() if len(k) == 2} == {
        "alice": 7.0, "bob": 4.0, "carol": 0.0, "dave": 4.0, "erin": 7.0}


def test_two_graders_at_once_lose_nothing(pg_url, tmp_path, monkeypatch):
    """Two `sae-course autograde` commands, each on its own students, into one gradebook."""
    db = _createdb(pg_url, "shared")
    cohort = {f"{g}-{s}": tc.COHORT[s] for g in ("g1", "g2") for s in ("alice", "bob", "carol")}
    course = _course(tmp_path / "c", db, monkeypatch, cohort)
    exe = str(Path(sys.executable).parent / "sae-course")
    env = {**os.environ, "SAE_COURSE_DB_URL": db}

    def grade(group):
        args = [exe, "--root", str(course.root), "autograde", tc.SECTION, "--no-feedback", "--workers", "1",
                "--preload", "", "--cell-timeout", "60"]
        for st in cohort:
            if st.startswith(group):
                args += ["--student", st]
        return subprocess.run(args, capture_output=True, text=True, env=env, timeout=600)

    t0 = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(grade, ("g1", "g2")))
    for r in runs:
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    g = tc.grades(db)
    totals = {k[0]: v[0] for k, v in g.items() if len(k) == 2}
    expected = {"alice": 7.0, "bob": 4.0, "carol": 0.0}
    assert totals == {st: expected[st.split("-", 1)[1]] for st in cohort}, totals
    assert time.monotonic() - t0 < 600
