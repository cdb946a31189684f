"""Warm kernels: a template process that has imported the heavy libraries once, and forks one
fresh IPython kernel per student notebook.

Importing torch, einops, plotly, transformer_lens and sae_lens costs seconds per kernel; a
cohort pays that for every notebook. Here a *template* ("zygote") process, started once per
worker slot inside the slot's sandbox (``sandbox.py``), imports them, preloads what the graded
sections' setup cells load (``_Template.warm_setup``: the zoo model, SAEs and token windows, built
on one thread with torch's random state and the environment restored afterwards; no CUDA, no ZMQ
context, no thread of its own), freezes its heap (``gc.freeze``) and then waits for commands on
its stdin. For each notebook it forks:

* child **A** closes the template's control pipes, points stdin/stdout/stderr at the slot's
  kernel log, sets the resource limits (address space, processes, file size, open files),
  enters a new user + PID + mount namespace, and forks
* child **B**, PID 1 of that namespace, which dies with A (``PR_SET_PDEATHSIG``), reseeds
  NumPy's global generator, changes into the student's working copy and starts an IPython
  kernel on the connection file it was given (``ipc`` transport: unix sockets in the slot's
  run folder, since the sandbox has no network).

Killing A kills B, and with B everything the student's code started (the PID namespace goes
away with its first process). The template never runs student code and a kernel never forks
another student's kernel, so no state passes between students; the template is non-dumpable,
so a kernel cannot read or write its memory through ``/proc``.

Protocol (one JSON object per line): the grader writes ``{"op": "spawn"|"signal"|"kill", ...}``
on the template's stdin; the template answers ``{"ev": "ready"|"spawned"|"exit"|"error", ...}``
on its stdout.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import threading
import time
from pathlib import Path

DEFAULT_PRELOAD = ("torch", "einops", "plotly", "transformer_lens", "sae_lens", "sae_course.config")
# Always imported, before the preload list: what the kernel itself needs (cheap, and then no
# kernel pays for it).
KERNEL_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "IPython",
                  "jupyter_client.session", "zmq", "tornado.ioloop")

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
# Modules whose import looks at the IPython shell to decide something (plotly's default renderer):
# the template has no shell, so a kernel must import them itself.
KERNEL_SENSITIVE = ("plotly.io._renderers",)
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 16384, 1 << 18


# ====================================================================================
# Inside the sandbox: the template process
# ====================================================================================

def _libc():
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _vm_size() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _kernel_start_modules(d: str) -> list[str]:
    """In a throwaway child: start a kernel app in folder ``d``; the modules that start imported."""
    from jupyter_client.connect import write_connection_file
    from ipykernel.kernelapp import IPKernelApp

    fn, _ = write_connection_file(os.path.join(d, "k.json"), transport="ipc", ip=os.path.join(d, "k"))
    before = set(sys.modules)
    app = IPKernelApp.instance()
    app.initialize(["-f", fn, "--HistoryManager.hist_file=:memory:"])
    return sorted(m for m in set(sys.modules) - before if not m.startswith("__"))


class _Template:
    def __init__(self, opts: dict):
        self.opts = opts
        # Keep the control pipes on private fds; fd 0/1 become /dev/null and the log, so that a
        # library printing to stdout cannot corrupt the protocol.
        self.ctl_in = os.dup(0)
        self.ctl_out = os.dup(1)
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(2, 1)
        os.close(null)
        self.children: dict[int, str] = {}  # pid -> job
        self.jobs: dict[str, int] = {}  # job -> pid
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_w, False)

    def send(self, **msg) -> None:
        data = (json.dumps(msg) + "\n").encode()
        while data:
            n = os.write(self.ctl_out, data)
            data = data[n:]

    # -- start-up ------------------------------------------------------------------------
    def preload(self) -> None:
        import gc
        import importlib

        t0 = time.monotonic()
        done, failed = [], {}
        # The kernel's own modules first: libraries decide some things when they are imported by
        # looking at what is loaded, and must decide as they would inside a kernel. tqdm.auto, for
        # one, picks its notebook progress bar (a widget) only when ipykernel's shell is loaded,
        # and its text bar writes to stderr (a graded cell that writes to stderr scores 0).
        for name in KERNEL_MODULES:
            try:
                importlib.import_module(name)
            except Exception as e:
                failed[name] = f"{type(e).__name__}: {e}"
        learned = self.learn_kernel_modules()
        for name in learned:
            if name not in sys.modules:
                try:
                    importlib.import_module(name)
                except Exception:
                    pass
        for name in self.opts.get("preload", []):
            try:
                importlib.import_module(name)
                done.append(name)
            except Exception as e:  # a missing optional library must not stop grading
                failed[name] = f"{type(e).__name__}: {e}"
        warmed = self.warm_setup(self.opts.get("setup") or [], failed)
        import threading as _t

        gc.collect()
        gc.freeze()  # children then do not touch (copy) the template's objects when they collect
        try:
            _libc().prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        except Exception:
            pass
        self.base_vm = _vm_size()
        self.send(ev="ready", preloaded=done, warmed=warmed, failed=failed, seconds=round(time.monotonic() - t0, 3),
                  vm_size=self.base_vm, py_threads=_t.active_count(),
                  os_threads=len(os.listdir("/proc/self/task")))

    def warm_setup(self, sources: list[str], failed: dict) -> list[str]:
        """Preload what the sections' setup cells load (course code from the release, never a
        student's): a throwaway child runs each setup cell and reports the modules it imported and
        the zoo loader calls it made (``sae_course.zoo.warm.record``); the template then imports
        those modules and makes those calls itself (``warm.fill``), so each forked kernel starts
        with them loaded, copy-on-write. Returns a line per preloaded object."""
        import importlib

        modules: list[str] = []
        calls: list[dict] = []
        for code in sources:
            got = self._in_child(_learn_setup, code, timeout=300.0)
            if got is None:
                failed["setup cell"] = "the trial run of a setup cell failed or took too long"
                continue
            modules += [m for m in got["modules"] if m not in modules]
            calls += got["calls"]
        for name in modules:
            if name not in sys.modules and not name.startswith(KERNEL_SENSITIVE):
                try:
                    importlib.import_module(name)
                except Exception:
                    pass
        if not calls:
            return []
        from sae_course.zoo import warm

        return warm.fill(calls)

    def _in_child(self, func, arg, timeout: float):
        """``func(arg)`` in a forked child; its JSON result, or None if it failed or ran out of time."""
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(r)
                data = json.dumps(func(arg)).encode()
                while data:
                    data = data[os.write(w, data):]
            finally:
                os._exit(0)
        os.close(w)
        chunks, deadline = [], time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([r], [], [], left)[0]:
                _kill(pid, signal.SIGKILL)
                chunks = []
                break
            b = os.read(r, 1 << 16)
            if not b:
                break
            chunks.append(b)
        os.close(r)
        os.waitpid(pid, 0)
        try:
            return json.loads(b"".join(chunks)) if chunks else None
        except ValueError:
            return None

    def learn_kernel_modules(self) -> list[str]:
        """The modules a kernel imports while it starts (ipykernel's debugger pulls in debugpy,
        for one): a throwaway child starts a kernel and reports them, the template imports them."""
        import tempfile

        import shutil

        # In the kernels' runtime folder (the slot's run/, emptied between students), never in
        # the /tmp a student's kernel sees; removed whatever happens.
        runtime = os.environ.get("JUPYTER_RUNTIME_DIR")
        d = tempfile.mkdtemp(prefix="learn-", dir=runtime if runtime and os.path.isdir(runtime) else None)
        try:
            return self._in_child(_kernel_start_modules, d, timeout=300) or []
        finally:
            shutil.rmtree(d, ignore_errors=True)

    # -- main loop -----------------------------------------------------------------------
    def serve(self) -> None:
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *a: None)
        buf = b""
        while True:
            try:
                ready, _, _ = select.select([self.ctl_in, self.wake_r], [], [], 1.0)
            except InterruptedError:
                ready = []
            if self.wake_r in ready:
                try:
                    os.read(self.wake_r, 4096)
                except BlockingIOError:
                    pass
            self.reap()
            if self.ctl_in in ready:
                data = os.read(self.ctl_in, 1 << 16)
                if not data:  # the grader went away: take every kernel with us
                    for pid in list(self.children):
                        _kill(pid, signal.SIGKILL)
                    os._exit(0)
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    if line.strip():
                        try:
                            self.handle(json.loads(line))
                        except Exception as e:
                            self.send(ev="error", error=f"{type(e).__name__}: {e}")

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            job = self.children.pop(pid, None)
            if job is not None:
                self.jobs.pop(job, None)
                self.send(ev="exit", job=job, status=os.waitstatus_to_exitcode(status))

    def handle(self, msg: dict) -> None:
        op = msg.get("op")
        if op == "spawn":
            job = msg["job"]
            pid = os.fork()
            if pid == 0:
                code = 70
                try:
                    self.child_a(msg)
                except BaseException:
                    import traceback

                    traceback.print_exc()
                finally:
                    os._exit(code)
            self.children[pid] = job
            self.jobs[job] = pid
            self.send(ev="spawned", job=job, pid=pid)
        elif op in ("signal", "kill"):
            pid = self.jobs.get(msg["job"])
            if pid is not None:
                _kill(pid, signal.SIGKILL if op == "kill" else int(msg["sig"]))
        elif op == "ping":
            self.send(ev="pong")
        else:
            raise ValueError(f"unknown op {op!r}")

    # -- the two children ----------------------------------------------------------------
    def child_a(self, msg: dict) -> None:
        import resource

        signal.set_wakeup_fd(-1)
        for fd in (self.ctl_in, self.ctl_out, self.wake_r, self.wake_w):
            os.close(fd)
        for s in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM):
            signal.signal(s, signal.SIG_DFL)
        log = os.open(msg["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.close(null)
        os.setsid()
        for name, (soft, hard) in msg.get("rlimits", {}).items():
            try:
                resource.setrlimit(getattr(resource, name), (soft, hard))
            except (ValueError, OSError) as e:
                print(f"[warm-kernel] could not set {name}: {e}", file=sys.stderr)
        # New user + PID + mount namespace: B becomes PID 1 and takes every descendant with it.
        uid, gid = os.getuid(), os.getgid()
        isolated = False
        libc = _libc()
        if libc.unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS) == 0:
            # Non-dumpable processes cannot write their own id maps: dumpable just for this.
            libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
            try:
                with open("/proc/self/setgroups", "w") as f:
                    f.write("deny")
                with open("/proc/self/uid_map", "w") as f:
                    f.write(f"{uid} {uid} 1")
                with open("/proc/self/gid_map", "w") as f:
                    f.write(f"{gid} {gid} 1")
                isolated = True
            except OSError as e:
                print(f"[warm-kernel] user namespace maps: {e}", file=sys.stderr)
            libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        else:
            print(f"[warm-kernel] no PID namespace (errno {__import__('ctypes').get_errno()}); "
                  "the kernel's process group is killed instead", file=sys.stderr)
        alive_r, alive_w = os.pipe()
        b = os.fork()
        if b == 0:
            os.close(alive_w)
            self.child_b(msg, alive_r, isolated)
            os._exit(71)
        os.close(alive_r)

        def forward(sig, _frame):
            _kill(b, sig)

        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
            signal.signal(s, forward)
        while True:
            try:
                _, status = os.waitpid(b, 0)
                break
            except ChildProcessError:
                status = 0
                break
        if not isolated:
            try:
                os.killpg(b, signal.SIGKILL)
            except OSError:
                pass
        code = os.waitstatus_to_exitcode(status)
        os._exit(code if code >= 0 else 128 - code)

    def child_b(self, msg: dict, alive_r: int, isolated: bool) -> None:
        libc = _libc()
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        os.set_blocking(alive_r, False)
        try:
            if os.read(alive_r, 1) == b"":  # A already died: do not outlive it
                os._exit(72)
        except BlockingIOError:
            pass
        if not isolated:
            os.setpgid(0, 0)
        else:
            # Our own /proc (only this job's processes), where the kernel allows it.
            if libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) == 0:
                libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
        libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # too large a file: an error, not a crash
        os.chdir(msg["cwd"])
        os.umask(0o022)
        np = sys.modules.get("numpy")
        if np is not None:
            np.random.seed()  # as a fresh interpreter would have (random reseeds itself at fork)
        argv = ["-f", msg["connection_file"], *msg.get("argv", [])]
        sys.argv = ["ipykernel_launcher", *argv]
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        app.initialize(argv)
        app.start()
        os._exit(0)


def _learn_setup(code: str) -> dict:
    """In a throwaway child: run a setup cell; the modules it imported and its zoo loader calls."""
    from sae_course.zoo import warm

    before = set(sys.modules)
    calls = warm.record(code)
    return {"modules": sorted(m for m in set(sys.modules) - before if not m.startswith("__")), "calls": calls}


def _kill(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def template_main(argv: list[str]) -> None:
    opts = json.loads(argv[0]) if argv else {}
    t = _Template(opts)
    t.preload()
    t.serve()


# ====================================================================================
# On the grader's side: one template per worker slot
# ====================================================================================

class TemplateError(RuntimeError):
    """The template died or did not answer; the slot restarts it."""


class WarmTemplate:
    """Starts and talks to one slot's template; thread-safe."""

    def __init__(self, dirs, sandbox, preload=DEFAULT_PRELOAD, env: dict[str, str] | None = None,
                 startup_timeout: float = 300.0, log=None, setup: list[str] | tuple[str, ...] = ()):
        from .sandbox import kernel_env

        self.dirs = dirs
        self.sandbox = sandbox
        self.preload = list(preload)
        self.setup = list(setup)  # setup cells whose loads the template preloads (warm_setup)
        self.env = kernel_env(env)
        if not sandbox.enabled:  # --no-sandbox: the slot's real folders stand in for the sandbox's
            self.env.update(HOME=str(dirs.home), TMPDIR=str(dirs.tmp), JUPYTER_RUNTIME_DIR=str(dirs.run),
                            IPYTHONDIR=str(dirs.home / ".ipython"), MPLCONFIGDIR=str(dirs.home / ".matplotlib"),
                            HF_HOME=str(dirs.home / ".cache/huggingface"))
        self.startup_timeout = startup_timeout
        self.log = log or (lambda *a: None)
        self.proc = None
        self.info: dict = {}
        self._cond = threading.Condition()
        self._events: dict[str, dict] = {}  # job -> latest event
        self._ready = False
        self._dead = False
        self._write_lock = threading.Lock()

    # paths as the kernel sees them
    def inside(self, host_path: Path) -> str:
        return self.dirs.sandbox_path(host_path) if self.sandbox.enabled else str(host_path)

    def start(self) -> None:
        import subprocess

        opts = {"preload": self.preload, "setup": self.setup}
        argv = [sys.executable, "-m", "sae_course.grading.warm_kernel", json.dumps(opts)]
        cmd = self.sandbox.command(self.dirs, argv, self.env)
        self.dirs.host.mkdir(parents=True, exist_ok=True)
        self._stderr = open(self.dirs.host / "template.log", "ab")
        run_env = None if self.sandbox.enabled else {**self.env, "PATH": os.environ.get("PATH", "")}
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                                     cwd=str(self.dirs.work), env=run_env, start_new_session=True)
        self._ready = self._dead = False
        self._reader = threading.Thread(target=self._read, name="warm-template-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            with self._cond:
                ev = msg.get("ev")
                if ev == "ready":
                    self.info = msg
                    self._ready = True
                elif "job" in msg:
                    self._events[msg["job"]] = msg
                self._cond.notify_all()
        with self._cond:
            self._dead = True
            self._cond.notify_all()

    def wait_ready(self) -> dict:
        deadline = time.monotonic() + self.startup_timeout
        with self._cond:
            while not self._ready:
                if self._dead:
                    raise TemplateError(f"the warm kernel template exited during start-up: {self.log_tail()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TemplateError("the warm kernel template did not start in time")
                self._cond.wait(min(left, 1.0))
            if not getattr(self, "_told", False) and self.info.get("warmed"):
                self._told = True
                self.log(f"[grade] warm template: {len(self.info['warmed'])} object(s) the setup cells load, "
                         "preloaded: " + "; ".join(self.info["warmed"]))
            if self.info.get("failed") and not getattr(self, "_warned", False):
                self._warned = True
                self.log("[grade] warm template could not import (kernels will try themselves): "
                         + "; ".join(f"{k}: {v}" for k, v in self.info["failed"].items()))
        return self.info

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None and not self._dead

    def log_tail(self, n: int = 2000) -> str:
        try:
            return (self.dirs.host / "template.log").read_bytes()[-n:].decode(errors="replace")
        except OSError:
            return ""

    def _send(self, **msg) -> None:
        if not self.alive():
            raise TemplateError("the warm kernel template is not running")
        assert self.proc is not None and self.proc.stdin is not None
        with self._write_lock:
            try:
                self.proc.stdin.write((json.dumps(msg) + "\n").encode())
                self.proc.stdin.flush()
            except (BrokenPipeError, ValueError) as e:
                raise TemplateError(f"the warm kernel template went away: {e}") from e

    # kernels ------------------------------------------------------------------------------
    def spawn(self, job: str, connection_file: str, argv: list[str], rlimits: dict, log: str, cwd: str,
              timeout: float = 30.0) -> int:
        self.wait_ready()
        with self._cond:
            self._events.pop(job, None)
        self._send(op="spawn", job=job, connection_file=connection_file, argv=argv, rlimits=rlimits,
                   log=log, cwd=cwd)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                ev = self._events.get(job)
                if ev is not None:
                    if ev.get("ev") in ("spawned", "exit"):
                        return int(ev.get("pid", -1))
                if self._dead:
                    raise TemplateError(f"the warm kernel template died: {self.log_tail()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TemplateError("the warm kernel template did not fork a kernel in time")
                self._cond.wait(min(left, 1.0))

    def poll(self, job: str) -> int | None:
        """None while the job's kernel runs, else its exit code."""
        with self._cond:
            ev = self._events.get(job)
            if ev is not None and ev.get("ev") == "exit":
                return int(ev["status"])
            if self._dead:
                return -9
            return None

    def signal(self, job: str, sig: int) -> None:
        try:
            self._send(op="signal", job=job, sig=int(sig))
        except TemplateError:
            pass

    def kill(self, job: str) -> None:
        try:
            self._send(op="kill", job=job)
        except TemplateError:
            pass

    def wait_exit(self, job: str, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                ev = self._events.get(job)
                if ev is not None and ev.get("ev") == "exit":
                    return int(ev["status"])
                if self._dead:
                    return -9
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(min(left, 0.5))

    def forget(self, job: str) -> None:
        with self._cond:
            self._events.pop(job, None)

    def close(self) -> None:
        if self.proc is not None:
            try:
                if self.proc.stdin:
                    self.proc.stdin.close()  # the template kills its kernels and exits
            except OSError:
                pass
            try:
                self.proc.wait(timeout=5)
            except Exception:
                self.proc.kill()
                try:
                    self.proc.wait(timeout=5)
                except Exception:
                    pass
            self.proc = None
        if getattr(self, "_stderr", None):
            self._stderr.close()


if __name__ == "__main__":
    template_main(sys.argv[1:])
