"""The hub's spawner: single-user JupyterLab as the hub's own Unix user, one home per hub user.

``SimpleLocalProcessSpawner`` (jupyterhub.spawner) runs every server as the Unix user that runs
the hub, with ``HOME`` set per user: no system accounts, no root. That makes it a demo and CI
spawner, not an isolation boundary: every user can read every other user's files. Production
sites use KubeSpawner (hub/k8s/values.yaml) or LocalProcessSpawner with real accounts.

On top of it this spawner:
- puts each home under the course's hub state folder (``$SAE_HUB_STATE/home/<user>``);
- writes the user's nbgrader config into ``<home>/.jupyter/nbgrader_config.py`` before each start:
  the exchange folder and course id for everyone, and for students their own student id (all
  servers share one Unix user, so nbgrader cannot take the student's name from the OS);
- starts the instructor in the course root (formgrader reads the course's nbgrader_config.py
  from there) and students in their home;
- gives students the course's student Jupyter config (``etc/jupyter/student``, the one ``make lab``
  uses): formgrader, Create Assignment and Course List switched off; the instructor gets
  ``etc/jupyter/instructor`` (``make lab-instructor``'s). Both also make the Validate button run every
  cell and say what it checked (``nbgrader_config.py``, ``jupyter_lab_config.py`` there).
"""

from __future__ import annotations

import os
from pathlib import Path

from jupyterhub.spawner import SimpleLocalProcessSpawner
from traitlets import Unicode

HUB_DIR = Path(__file__).resolve().parent


def nbgrader_user_config(exchange: str, course_id: str, student_id: str | None) -> str:
    lines = [
        "# Written by the course hub's spawner at each start (hub/course_spawner.py).",
        "c = get_config()  # noqa: F821",
        f"c.Exchange.root = {exchange!r}",
        f"c.CourseDirectory.course_id = {course_id!r}",
    ]
    if student_id:
        lines.append(f"c.CourseDirectory.student_id = {student_id!r}")
    return "\n".join(lines) + "\n"


def student_config_dir(course_root: Path, role: str = "student") -> Path:
    """The students' Jupyter config (etc/jupyter/student, shared with `make lab`): instructor tools off.
    ``role="instructor"``: etc/jupyter/instructor (`make lab-instructor`)."""
    for d in (course_root / "etc" / "jupyter" / role, HUB_DIR.parent / "etc" / "jupyter" / role):
        if d.is_dir():
            return d
    raise FileNotFoundError(f"etc/jupyter/{role} is missing" + (": students would see the instructor's tools"
                                                                 if role == "student" else ""))


class CourseSpawner(SimpleLocalProcessSpawner):
    course_root = Unicode(config=True, help="The course directory (holds nbgrader_config.py)")
    state_dir = Unicode(config=True, help="The hub's state folder (homes, exchange)")
    exchange_root = Unicode(config=True, help="nbgrader's exchange folder")
    course_id = Unicode("sae-course", config=True)
    instructor = Unicode("instructor", config=True, help="The hub user who grades")

    @property
    def is_instructor(self) -> bool:
        return self.user.name == self.instructor

    def _home(self) -> str:
        return str(Path(self.state_dir) / "home" / self.user.name)

    # SimpleLocalProcessSpawner reads home_dir; its default comes from home_dir_template
    def _write_user_config(self) -> None:
        jdir = Path(self.home_dir) / ".jupyter"
        jdir.mkdir(parents=True, exist_ok=True)
        (jdir / "nbgrader_config.py").write_text(nbgrader_user_config(
            self.exchange_root, self.course_id, None if self.is_instructor else self.user.name))

    def make_preexec_fn(self, name):
        cwd = self.course_root if self.is_instructor else self.home_dir

        def preexec():
            os.makedirs(cwd, 0o755, exist_ok=True)
            os.chdir(cwd)

        return preexec

    def get_args(self):
        args = super().get_args()
        root = self.course_root if self.is_instructor else self.home_dir
        args = args + [f"--ServerApp.root_dir={root}"]
        if os.getuid() == 0:  # containers and CI run everything as root
            args.append("--ServerApp.allow_root=True")
        return args

    def get_env(self):
        env = super().get_env()
        role = "instructor" if self.is_instructor else "student"
        paths = [str(student_config_dir(Path(self.course_root), role))]
        env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths + [p for p in [env.get("JUPYTER_CONFIG_PATH")] if p])
        env["SAE_COURSE_ROLE"] = "instructor" if self.is_instructor else "student"
        return env

    async def start(self):
        self.home_dir = self._home()
        Path(self.home_dir).mkdir(parents=True, exist_ok=True)
        self._write_user_config()
        return await super().start()
