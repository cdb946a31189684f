"""The sandbox around student kernels: bubblewrap's command line, the paths it shows, the limits.

Every student kernel runs inside bubblewrap (``bwrap``, Debian package ``bubblewrap``):

* no network (``--unshare-net``: only a private loopback), no IPC, PID, UTS or cgroup view of
  the host, a new user namespace with a non-root uid;
* a read-only system: ``/usr``, ``/bin``, ``/lib*``, ``/sbin``, ``/etc``, the Python installation
  and the virtualenv, and the ``sae_course`` package folder (model zoo weights included);
* nothing else of the course: ``source/``, ``gradebook/``, ``release/``, ``submitted/``,
  ``autograded/`` and other students' folders are simply not there;
* writable: only the worker slot's own scratch folders (the student's working copy, ``$HOME``,
  ``/tmp`` and the kernel's socket folder), which the grader empties between two students.

Limits (see :class:`Limits`): per-cell and per-notebook wall time (the grader interrupts, then
kills), address space (``RLIMIT_AS``), processes (``RLIMIT_NPROC``, counted per sandbox because
each sandbox is its own user namespace owned by a non-root uid), file size (``RLIMIT_FSIZE``),
open files, and the bytes of output a notebook may send back.

When the grader runs as root, bubblewrap is started under a per-slot unprivileged uid
(``setpriv``): a process limit is not enforced for uid 0, and root's home (where pyenv
installs Python) is not readable by that uid, so the read-only paths are first bind-mounted
onto staging folders in a private mount namespace (``unshare --mount``) that only bwrap sees.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .course import CourseError

# Uids the sandboxes run under when the grader is root (one per worker slot; no such user needs
# to exist). Inside the sandbox the student is always uid/gid 1000.
SANDBOX_UID_BASE = 1_900_000_000
INNER_UID = 1000
SLOTS_PER_GRADER = 64


def slot_uid(slot_index: int, pid: int | None = None) -> int:
    """The host uid of a slot's sandbox: distinct per grader process and slot, never 0."""
    pid = os.getpid() if pid is None else pid
    return SANDBOX_UID_BASE + (pid % 200_000) * SLOTS_PER_GRADER + slot_index % SLOTS_PER_GRADER

# Where things are inside the sandbox.
SANDBOX_WORK = "/sandbox/work"
SANDBOX_HOME = "/sandbox/home"
SANDBOX_RUN = "/sandbox/run"
SANDBOX_TMP = "/tmp"

# Environment variables a kernel may see (besides SAE_COURSE_*, minus the gradebook's URL).
PASSTHROUGH_ENV = (
    "LANG", "LC_ALL", "TZ", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE",
    "WANDB_MODE", "CUDA_VISIBLE_DEVICES", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "PYTHONHASHSEED",
)
SECRET_ENV = ("SAE_COURSE_DB_URL", "SAE_COURSE_ROOT")

INSTALL_HINT = (
    "install it (Debian/Ubuntu: `apt-get install bubblewrap`; `.ci/run` does this), "
    "or pass --no-sandbox to grade WITHOUT isolation (student code then runs with your permissions)"
)


class SandboxUnavailable(CourseError):
    """bubblewrap is missing or cannot create a sandbox here; grading stops unless --no-sandbox."""


