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
- keeps at most ``max_output_chars`` of printed text and ``max_display_chars`` of figures / HTML
  per cell (the rest is dropped as it arrives, so the grader's memory stays bounded too; error
  outputs always pass) and says so in the cell;

With the parallel engine, its ``SandboxedExecute`` (another ``Execute`` subclass, which the
engine puts in the place of any ``Execute``) plays this part with its own limits; either way
``execution_notes.py`` then tells the student what happened.
"""

from __future__ import annotations

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from nbgrader.preprocessors.execute import UnresponsiveKernelError
from traitlets import Integer


TRUNCATED = "\n... output truncated by the grader (more than {cap:,} characters) ...\n"


def _error(ename: str, evalue: str):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _size(msg) -> int:
    content = msg.get("content", {})
    if msg.get("msg_type") == "stream":
        return len(content.get("text", ""))
    data = content.get("data") or {}
    return sum(len(v) if isinstance(v, str) else len(str(v)) for v in data.values()) + len(str(content.get("traceback", "")))


class GuardedExecute(Execute):
    """nbgrader's Execute, plus crash recovery, output limits and messages for the student."""

    max_restarts = Integer(2, help="fresh kernels to try after a cell kills or hangs the kernel").tag(config=True)
    max_output_chars = Integer(
        200_000, help="printed text kept per cell (characters); the rest is dropped as it arrives").tag(config=True)
    max_display_chars = Integer(
        20_000_000, help="rich output (figures, HTML) kept per cell (characters)").tag(config=True)

    # Per-cell output accounting -----------------------------------------------------------------
    def preprocess_cell(self, cell, resources, index):
        self._sae_cell = index
        return super().preprocess_cell(cell, resources, index)

    def output(self, outs, msg, display_id, cell_index):
        kind = msg.get("msg_type")
        if kind in ("stream", "display_data", "execute_result"):
            # Printed text and rich output (figures) have separate budgets; errors always pass.
            key = (cell_index, kind == "stream")
            used = self._sae_chars.get(key, 0)
            size = _size(msg)
            cap = self.max_output_chars if kind == "stream" else self.max_display_chars
            if used + size > cap:
                if used <= cap:
                    self._sae_truncated.add(cell_index)
                    if kind == "stream" and cap - used > 0:
                        msg = {**msg, "content": {**msg["content"], "text": msg["content"]["text"][: cap - used]}}
                        super().output(outs, msg, display_id, cell_index)
                    outs.append(new_output("stream", name="stdout", text=TRUNCATED.format(cap=cap)))
                self._sae_chars[key] = cap + 1
                return None
            self._sae_chars[key] = used + size
        return super().output(outs, msg, display_id, cell_index)

    # Running the notebook, with restarts ---------------------------------------------------------------
    def preprocess(self, nb, resources=None, km=None):
        skipped: dict[int, tuple[str, str]] = {}
        originals: dict[int, str] = {}
        aborted_at = None
        for attempt in range(self.max_restarts + 1):
            self._sae_truncated = set()
            for i, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    cell.outputs = []
                    cell.execution_count = None
            for i, (_kind, why) in skipped.items():
                originals.setdefault(i, nb.cells[i].source)
                nb.cells[i].source = f"raise RuntimeError({why!r})"
            self._sae_cell = None
            self._sae_chars = {}
            try:
                nb, resources = super().preprocess(nb, resources, km)
                break
            except (DeadKernelError, CellTimeoutError, UnresponsiveKernelError) as e:
                i = self._sae_cell
                if i is None or i in skipped:
                    raise
                if isinstance(e, DeadKernelError):
                    kind, why = "kernel_died", ("the Python kernel died while running this cell (it crashed, called "
                                                "os._exit, or hit the memory or process limit); it was skipped")
                else:
                    kind, why = "kernel_hung", (f"this cell ran past the {self.timeout} s limit and could not be "
                                                "interrupted; the kernel was restarted and the cell skipped")
                skipped[i] = (kind, why)
                aborted_at = i
                self.log.warning("cell %d: %s (attempt %d)", i, kind, attempt + 1)
        else:
            # Out of restarts: the cells after the last crash never ran.
            for cell in nb.cells[aborted_at + 1:]:
                if cell.cell_type == "code":
                    cell.outputs = [_error("NotRun", "not run: the kernel died too many times in earlier cells")]
        for i, (kind, why) in skipped.items():
            nb.cells[i].source = originals.get(i, nb.cells[i].source)
            nb.cells[i].outputs = [_error("KernelDied" if kind == "kernel_died" else "KernelHung", why)]
        return nb, resources
