"""Execute pass, after the kernel has run: tell the student what the execution engine did.

The engines (``GuardedExecute`` for the serial path, the parallel engine's ``SandboxedExecute``)
mark what they had to do in the cells' outputs: a ``CellTimeoutError`` after an interrupted
cell, ``KernelDied`` / ``KernelHung`` where the kernel was lost, ``CellNotRun`` / ``NotRun`` /
``NotebookTimeout`` for cells that never ran, a "... output truncated ..." line. A student reading
the feedback might miss these under a long notebook; this step lists them, with the cells, in
the grader's notes (``report.py``). It also notes ``sys.exit()`` and ``MemoryError`` in the
student's cells, which stop a cell without being an ordinary bug.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from . import issues

INJECTED = "sae_injected"
NOTES = {
    "CellTimeoutError": ("timeout", "{cells} ran past the time limit and was interrupted"),
    "KernelDied": ("kernel_died", "the kernel died while running {cells} (a crash, os._exit/exit(), or the memory "
                                  "or process limit); that cell scores 0 if it is graded"),
    "KernelHung": ("kernel_hung", "{cells} ran past the time limit and ignored the interrupt, so the kernel was "
                                  "stopped and the rest of the notebook run on a fresh one without it; that cell "
                                  "scores 0 if it is graded"),
    "NotebookTimeout": ("notebook_timeout", "the notebook ran past its total time limit at {cells}"),
    "CellNotRun": ("not_run", "{cells} did not run because the kernel had died or the notebook ran out of time"),
    "NotRun": ("not_run", "{cells} did not run because the kernel had died too many times"),
    "SystemExit": ("system_exit", "{cells} called sys.exit() / exit(): the rest of that cell did not run"),
    "MemoryError": ("memory", "{cells} ran out of memory (MemoryError)"),
}


def _names(labels: list[str], limit: int = 6) -> str:
    labels = list(dict.fromkeys(labels))
    more = f" and {len(labels) - limit} more" if len(labels) > limit else ""
    return ", ".join(labels[:limit]) + more


class ExecutionNotes(NbGraderPreprocessor):
    """Records timeouts, kernel deaths, skipped cells, exits and truncated output for the student."""

    def preprocess(self, nb, resources):
        found: dict[str, list[str]] = {}
        truncated: list[str] = []
        for cell in nb.cells:
            if cell.cell_type != "code" or cell.metadata.get(INJECTED):
                continue
            label = issues.cell_label(cell)
            for out in cell.get("outputs", []):
                kind = out.get("output_type")
                if kind == "error" and out.get("ename") in NOTES:
                    found.setdefault(out["ename"], []).append(label)
                elif kind == "stream" and "output truncated" in str(out.get("text", ""))[-400:]:
                    truncated.append(label)
        for ename, labels in found.items():
            kind, text = NOTES[ename]
            issues.add_issue(nb, kind, text.format(cells=_names(labels)), list(dict.fromkeys(labels)))
        if truncated:
            issues.add_issue(nb, "output_truncated",
                             f"{_names(truncated)} printed too much output; the rest of it was dropped",
                             list(dict.fromkeys(truncated)))
        return nb, resources
