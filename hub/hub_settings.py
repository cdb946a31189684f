"""The course hub's settings, read from the environment by the hub config, the service and start.py."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

HUB_DIR = Path(__file__).resolve().parent
REPO = HUB_DIR.parent

STUDENTS = ("student1", "student2", "student3")
INSTRUCTOR = "instructor"
DEFAULT_PASSWORD = "sae-demo"


def course_id_of(course: Path) -> str:
    """The course id as nbgrader reads it from the course's nbgrader_config.py."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    cfg = Config()
    if (course / "nbgrader_config.py").is_file():
        cfg.merge(PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config())
    return str(cfg.CourseDirectory.get("course_id") or "sae-course")


def proxy_command() -> str:
    local = HUB_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
    if local.exists():
        return str(local)
    return shutil.which("configurable-http-proxy") or str(local)


@dataclass
class Settings:
    course: Path
    state: Path
    port: int = 8000
    api_port: int = 8081
    proxy_api_port: int = 8001
    password: str = DEFAULT_PASSWORD
    budget: int = 3  # graded results per student per section per hour; 0: no limit
    window_s: float = 3600.0
    poll_s: float = 2.0
    instructor: str = INSTRUCTOR
    students: tuple[str, ...] = STUDENTS
    course_id: str = "sae-course"
    sandbox: bool = True
    workers: int | None = None
    proxy_command: str = field(default_factory=proxy_command)

    @property
    def exchange(self) -> Path:
        return self.state / "exchange"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @classmethod
    def from_env(cls, env=None) -> "Settings":
        e = os.environ if env is None else env
        course = Path(e.get("SAE_HUB_COURSE") or REPO).resolve()
        state = Path(e.get("SAE_HUB_STATE") or HUB_DIR / "state").resolve()
        students = tuple(x.strip() for x in e.get("SAE_HUB_STUDENTS", ",".join(STUDENTS)).split(",") if x.strip())
        return cls(
            course=course, state=state,
            port=int(e.get("SAE_HUB_PORT", 8000)), api_port=int(e.get("SAE_HUB_API_PORT", 8081)),
            proxy_api_port=int(e.get("SAE_HUB_PROXY_API_PORT", 8001)),
            password=e.get("SAE_HUB_PASSWORD") or DEFAULT_PASSWORD,
            budget=int(e.get("SAE_HUB_BUDGET", 3)), window_s=float(e.get("SAE_HUB_WINDOW_S", 3600)),
            poll_s=float(e.get("SAE_HUB_POLL", 2)), students=students,
            course_id=e.get("SAE_HUB_COURSE_ID") or course_id_of(course),
            sandbox=e.get("SAE_HUB_SANDBOX", "1") not in ("0", "false", "no"),
            workers=int(e["SAE_HUB_WORKERS"]) if e.get("SAE_HUB_WORKERS") else None,
        )
