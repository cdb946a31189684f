"""Section 2b's replacement-model, intervention, prediction and faithfulness answers hold in hub mode.

The mock hub cache (``sae_course.devtools.mock_hub``) gives a GPT-2-architecture model with eight *random* transcoders
whose outputs are hundreds of times larger than the MLP outputs they stand in for: the worst case for a replacement
model that must reproduce the clean logits exactly. A subprocess runs, in hub mode and the ci profile, the setup
cell, the reference solutions of 2b.1, 2b.6, 2b.7 and 2b.8 and their graded (hidden) cells. The full notebook is too
slow for this check (the mock's graph has about 2 000 latent nodes), so the cells between are replaced by the few
lines the graded cells need: the graph's nodes (the given ``build_graph`` cell), random influence scores and two
supernodes of active latents. Every graded cell must pass with the reference solutions, and with the
zoo-only grouping ``transcoder(x) + error`` the replacement model must fail its graded cell here.
"""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow

SECTION = "02b_attribution_graphs"
NOTEBOOK = ROOT / "source" / SECTION / f"{SECTION}.ipynb"
MISTAKE = ROOT / "authoring" / "mistakes" / SECTION / "ex01_replacement" / "error_grouped_inexactly.py"

_DRIVER = r'''
import json, sys, io, contextlib, traceback
cells = json.load(open(sys.argv[1]))
ns = {"__name__": "__main__"}
results = {}
for name, src in cells:
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            exec(compile(src, name, "exec"), ns)
        results[name] = "ok"
    except BaseException as e:  # noqa: BLE001
        results[name] = f"{type(e).__name__}: {str(e)[:300]}"
print("RESULTS " + json.dumps(results))
'''

# What the graded cells of 2b.7 and 2b.8 read, without the adjacency matrix and the pruning of the full notebook.
_GLUE = r'''
LOGIT_IDS = CACHE["logits"][0, -1].topk(3).indices
GRAPH = build_graph(model, transcoders, tokens, CACHE, LOGIT_IDS)
_g = torch.Generator().manual_seed(0)
INFLUENCE = torch.rand(GRAPH.n_nodes, generator=_g, dtype=torch.float64)
_lat = GRAPH.nodes_of("latent").tolist()
_trip = [(int(GRAPH.layer[i]), int(GRAPH.pos[i]), int(GRAPH.feature[i])) for i in _lat]
_last = tokens.shape[0] - 1
SUPERNODES = {"early@END": [t for t in _trip if t[0] == min(transcoders) and t[1] == _last],
              "late@END": [t for t in _trip if t[0] == max(transcoders) and t[1] == _last]}


def logit_diff(logits, io_id, s_id):
    return float(logits[-1, io_id] - logits[-1, s_id])
'''


def _cells(mistake: str | None = None) -> list[tuple[str, str]]:
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells if c.cell_type == "code"}
    graph_cell = next(c.source for c in nb.cells if c.cell_type == "code" and "def build_graph(" in c.source)
    graph_cell = graph_cell.split("\nGRAPH = build_graph(")[0]  # the definitions only
    out = [("setup", by_id["setup"]),
           ("ex01_replacement", mistake or by_id["ex01_replacement"]), ("ex01_replacement_test", by_id["ex01_replacement_test"]),
           ("graph", graph_cell), ("ex06_intervene", by_id["ex06_intervene"]), ("glue", _GLUE),
           ("ex06_intervene_test", by_id["ex06_intervene_test"]),
           ("ex07_predict", by_id["ex07_predict"]), ("ex07_predict_test", by_id["ex07_predict_test"]),
           ("ex08_faithfulness", by_id["ex08_faithfulness"]), ("ex08_faithfulness_test", by_id["ex08_faithfulness_test"])]
    return out


def _run(cells, env, tmp_path) -> dict:
    spec = tmp_path / "cells.json"
    spec.write_text(json.dumps(cells))
    driver = tmp_path / "driver.py"
    driver.write_text(_DRIVER)
    proc = subprocess.run([sys.executable, str(driver), str(spec)], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=900)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULTS ")), None)
    assert line, f"driver failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return json.loads(line[len("RESULTS "):])


@pytest.fixture(scope="module")
def hub_env(tmp_path_factory):
    from sae_course.zoo.loader import HUB
    from sae_course.devtools.mock_hub import build_mock_hub, mock_hub_env

    cache = build_mock_hub(tmp_path_factory.mktemp("hf_cache"), layers=HUB["saes"]["transcoder"]["layers"])
    env = mock_hub_env(cache)
    env["SAE_COURSE_PROFILE"] = "ci"
    return env


def test_graded_cells_pass_in_hub_mode_with_random_transcoders(hub_env, tmp_path):
    results = _run(_cells(), hub_env, tmp_path)
    bad = {k: v for k, v in results.items() if v != "ok"}
    assert not bad, f"cells failed in hub mode: {bad}"


def test_inexact_grouping_fails_in_hub_mode(hub_env, tmp_path):
    cells = _cells(MISTAKE.read_text())[:3]
    results = _run(cells, hub_env, tmp_path)
    assert results["setup"] == "ok" and results["ex01_replacement"] == "ok", results
    assert results["ex01_replacement_test"].startswith("CheckFailed"), results
