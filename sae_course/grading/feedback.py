"""The course's feedback pipeline, plugged into nbgrader's own ``generate_feedback`` by ``nbgrader_config.py``.

``configure_feedback(c)`` sets, on nbgrader's config object:

- ``GenerateFeedback.preprocessors``: nbgrader's ``GetGrades``, then ``HideHiddenTests`` (no line of a hidden test
  reaches the student; tracebacks cut to their own code) and ``FeedbackSummary`` (score per exercise, where
  points were lost, named-mistake hints, pointer to the grader's notes), ``OfflineOutputs`` (no script from the
  network in outputs, widget views as text), then nbgrader's ``CSSHTMLHeaderPreprocessor``;
- nbgrader's own ``feedback`` HTML template, with one file in front of it (``templates/feedback/mathjax.html.j2``)
  that inlines MathJax from the installed ``jupyter-server-mathjax`` package (``mathjax.py``) instead of loading
  it from a CDN, so a feedback file loads nothing from the network. The template keeps nbgrader's name, so the
  formgrader's "generate feedback" button (which asks for ``feedback`` by name) gets it too.

Because it lives in ``nbgrader_config.py``, every way feedback is made goes through it: ``sae-course feedback``,
``make demo``, stock ``nbgrader generate_feedback``, the formgrader, and feedback released through an exchange
(``release_feedback`` copies the HTML this step wrote). See docs/feedback.md.
"""

from __future__ import annotations

import os
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"


def nbgrader_templates() -> str:
    import nbgrader

    return os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "templates")


def feedback_preprocessors() -> list:
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades

    from .preprocessors.feedback_summary import FeedbackSummary
    from .preprocessors.hide_tests import HideHiddenTests
    from .preprocessors.offline_outputs import OfflineOutputs

    return [GetGrades, HideHiddenTests, FeedbackSummary, OfflineOutputs, CSSHTMLHeaderPreprocessor]


def configure_feedback(c) -> None:
    """Install the feedback pipeline into an nbgrader config object ``c``."""
    c.GenerateFeedback.preprocessors = feedback_preprocessors()
    c.HTMLExporter.extra_template_basedirs = [str(TEMPLATES), nbgrader_templates()]
    c.HTMLExporter.filters = {"sae_offline_mathjax": "sae_course.grading.mathjax.inline_script"}