@dataclass(frozen=True)
class Limits:
    """What one student's notebook may use. ``None``: no limit of that kind."""

    cell_timeout: int | None = None  # seconds per cell; None: nbgrader's Execute.timeout
    notebook_timeout: float = 3600.0  # seconds for the whole notebook, then the kernel is killed
    memory_mb: int | None = 4096  # address space a kernel may add to the warm template's
    max_procs: int = 256  # processes and threads inside one sandbox
    max_output_mb: float = 10.0  # bytes of cell output sent back per notebook; the rest is dropped
    max_file_mb: int = 512  # largest file the student's code may write
    max_open_files: int = 1024

    def rlimits(self, base_address_space: int = 0, gpu: bool = False) -> dict[str, tuple[int, int]]:
        """The resource limits a kernel sets on itself right after the fork (name -> (soft, hard))."""
        out = {
            "RLIMIT_NPROC": (self.max_procs, self.max_procs),
            "RLIMIT_FSIZE": (self.max_file_mb << 20, self.max_file_mb << 20),
            "RLIMIT_NOFILE": (self.max_open_files, self.max_open_files),
            "RLIMIT_CORE": (0, 0),
        }
        # CUDA reserves huge address ranges: RLIMIT_AS would break it on GPU runners.
        if self.memory_mb is not None and not gpu:
            cap = base_address_space + (self.memory_mb << 20)
            out["RLIMIT_AS"] = (cap, cap)
        return out


@dataclass
class SlotDirs:
    """The host folders of one worker slot and where the sandbox shows them."""

    root: Path

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def host(self) -> Path:
        """Grader-only files of the slot (host connection file, template log): never bound."""
        return self.root / "host"

    def writable(self) -> list[Path]:
        return [self.work, self.home, self.tmp, self.run]

    def create(self, uid: int | None = None) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o755)
        self.host.mkdir(exist_ok=True)
        os.chmod(self.host, 0o700)
        for d in self.writable():
            d.mkdir(exist_ok=True)
            if uid is not None:
                os.chown(d, uid, uid)
            os.chmod(d, 0o700)

    def wipe(self, uid: int | None = None, keep_in_tmp: tuple[str, ...] | list[str] = ()) -> None:
        """Empty the writable folders (between two students).

        ``keep_in_tmp``: read-only paths the sandbox mounts inside its /tmp (a course cloned under /tmp:
        its venv and package). bwrap made empty mount points for them in our tmp folder; removing one
        from the host would detach the mount inside a running sandbox (Linux >= 3.18), so they stay.
        """
        keep = {self.tmp / os.path.relpath(p, SANDBOX_TMP) for p in keep_in_tmp}
        ancestors = {a for k in keep for a in k.parents if self.tmp in a.parents}

        def clear(d: Path) -> None:
            for child in list(d.iterdir()):
                if child in keep:
                    continue
                if child in ancestors and child.is_dir() and not child.is_symlink():
                    clear(child)
                elif child.is_dir() and not child.is_symlink():
                    force_rmtree(child)
                else:
                    child.unlink(missing_ok=True)

        # The folders themselves stay: a running sandbox has them bind-mounted.
        for d in self.writable():
            d.mkdir(exist_ok=True)
            os.chmod(d, 0o700)
            clear(d)
            if uid is not None:
                os.chown(d, uid, uid)

    def sandbox_path(self, host_path: Path) -> str:
        """Where a host path under one of the writable folders appears inside the sandbox."""
        host_path = Path(host_path)
        for d, inside in ((self.work, SANDBOX_WORK), (self.home, SANDBOX_HOME), (self.run, SANDBOX_RUN),
                          (self.tmp, SANDBOX_TMP)):
            try:
                rel = host_path.relative_to(d)
            except ValueError:
                continue
            return str(Path(inside) / rel)
        raise ValueError(f"{host_path} is not inside the slot's writable folders")


def force_rmtree(path: Path) -> None:
    """rmtree that also removes what the student made unwritable (chmod 000 folders)."""

    def onerror(func, p, exc):
        try:
            os.chmod(os.path.dirname(p), 0o700)
            os.chmod(p, 0o700)
        except OSError:
            pass
        try:
            if os.path.isdir(p) and not os.path.islink(p):
                shutil.rmtree(p, ignore_errors=True)
            else:
                os.unlink(p)
        except OSError:
            pass

    shutil.rmtree(path, onerror=onerror)


def bwrap_path() -> str:
    """The bubblewrap executable, or SandboxUnavailable."""
    exe = shutil.which("bwrap")
    if exe is None:
        raise SandboxUnavailable(f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}")
    return exe


