"""The zoo build's SAE stage writes the same files whether it trains the SAEs one after the other on two threads or
two at a time (`make zoo` does the latter: runner SAEs on one thread each, transcoders on two; docs/zoo_v2_status.md
has the full-size check)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import torch

from sae_course.zoo.build import train_saes
from sae_course.zoo.build.__main__ import SEED, _determinism
from sae_course.zoo.loader import WEIGHTS_DIR, load_zoo_model


def _digests(saes: Path) -> dict[str, str]:
    return {str(f.relative_to(saes)): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in sorted(saes.rglob("*.safetensors"))}


def _tiny_specs(n_layers: int) -> list[train_saes.SAESpec]:
    """Two short runs of each kind: a residual SAE, an attention SAE and a transcoder."""
    keep = {"resid_pre_0", "attn_z_1", "transcoder_0"}
    specs = [s for s in train_saes.default_specs(n_layers) if s.name in keep]
    for s in specs:
        s.steps = 24
        s.batch_tokens = 256
        s.d_sae = 64
        s.extra = dict(s.extra, n_seqs=64)
    return specs


def test_two_at_a_time_writes_the_same_files_as_one_after_the_other(tmp_path):
    for name in ("lm", "tokenizer"):
        shutil.copytree(WEIGHTS_DIR / name, tmp_path / "seq" / name)
        shutil.copytree(WEIGHTS_DIR / name, tmp_path / "par" / name)
    threads = torch.get_num_threads()
    try:
        _determinism(2)
        torch.manual_seed(SEED)
        model = load_zoo_model(lm_dir=tmp_path / "seq" / "lm", tokenizer_dir=tmp_path / "seq" / "tokenizer")
        specs = _tiny_specs(model.cfg.n_layers)
        train_saes.train_all(model, tmp_path / "seq" / "saes", specs, seed=SEED, progress=False)
    finally:  # leave the process as the other tests expect it
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(False)
    train_saes.train_all_parallel(tmp_path / "par", _tiny_specs(model.cfg.n_layers), seed=SEED, jobs=2,
                                  threads_per_job=1, transcoder_threads=2, progress=False)
    seq, par = _digests(tmp_path / "seq" / "saes"), _digests(tmp_path / "par" / "saes")
    assert len(seq) >= 3 and set(seq) == set(par), (sorted(seq), sorted(par))
    differ = [f for f in seq if seq[f] != par[f]]
    assert not differ, f"files that differ between the sequential and the parallel SAE stage: {differ}"
