"""nbgrader preprocessors that defend autograding against broken and hostile submissions.

One concern per module; ``configure_autograde(c)`` (called from ``nbgrader_config.py``) slots
them into nbgrader's two autograde passes around the stock preprocessors, which all stay:

sanitize pass (submitted/ → autograded/)::

    SubmissionAudit*  ClearOutput  DeduplicateIds  OverwriteKernelspec  OverwriteCells
    RestoreMissingCells*  MarkCellRoles*  CheckCellMetadata

execute pass (autograded/ → autograded/)::

    TamperScan*  IntegrityInject*  GuardedExecute(= Execute+)  IntegrityVerify*  ExecutionNotes*
    IgnorePattern  ClearMetadataPreprocessor  LimitOutput  ApplyVerdicts*  SaveAutoGrades
    GradingReport*  AssignLatePenalties  CheckCellMetadata

(* = ours; ``GuardedExecute`` is a subclass of nbgrader's ``Execute`` and takes its options;
the parallel engine puts its own ``SandboxedExecute`` in its place and runs everything before
``SaveAutoGrades`` in a sandboxed worker without a gradebook, the rest in the gradebook writer:
so everything here passes its findings along in the notebook's metadata.)
Each can be switched off in a config with ``c.<Name>.enabled = False``. The threat model and
what each layer stops: docs/grading_security.md.
"""

from __future__ import annotations

from .cells import MarkCellRoles
from .execute_guard import GuardedExecute
from .execution_notes import ExecutionNotes
from .integrity_check import IntegrityInject, IntegrityVerify
from .missing_cells import RestoreMissingCells
from .report import GradingReport
from .submission_audit import SubmissionAudit
from .tamper_scan import TamperScan
from .verdicts import ApplyVerdicts

__all__ = ["SubmissionAudit", "RestoreMissingCells", "MarkCellRoles", "TamperScan", "IntegrityInject",
           "GuardedExecute", "IntegrityVerify", "ExecutionNotes", "ApplyVerdicts", "GradingReport",
           "configure_autograde",
           "sanitize_preprocessors", "autograde_preprocessors"]


def _stock(name: str) -> list:
    from nbgrader.converters.autograde import Autograde

    return list(Autograde.class_traits()[name].default())


def sanitize_preprocessors() -> list:
    from nbgrader.preprocessors import OverwriteCells

    out = [SubmissionAudit]
    for pp in _stock("sanitize_preprocessors"):
        out.append(pp)
        if pp is OverwriteCells:
            out += [RestoreMissingCells, MarkCellRoles]
    return out


def autograde_preprocessors() -> list:
    from nbgrader.preprocessors import Execute, SaveAutoGrades

    out = []
    for pp in _stock("autograde_preprocessors"):
        if pp is Execute:
            out += [TamperScan, IntegrityInject, GuardedExecute, IntegrityVerify, ExecutionNotes]
        elif pp is SaveAutoGrades:
            out += [ApplyVerdicts, SaveAutoGrades, GradingReport]
        else:
            out.append(pp)
    return out


def configure_autograde(c) -> None:
    """Install the defences into an nbgrader config object ``c`` (stock preprocessors kept)."""
    c.Autograde.sanitize_preprocessors = sanitize_preprocessors()
    c.Autograde.autograde_preprocessors = autograde_preprocessors()
