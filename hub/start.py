"""Start the course hub (``make hub``): prepare the exchange and the release, then run JupyterHub.

    .venv/bin/python hub/start.py [--course DIR] [--state DIR] [--port 8000] [--sections 00_toy_models ...]

Prepares, idempotently: the hub's state folder, nbgrader's exchange in it, every section of
release/ in the gradebook (built with the leak check when missing) and released to the exchange
(``nbgrader release_assignment``). Then prints the URL and the demo accounts and runs JupyterHub
(hub/jupyterhub_config.py) in the foreground, on 127.0.0.1 only; Ctrl-C stops it and everything
it started (servers, the proxy, the autograder service).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from pathlib import Path

HUB_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(HUB_DIR))

from hub_settings import Settings  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def released_sections(course: Path) -> list[str]:
    rel = course / "release"
    return sorted(p.name for p in rel.iterdir() if (p / f"{p.name}.ipynb").is_file()) if rel.is_dir() else []


def nbgrader(course: Path, *args: str) -> None:
    exe = Path(sys.executable).parent / "nbgrader"
    env = dict(os.environ, PATH=os.pathsep.join([str(exe.parent), os.environ.get("PATH", "")]))
    proc = subprocess.run([str(exe), *args], cwd=course, env=env, text=True, capture_output=True)
    if proc.returncode != 0:
        sys.stderr.write((proc.stdout + proc.stderr)[-3000:])
        raise SystemExit(f"[hub] `nbgrader {' '.join(args)}` failed (exit {proc.returncode})")


def prepare(s: Settings, sections: list[str] | None = None, log=print) -> list[str]:
    """State folders, the gradebook's assignments and the exchange's release. Returns the sections."""
    from nbgrader.api import Gradebook, MissingEntry

    from sae_course.grading.course import Course
    from sae_course.grading.release import build_release

    s.state.mkdir(parents=True, exist_ok=True)
    (s.state / "home").mkdir(exist_ok=True)
    s.exchange.mkdir(exist_ok=True)
    os.chmod(s.exchange, 0o777)  # nbgrader's exchange root: every user writes into its inbound/
    course = Course(s.course)
    sections = sections or released_sections(s.course) or course.sections()
    if not sections:
        raise SystemExit(f"[hub] nothing to release: {s.course / 'release'} has no section (run `sae-course release`)")
    (s.course / "gradebook").mkdir(exist_ok=True)
    missing = []
    with Gradebook(course.db_url, course_id=s.course_id) as gb:
        for sec in sections:
            try:
                gb.find_assignment(sec)
            except MissingEntry:
                missing.append(sec)
    missing += [sec for sec in sections if sec not in missing and not (s.course / "release" / sec).is_dir()]
    if missing:
        log(f"[hub] adding {', '.join(missing)} to the gradebook (nbgrader generate_assignment + leak check)")
        build_release(course, missing, log=log)
    for sec in sections:
        nbgrader(s.course, "release_assignment", sec, "--force", f"--Exchange.root={s.exchange}",
                 f"--CourseDirectory.course_id={s.course_id}")
    log(f"[hub] released to the exchange ({s.exchange}): {', '.join(sections)}")
    return sections


def banner(s: Settings) -> str:
    accounts = "\n".join(f"    {u:<12} {s.password}" + ("   (formgrader, dashboard)" if u == s.instructor else "")
                         for u in (s.instructor, *s.students))
    return (f"\n[hub] The course hub: {s.url}\n"
            f"[hub] Demo accounts (user, password):\n{accounts}\n"
            f"[hub] Autograding on submission: at most {s.budget or 'unlimited'} graded result(s) per student "
            f"per section per hour. Ctrl-C stops the hub.\n")


def check_proxy(s: Settings) -> None:
    if not Path(s.proxy_command).exists():
        raise SystemExit(
            "[hub] configurable-http-proxy is not installed. It comes from npm: install Node.js and npm\n"
            "      (Debian/Ubuntu: sudo apt-get install nodejs npm), then run `make hub` again; it installs\n"
            "      the pinned proxy into hub/node_modules (npm ci --prefix hub).")


def environment(s: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(SAE_HUB_COURSE=str(s.course), SAE_HUB_STATE=str(s.state), SAE_HUB_PORT=str(s.port),
               SAE_HUB_API_PORT=str(s.api_port), SAE_HUB_PROXY_API_PORT=str(s.proxy_api_port),
               SAE_HUB_PASSWORD=s.password, SAE_HUB_BUDGET=str(s.budget), SAE_HUB_COURSE_ID=s.course_id,
               SAE_HUB_SECTIONS=",".join(s_ for s_ in env.get("SAE_HUB_SECTIONS", "").split(",") if s_),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]))
    return env


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--course", help="the course directory (default: this repository)")
    ap.add_argument("--state", help="the hub's state folder (default: hub/state)")
    ap.add_argument("--port", type=int, help="public port on 127.0.0.1 (default 8000; 0 picks a free one)")
    ap.add_argument("--budget", type=int, help="graded results per student per section per hour (0: no limit)")
    ap.add_argument("--sections", nargs="*", help="sections to release (default: all of release/)")
    ap.add_argument("--prepare-only", action="store_true", help="prepare the exchange, do not start the hub")
    a = ap.parse_args(argv)
    if a.course:
        os.environ["SAE_HUB_COURSE"] = a.course
    if a.state:
        os.environ["SAE_HUB_STATE"] = a.state
    if a.port is not None:
        os.environ["SAE_HUB_PORT"] = str(a.port or free_port())
    if a.budget is not None:
        os.environ["SAE_HUB_BUDGET"] = str(a.budget)
    for key in ("SAE_HUB_API_PORT", "SAE_HUB_PROXY_API_PORT"):
        os.environ.setdefault(key, str(free_port()))
    s = Settings.from_env()
    check_proxy(s)
    sections = prepare(s, a.sections)
    os.environ["SAE_HUB_SECTIONS"] = ",".join(sections)
    if a.prepare_only:
        return
    print(banner(s), flush=True)
    cmd = [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(HUB_DIR / "jupyterhub_config.py")]
    os.chdir(s.state)
    os.execve(cmd[0], cmd, environment(s))


if __name__ == "__main__":
    main()
