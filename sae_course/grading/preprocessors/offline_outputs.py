"""Feedback pass: a feedback file loads nothing from the network and runs without Jupyter.

- ``<script src="http...">`` in HTML outputs and markdown is removed (plotly's notebook renderer asks for
  MathJax 3 from a CDN; the feedback page already carries MathJax, inlined by the course's template, and
  plotly.js is inlined in the notebook's first plot output);
- ipywidgets views (tqdm progress bars) become their text version: nbconvert's classic template renders them
  with a script that needs Jupyter's jQuery, which a feedback page does not have.
"""

from __future__ import annotations

import re

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List

REMOTE_SCRIPT = re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']?\s*(?:https?:)?//[^>]*>\s*</script\s*>", re.I)
WIDGET = "application/vnd.jupyter.widget-view+json"


def strip_remote_scripts(text: str) -> str:
    return REMOTE_SCRIPT.sub("<!-- script from the network removed: this page works offline -->", text)


class OfflineOutputs(NbGraderPreprocessor):
    """Removes network scripts and Jupyter-only widget views from the notebook before it becomes HTML."""

    # nbconvert's HTMLExporter configures this for every NbConvertBase; declared here so traitlets accepts it quietly.
    display_data_priority = List(["text/html", "application/pdf", "text/latex", "image/svg+xml", "image/png",
                                  "image/jpeg", "text/plain"]).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and "<script" in cell.source:
            cell.source = strip_remote_scripts(cell.source)
        for out in cell.get("outputs", []):
            data = out.get("data")
            if not data:
                continue
            if "text/html" in data:
                html = data["text/html"]
                html = "".join(html) if isinstance(html, list) else html
                data["text/html"] = strip_remote_scripts(html)
            if WIDGET in data:
                del data[WIDGET]
                if not data:
                    data["text/plain"] = ""
        return cell, resources