def readonly_paths() -> list[str]:
    """Host paths every kernel needs, read-only: the system, Python, the venv, the course package."""
    import sae_course

    paths = [p for p in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
             if os.path.exists(p)]
    for p in (sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix,
              os.path.dirname(os.path.realpath(sys.executable)),
              os.path.dirname(os.path.abspath(sae_course.__file__))):
        p = os.path.realpath(p)
        if os.path.isdir(p):
            paths.append(p)
    # Keep the outermost of nested paths.
    out: list[str] = []
    for p in sorted(set(paths), key=len):
        if not any(p == q or p.startswith(q.rstrip("/") + "/") for q in out):
            out.append(p)
    return out


def gpu_devices() -> list[str]:
    """NVIDIA device nodes to show inside the sandbox (empty on CPU machines)."""
    import glob

    return sorted(glob.glob("/dev/nvidia*")) + sorted(glob.glob("/dev/dri/render*"))


def gpu_count() -> int:
    """GPUs visible to this process, without importing torch (CUDA_VISIBLE_DEVICES respected)."""
    import glob

    n = len([p for p in glob.glob("/dev/nvidia[0-9]*")])
    vis = os.environ.get("CUDA_VISIBLE_DEVICES")
    if vis is not None:
        n = min(n, len([v for v in vis.split(",") if v.strip() and v.strip() != "-1"]))
    return n


def kernel_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a sandboxed kernel: a short allow-list, never the gradebook's URL."""
    env = {k: v for k, v in os.environ.items()
           if (k in PASSTHROUGH_ENV or k.startswith("SAE_COURSE_")) and k not in SECRET_ENV}
    env.update({
        "PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin",
        "HOME": SANDBOX_HOME,
        "TMPDIR": SANDBOX_TMP,
        "JUPYTER_RUNTIME_DIR": SANDBOX_RUN,
        "IPYTHONDIR": SANDBOX_HOME + "/.ipython",
        "MPLCONFIGDIR": SANDBOX_HOME + "/.matplotlib",
        "HF_HOME": SANDBOX_HOME + "/.cache/huggingface",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "NBGRADER_EXECUTION": "autograde",
    })
    env.setdefault("LANG", "C.UTF-8")
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.update(extra or {})
    return env


