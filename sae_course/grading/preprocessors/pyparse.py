"""``ast.parse`` that is safe in the parallel engine's worker threads.

CPython 3.11 before 3.11.9 keeps the AST converter's recursion counter in shared state, so two threads
parsing at once can fail with ``SystemError: AST constructor recursion depth mismatch`` (CPython
gh-106905). The engine preprocesses several notebooks in threads; every parse of student or course
code in the grader goes through this one lock.
"""

from __future__ import annotations

import ast
import threading

_LOCK = threading.Lock()


def parse(source: str) -> ast.Module:
    """``ast.parse(source)``, one thread at a time (raises ``SyntaxError`` like it)."""
    with _LOCK:
        return ast.parse(source)
