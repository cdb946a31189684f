"""Section 1 runs in hub mode: the whole notebook (solutions, ci profile) against the mock hub cache.

The mock (``sae_course.devtools.mock_hub``) lays out a tiny GPT-2-architecture model and random SAEs exactly as the
Hugging Face cache holds ``gpt2``, ``gpt2-small-res-jb`` and ``gpt2-small-hook-z-kk``, so the notebook goes
through the real hub code path (``HookedSAETransformer.from_pretrained("gpt2")``, ``SAE.from_pretrained``)
with ``HF_HUB_OFFLINE=1``. Every cell must run, every graded cell pass without writing to stderr, and the
dashboard must be written as an HTML file that needs no network.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from conftest import ROOT, graded_stderr, notebook_errors

pytestmark = pytest.mark.slow

SECTION = "01_sae_intro"
NOTEBOOK = ROOT / "source" / SECTION / f"{SECTION}.ipynb"
# The layers the notebook loads on a 12-layer model: resid_pre 8 (and 7 for 1.15), attn_z 9 (and 10 for 1.14d).
LAYERS = [7, 8, 9, 10]


@pytest.fixture(scope="module")
def mock_hub(tmp_path_factory):
    from sae_course.devtools.mock_hub import build_mock_hub

    return build_mock_hub(tmp_path_factory.mktemp("hf_cache"), layers=LAYERS)


@pytest.fixture(scope="module")
def executed(mock_hub, tmp_path_factory):
    """The source notebook executed in hub mode; returns (notebook, working directory)."""
    from nbclient import NotebookClient

    from sae_course.devtools.mock_hub import mock_hub_env

    env = mock_hub_env(mock_hub)
    env["SAE_COURSE_PROFILE"] = "ci"
    cwd = tmp_path_factory.mktemp("run")
    env["SAE_COURSE_DASHBOARDS"] = str(cwd / "dashboards")
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(cwd)}})
    client.execute(env=env)  # the kernel is a subprocess: it gets the mock's environment explicitly
    return nb, cwd


def _text(cell) -> str:
    out = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            out.append(o.get("text", ""))
        elif o.get("output_type") == "error":
            out.append(f"{o.get('ename')}: {o.get('evalue')}")
    return "".join(out)


def test_every_cell_runs_and_every_graded_cell_passes_in_hub_mode(executed):
    nb, _ = executed
    errors = notebook_errors(nb)
    assert not errors, "cells failed in hub mode:\n" + "\n".join(errors)


def test_graded_cells_write_nothing_to_stderr_in_hub_mode(executed):
    nb, _ = executed
    noisy = graded_stderr(nb)
    assert not noisy, "graded cells wrote to stderr in hub mode:\n" + "\n".join(noisy)


def test_setup_loads_gpt2_and_the_public_releases(executed):
    nb, _ = executed
    setup = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    out = _text(setup)
    assert "mode=hub" in out, out
    assert "SAE.from_pretrained('gpt2-small-res-jb', 'blocks.8.hook_resid_pre')" in out, out
    assert "SAE.from_pretrained('gpt2-small-hook-z-kk', 'blocks.9.hook_z')" in out, out


def test_dashboard_html_is_offline(executed):
    _, cwd = executed
    pages = sorted((cwd / "dashboards").glob("latent_*.html"))
    assert pages, "the notebook wrote no dashboard"
    html = pages[0].read_text(encoding="utf-8")
    assert "Top activations" in html and "Quantile group" in html
    # plotly.js is inlined, and nothing is fetched from a CDN
    assert "plotly.js" in html or "Plotly" in html
    assert not re.search(r"<script[^>]+src=[\"']https?://", html), "the dashboard loads a script from the network"