@dataclass
class Sandbox:
    """How to start a process inside a slot's sandbox (``enabled=False``: the --no-sandbox path)."""

    enabled: bool = True
    uid: int | None = None  # host uid the sandbox runs under (root only); None: the caller's
    staging: Path | None = None  # empty folders for the private-namespace bind mounts (root only)
    ro: list[str] = field(default_factory=readonly_paths)
    bwrap: str | None = None

    @classmethod
    def for_slot(cls, slot_index: int, scratch: Path, enabled: bool = True) -> "Sandbox":
        if not enabled:
            return cls(enabled=False, ro=[])
        exe = bwrap_path()
        if os.geteuid() == 0:
            return cls(True, slot_uid(slot_index), scratch / f"stage-{slot_index}", bwrap=exe)
        return cls(True, None, None, bwrap=exe)

    def tmp_mounts(self) -> list[str]:
        """Read-only paths this sandbox mounts inside its /tmp (see ``SlotDirs.wipe``)."""
        if not self.enabled:
            return []
        return [p for p in self.ro if p.startswith(SANDBOX_TMP.rstrip("/") + "/") and not os.path.islink(p)]

    # The command line ------------------------------------------------------------------------
    def bwrap_args(self, dirs: SlotDirs, env: dict[str, str], ro_sources: dict[str, str]) -> list[str]:
        a = [self.bwrap or "bwrap", "--unshare-all", "--die-with-parent", "--new-session",
             "--uid", str(INNER_UID), "--gid", str(INNER_UID), "--hostname", "sandbox"]
        # /tmp first: bwrap mounts in order, and a course cloned under /tmp (its venv, its package) must be
        # bound on top of the kernel's private /tmp, not hidden by it.
        a += ["--bind", str(dirs.tmp), SANDBOX_TMP]
        for dest in self.ro:
            if os.path.islink(dest):  # merged /usr: /bin -> usr/bin
                a += ["--symlink", os.readlink(dest), dest]
            else:
                a += ["--ro-bind", ro_sources.get(dest, dest), dest]
        a += ["--proc", "/proc", "--dev", "/dev"]
        for dev in gpu_devices():
            a += ["--dev-bind", dev, dev]
        a += ["--bind", str(dirs.work), SANDBOX_WORK,
              "--bind", str(dirs.home), SANDBOX_HOME,
              "--bind", str(dirs.run), SANDBOX_RUN,
              "--chdir", SANDBOX_WORK, "--clearenv"]
        for k, v in sorted(env.items()):
            a += ["--setenv", k, v]
        return a

    def command(self, dirs: SlotDirs, argv: list[str], env: dict[str, str]) -> list[str]:
        """The full command line that runs ``argv`` inside the sandbox."""
        if not self.enabled:
            return list(argv)
        if self.uid is None:  # not root: bwrap runs as the caller, paths are readable
            return self.bwrap_args(dirs, env, {}) + ["--", *argv]
        # Root: stage the read-only paths in a private mount namespace, then drop to the slot uid.
        assert self.staging is not None
        self.staging.mkdir(parents=True, exist_ok=True)
        os.chmod(self.staging, 0o755)
        sources, script = {}, []
        for i, p in enumerate(self.ro):
            if os.path.islink(p):
                continue
            st = self.staging / str(i)
            st.mkdir(exist_ok=True)
            os.chmod(st, 0o755)
            sources[p] = str(st)
            script.append(f"mount --rbind {shlex.quote(p)} {shlex.quote(str(st))}")
        setpriv = shutil.which("setpriv") or "setpriv"
        inner = [setpriv, f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups", "--",
                 *self.bwrap_args(dirs, env, sources), "--", *argv]
        script.append("exec " + " ".join(shlex.quote(x) for x in inner))
        unshare = shutil.which("unshare") or "unshare"
        return [unshare, "--mount", "--propagation", "private", "/bin/sh", "-c", " && ".join(script)]


_PROBED: dict[tuple, str | None] = {}


def check_sandbox(scratch: Path) -> None:
    """Start a trivial sandbox once; raise SandboxUnavailable (with bwrap's message) if it fails."""
    key = (os.geteuid(), bwrap_path())
    if key in _PROBED:
        if _PROBED[key]:
            raise SandboxUnavailable(_PROBED[key])
        return
    scratch.mkdir(parents=True, exist_ok=True)
    os.chmod(scratch, 0o711)
    box = Sandbox.for_slot(999, scratch)
    dirs = SlotDirs(scratch / "probe")
    dirs.create(box.uid)
    cmd = box.command(dirs, [sys.executable, "-c", "import os; open('/sandbox/work/ok','w').write('1')"],
                      kernel_env())
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        ok = proc.returncode == 0 and (dirs.work / "ok").is_file()
        msg = None if ok else (
            f"bubblewrap cannot create a sandbox on this machine (exit {proc.returncode}): "
            f"{(proc.stderr or proc.stdout).strip()[-500:]}. Allow unprivileged user namespaces "
            f"(sysctl kernel.unprivileged_userns_clone=1), run in a VM/container that permits them, "
            f"or pass --no-sandbox to grade WITHOUT isolation")
    except (OSError, subprocess.TimeoutExpired) as e:
        msg = f"bubblewrap could not be started: {e}; {INSTALL_HINT}"
    finally:
        force_rmtree(dirs.root)
    _PROBED[key] = msg
    if msg:
        raise SandboxUnavailable(msg)
