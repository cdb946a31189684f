"""Execute pass: nbgrader's ``Execute``, made to survive a student's kernel dying or hanging.

Stock nbgrader 0.9 (checked in tests/test_hostile.py):

- a cell that kills the kernel (``os._exit``, a segfault, the out-of-memory killer, a sandbox
  limit) raises ``DeadKernelError``: the *whole* submission fails, its autograded notebook is
  deleted, and every grade stays empty ("needs manual grade"), with no word to the student;
- a loop that ignores the interrupt (``signal.signal(SIGINT, SIG_IGN)``, ``except
  KeyboardInterrupt: pass`` in a loop) raises ``CellTimeoutError`` with the same result;
- a cell that prints 100 MB keeps all of it, in memory and in the autograded notebook and the
  feedback (``LimitOutput`` counts lines, and one line can be 100 MB).

``GuardedExecute`` is a drop-in subclass of nbgrader's ``Execute`` (same options) that:

- when the kernel dies or stops answering in cell *k*, starts a fresh kernel and runs the whole
  notebook again with cell *k* replaced by a failing stub (up to ``max_restarts`` times); the
  cell shows the student what happened and scores 0 if it is graded, every other cell is graded
  as usual. Past ``max_restarts``, the cells after the last crash are marked "not run";
- keeps at most ``max_output_chars`` of printed text per stream and ``max_display_chars`` of
  figures / HTML per cell, and ``max_notebook_output_chars`` of printed text and figures in the
  whole notebook (the rest is dropped as it arrives, so the grader's memory stays bounded too),
  and says so in the cell. What decides a grade is never dropped, only shortened: ``error``
  outputs, the first ``stderr`` output of a cell (nbgrader scores a graded cell that wrote to
  stderr 0), ``execute_result`` (partial credit), and the integrity probes' reports
  (``application/vnd.sae-course.integrity+json``). So a cell that floods its output keeps its
  own grade, and every other cell keeps its own.

The parallel engine's ``SandboxedExecute`` (``executor.py``) is a subclass of this one, with
the same recovery and output rules, a notebook deadline and kernels from the sandbox; either
way ``execution_notes.py`` then tells the student what happened.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from nbgrader.preprocessors.execute import UnresponsiveKernelError
from traitlets import Float, Integer


TRUNCATED = "\n... output truncated by the grader (more than {cap:,} characters) ...\n"
NOTEBOOK_TRUNCATED = ("\n... output truncated by the grader (this notebook sent more than {cap:,} characters "
                      "of output in all) ...\n")
INTEGRITY_MIME = "application/vnd.sae-course.integrity+json"
MAX_ERROR_CHARS = 20_000  # of an error's message and of its traceback (the error itself always stays)
MAX_REPORT_CHARS = 2_000_000  # an integrity probe's report is a few tens of kB


# The grader's one vocabulary for cells it did not let finish (execution_notes.py explains each to
# the student; integrity_check.py ignores probes that carry one).
KERNEL_DIED = "KernelDied"  # the kernel died in this cell; it was skipped on a fresh kernel
KERNEL_HUNG = "KernelHung"  # the cell ignored the interrupt; the kernel was replaced, the cell skipped
NOT_RUN = "NotRun"  # out of restarts: the cells after the last crash never ran
CELL_NOT_RUN = "CellNotRun"  # never ran: the kernel had died or the notebook was out of time
NOTEBOOK_TIMEOUT = "NotebookTimeout"  # the notebook's time limit ended here
UNFINISHED = frozenset({KERNEL_DIED, KERNEL_HUNG, NOT_RUN, CELL_NOT_RUN, NOTEBOOK_TIMEOUT})


def error_output(ename: str, evalue: str):
    """The one way the grader writes an error into a cell (nbgrader scores a graded cell with one 0)."""
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"])


def _size(msg) -> int:
    content = msg.get("content", {})
    if msg.get("msg_type") == "stream":
        return len(content.get("text", ""))
    data = content.get("data") or {}
    return sum(len(v) if isinstance(v, str) else len(str(v)) for v in data.values()) + len(str(content.get("traceback", "")))


def _cut(text, cap: int) -> str:
    text = text if isinstance(text, str) else str(text)
    return text if len(text) <= cap else text[:cap] + f" ... [{len(text) - cap:,} characters cut by the grader]"


def _with_content(msg, **content):
    return {**msg, "content": {**msg.get("content", {}), **content}}


def _shrunk_error(msg):
    """An error output, its message and traceback shortened (the error itself always counts)."""
    c = msg.get("content", {})
    tb = [_cut(line, MAX_ERROR_CHARS) for line in (c.get("traceback") or [])]
    while len(tb) > 1 and sum(map(len, tb)) > MAX_ERROR_CHARS:
        del tb[len(tb) // 2]
    return _with_content(msg, ename=_cut(c.get("ename", ""), 200), evalue=_cut(c.get("evalue", ""), MAX_ERROR_CHARS),
                         traceback=tb)


def _shrunk_data(msg, cap: int):
    data = msg.get("content", {}).get("data") or {}
    return _with_content(msg, data={k: (_cut(v, cap) if isinstance(v, str) else v) for k, v in data.items()})


class GuardedExecute(Execute):
    """nbgrader's Execute, plus crash recovery, output limits and messages for the student."""

    # Set by every run of a notebook, read by subclasses (``executor.SandboxedExecute``):
    truncated_cells: set[int]  # indices of the cells whose output was cut
    death_detail: str | None  # why the kernel died in the current cell, when a subclass knows

    max_restarts = Integer(2, help="fresh kernels to try after a cell kills or hangs the kernel").tag(config=True)
    max_output_chars = Integer(
        200_000, help="printed text kept per cell and stream (characters); the rest is dropped as it arrives"
    ).tag(config=True)
    max_display_chars = Integer(
        20_000_000, help="rich output (figures, HTML) kept per cell (characters)").tag(config=True)
    max_notebook_output_chars = Integer(
        10_000_000, help="printed text and rich output kept per notebook (characters); what decides a grade "
                         "(errors, stderr, results, the integrity reports) is never dropped").tag(config=True)
    max_total_seconds = Float(
        0.0, help="seconds one notebook may take in all, restarts included (0: three times the cell timeout, "
                  "at least 30 minutes); past it, the cells left are not run").tag(config=True)

    # Every kernel of a notebook starts as clean as the first ----------------------------------------------
    def _kernel_env(self) -> dict | None:
        """The environment of a fresh (unsandboxed) kernel: a new, empty IPython profile folder (no
        startup files or configs left by an earlier kernel) and no user site-packages (no .pth or
        usercustomize). The sandboxed engine starts its kernels its own way (``executor.py``)."""
        d = tempfile.mkdtemp(prefix="sae-ipython-")
        self._sae_tmpdirs.append(d)
        return {**os.environ, "IPYTHONDIR": d, "PYTHONNOUSERSITE": "1", "PYTHONSTARTUP": ""}

    async def async_start_new_kernel(self, **kwargs):
        env = self._kernel_env()
        if env is not None:
            kwargs.setdefault("env", env)
        return await super().async_start_new_kernel(**kwargs)

    start_new_kernel = run_sync(async_start_new_kernel)

    def _workdir(self, resources) -> Path | None:
        path = ((resources or {}).get("metadata") or {}).get("path")
        return Path(path) if path else None

    def _snapshot_workdir(self, resources) -> None:
        d = self._workdir(resources)
        self._sae_files = ({str(p.relative_to(d)) for p in d.rglob("*")} if d is not None and d.is_dir() else None)

    def _restore_workdir(self, resources) -> None:
        """Before a restart: remove what the student's code wrote into the notebook's folder (modules,
        ``sitecustomize.py``, ``.pth`` files...), so none of it is there for the next kernel."""
        d = self._workdir(resources)
        if d is None or self._sae_files is None or not d.is_dir():
            return
        for p in sorted(d.rglob("*"), key=lambda q: -len(q.parts)):
            if str(p.relative_to(d)) in self._sae_files:
                continue
            try:
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
            except OSError as e:
                self.log.warning("could not remove %s before restarting the kernel: %s", p, e)

    interrupt_grace = Float(
        10.0, help="seconds a cell has to stop after the interrupt at its time limit; past them it counts as hung "
                  "and the kernel is replaced at once (instead of after the next cell's timeout)").tag(config=True)

    async def _async_handle_timeout(self, timeout, cell=None):
        """At a cell's time limit: interrupt, and if the cell does not stop within ``interrupt_grace``
        seconds (signals ignored, a loop in C, ``except KeyboardInterrupt: pass``), give up on this
        kernel now. Stock nbclient would send the next cell to the busy kernel and wait for that
        one's whole timeout too, so a function that ignores interrupts cost two timeouts per call."""
        if not self.interrupt_on_timeout or not self.error_on_timeout:
            return await super()._async_handle_timeout(timeout, cell)
        from queue import Empty

        from jupyter_core.utils import ensure_async

        self.log.error("Timeout waiting for execute reply (%is); interrupting the kernel", timeout)
        await ensure_async(self.km.interrupt_kernel())
        # A kernel still sending this cell's output (a flood being flushed) is not hung: its grace
        # restarts with each output, up to one more cell timeout in all.
        now = time.monotonic()
        deadline, hard = now + self.interrupt_grace, now + max(self.interrupt_grace, float(timeout or 0))
        seen = self._sae_msgs
        while True:
            try:
                await ensure_async(self.kc.shell_channel.get_msg(timeout=1.0))
                return {"content": {**self.error_on_timeout, "status": "error"}}
            except Empty:
                now = time.monotonic()
                if self._sae_msgs != seen:
                    seen, deadline = self._sae_msgs, min(hard, now + self.interrupt_grace)
                if now >= deadline:
                    raise CellTimeoutError.error_from_timeout_and_cell(
                        "Cell execution timed out and ignored the interrupt", timeout, cell) from None

    def _total_budget(self) -> float:
        if self.max_total_seconds > 0:
            return float(self.max_total_seconds)
        return max(1800.0, 3.0 * float(self.timeout or 0))

    # Per-cell output accounting -----------------------------------------------------------------
    def preprocess_cell(self, cell, resources, index):
        self._sae_cell = index
        if cell.cell_type == "code" and cell.source.strip() and self._out_of_time():
            cell.outputs = [error_output(NOTEBOOK_TIMEOUT, "not run: this notebook used up its total time limit "
                                                      "(restarts included)")]
            return cell, resources
        return super().preprocess_cell(cell, resources, index)

    def _note(self, outs, display_id, cell_index, text, name="stdout"):
        self.truncated_cells.add(cell_index)
        outs.append(new_output("stream", name=name, text=text))

    def output(self, outs, msg, display_id, cell_index):
        """Keep what decides a grade, cap the rest per cell and per notebook."""
        self._sae_msgs = getattr(self, "_sae_msgs", 0) + 1
        kind = msg.get("msg_type")
        content = msg.get("content", {})
        if kind == "error":
            return super().output(outs, _shrunk_error(msg), display_id, cell_index)
        data = content.get("data") or {}
        if kind == "display_data" and INTEGRITY_MIME in data and _size(msg) <= MAX_REPORT_CHARS:
            return super().output(outs, msg, display_id, cell_index)
        if kind == "execute_result":  # nbgrader reads a number here as partial credit: keep it
            return super().output(outs, _shrunk_data(msg, self.max_output_chars), display_id, cell_index)
        if kind not in ("stream", "display_data"):
            return super().output(outs, msg, display_id, cell_index)
        name = content.get("name", "stdout") if kind == "stream" else None
        key = (cell_index, name or "display")
        cap = self.max_output_chars if kind == "stream" else self.max_display_chars
        used, size = self._sae_chars.get(key, 0), _size(msg)
        if used > cap:  # this cell's budget is spent (and the cell already says so)
            return None
        cell_left = cap - used
        # stderr counts per cell only: its first output must reach nbgrader, whatever came before
        nb_left = self.max_notebook_output_chars - self._sae_total if name != "stderr" else cell_left
        if size <= min(cell_left, nb_left):
            self._sae_chars[key] = used + size
            if name != "stderr":
                self._sae_total += size
            return super().output(outs, msg, display_id, cell_index)
        keep = max(0, min(cell_left, nb_left))
        self._sae_chars[key] = cap + 1
        if kind == "stream" and keep > 0:
            super().output(outs, _with_content(msg, text=content.get("text", "")[:keep]), display_id, cell_index)
            if name != "stderr":
                self._sae_total += keep
        if cell_left <= nb_left:
            # (a note on stderr, where the cell already scores 0: stdout may still be written to)
            self._note(outs, display_id, cell_index, TRUNCATED.format(cap=cap), name=name or "stdout")
        else:
            self._sae_total = self.max_notebook_output_chars
            self._note(outs, display_id, cell_index, NOTEBOOK_TRUNCATED.format(cap=self.max_notebook_output_chars))
        return None

    # Running the notebook, with restarts ---------------------------------------------------------------
    def preprocess(self, nb, resources=None, km=None):
        self._sae_tmpdirs: list[str] = []
        self._sae_msgs = 0
        self._sae_started = time.monotonic()
        self._sae_hung: set[int] = set()
        self._snapshot_workdir(resources)
        try:
            return self._run_with_restarts(nb, resources, km)
        finally:
            for d in self._sae_tmpdirs:
                shutil.rmtree(d, ignore_errors=True)

    def _get_timeout(self, cell):
        """A cell's time limit, never past the notebook's total budget (restarts included)."""
        t = super()._get_timeout(cell)
        left = max(1, int(self._sae_started + self._total_budget() - time.monotonic()) + 1)
        return left if t is None else min(t, left)

    def _out_of_time(self) -> bool:
        return time.monotonic() >= self._sae_started + self._total_budget() - 1

    def _run_with_restarts(self, nb, resources, km):
        skipped: dict[int, tuple[str, str]] = {}
        originals: dict[int, str] = {}
        aborted_at = None
        finished = False
        for attempt in range(self.max_restarts + 1):
            if attempt:
                self._restore_workdir(resources)
            self.truncated_cells = set()
            for i, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    cell.outputs = []
                    cell.execution_count = None
            for i, (_kind, why) in skipped.items():
                originals.setdefault(i, nb.cells[i].source)
                nb.cells[i].source = f"raise RuntimeError({why!r})"
            self._sae_cell = None
            self.death_detail = None
            self._sae_chars = {}
            self._sae_total = 0
            try:
                nb, resources = super().preprocess(nb, resources, km)
                finished = True
                break
            except (DeadKernelError, CellTimeoutError, UnresponsiveKernelError) as e:
                i = self._sae_cell
                if i is None or i in skipped:
                    raise
                if isinstance(e, DeadKernelError):
                    detail = self.death_detail
                    kind, why = "kernel_died", ("the Python kernel died while running this cell "
                                                + (f"({detail}; " if detail else "(")
                                                + "it crashed, called os._exit, or hit the memory or process "
                                                "limit); it was skipped")
                else:
                    kind, why = "kernel_hung", (f"this cell ran past the {self.timeout} s limit and could not be "
                                                "interrupted; the kernel was restarted and the cell skipped")
                skipped[i] = (kind, why)
                aborted_at = i
                self.log.warning("cell %d: %s (attempt %d)", i, kind, attempt + 1)
                if self._out_of_time():
                    break  # no time left for another run of the notebook
        if not finished:
            # Out of restarts or out of time: the cells after the last crash never ran.
            late = self._out_of_time()
            why = ("not run: this notebook used up its total time limit (restarts included)" if late
                   else "not run: the kernel died too many times in earlier cells")
            for cell in nb.cells[aborted_at + 1:]:
                if cell.cell_type == "code":
                    cell.outputs = [error_output(CELL_NOT_RUN if late else NOT_RUN, why)]
        for i, (kind, why) in skipped.items():
            nb.cells[i].source = originals.get(i, nb.cells[i].source)
            nb.cells[i].outputs = [error_output(KERNEL_DIED if kind == "kernel_died" else KERNEL_HUNG, why)]
        return nb, resources
