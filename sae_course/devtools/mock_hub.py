"""A mock Hugging Face hub cache, so the ``hub`` mode can be tested offline through the real code.

Test tooling (the tests and a developer use it), not part of the zoo's runtime.

:func:`build_mock_hub` writes, into a folder, what ``huggingface_hub`` would have cached after
downloading (``models--<owner>--<name>/refs/main`` + ``snapshots/<commit>/...``):

* ``models--gpt2``: a tiny *GPT-2-architecture* model (12 layers and 12 heads like GPT-2 small, but
  d_model=48) with ``config.json`` (including ``n_ctx``), ``model.safetensors`` and a byte-level BPE
  tokenizer (``tokenizer.json``, ``vocab.json``, ``merges.txt``, ``tokenizer_config.json``) trained on
  the zoo corpus so that every corpus word with a leading space is one token, as in GPT-2.
* small random SAEs at the *real* repos and paths :data:`sae_course.zoo.loader.HUB` points at, in the
  formats their loaders read: ``gpt2-small-res-jb`` (SAELens ``cfg.json`` + ``sae_weights.safetensors``),
  ``gpt2-small-hook-z-kk`` (Connor & Rob's ``.pt`` + ``_cfg.json``), and the transcoders
  (SAELens format, architecture ``transcoder``).

Then, with ``HF_HUB_CACHE=<folder>`` and ``HF_HUB_OFFLINE=1`` in the environment *before* Python starts
(see :func:`mock_hub_env`), ``load_model(mode="hub")`` runs ``HookedSAETransformer.from_pretrained("gpt2")``
and ``load_sae(..., mode="hub")`` runs ``SAE.from_pretrained(...)`` unchanged. Built in a few seconds,
a few MB; never committed (build it into a temporary folder).

CLI: ``python -m sae_course.devtools.mock_hub DIR`` builds it and prints the environment to use.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import torch

from ..zoo import corpus
from ..zoo.loader import HUB, SITE_HOOKS

MOCK_DIMS = {"n_layer": 12, "n_head": 12, "n_embd": 48, "n_positions": 128}
MOCK_D_SAE = 32


def _commit(repo_id: str) -> str:
    return hashlib.sha1(f"sae-course-mock:{repo_id}".encode()).hexdigest()


def _snapshot(cache: Path, repo_id: str) -> Path:
    """Create ``models--owner--name/refs/main`` and return the snapshot folder to fill."""
    folder = cache / ("models--" + repo_id.replace("/", "--"))
    commit = _commit(repo_id)
    (folder / "refs").mkdir(parents=True, exist_ok=True)
    (folder / "refs" / "main").write_text(commit)
    snap = folder / "snapshots" / commit
    snap.mkdir(parents=True, exist_ok=True)
    (folder / "blobs").mkdir(exist_ok=True)
    return snap


def _build_bpe_tokenizer(out_dir: Path) -> int:
    """Byte-level BPE (GPT-2 style) trained on corpus text; returns the vocab size."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2TokenizerFast

    texts = corpus.corpus_texts(3000, split="train", seed=7)
    # every word, with a leading space, many times, so each becomes one token
    words = corpus.repeatable_words()
    texts += [" ".join(words)] * 50
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(texts, vocab_size=900, min_frequency=1, special_tokens=[], show_progress=False)
    bpe.add_special_tokens(["<|endoftext|>"])
    raw = out_dir / "_raw"
    raw.mkdir(exist_ok=True)
    bpe.save_model(str(raw))  # vocab.json + merges.txt
    tok = GPT2TokenizerFast.from_pretrained(str(raw), bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                                            unk_token="<|endoftext|>", model_max_length=MOCK_DIMS["n_positions"])
    tok.save_pretrained(str(out_dir))
    for p in raw.iterdir():
        p.unlink()
    raw.rmdir()
    bad = [w for w in words if len(tok(" " + w, add_special_tokens=False)["input_ids"]) != 1]
    if bad:
        raise RuntimeError(f"mock tokenizer: not single tokens: {bad[:10]}")
    return len(tok)


def _build_gpt2(cache: Path, seed: int = 0) -> dict:
    from transformers import GPT2Config, GPT2LMHeadModel

    snap = _snapshot(cache, HUB["model"])
    vocab_size = _build_bpe_tokenizer(snap)
    torch.manual_seed(seed)
    cfg = GPT2Config(vocab_size=vocab_size, n_ctx=MOCK_DIMS["n_positions"], bos_token_id=vocab_size - 1,
                     eos_token_id=vocab_size - 1, **MOCK_DIMS)
    model = GPT2LMHeadModel(cfg)
    model.save_pretrained(str(snap), safe_serialization=True)
    # GPT-2's real config.json has n_ctx; TransformerLens reads it.
    with open(snap / "config.json") as f:
        c = json.load(f)
    c["n_ctx"] = MOCK_DIMS["n_positions"]
    c["architectures"] = ["GPT2LMHeadModel"]
    with open(snap / "config.json", "w") as f:
        json.dump(c, f, indent=2)
    d_head = MOCK_DIMS["n_embd"] // MOCK_DIMS["n_head"]
    return {"d_model": MOCK_DIMS["n_embd"], "n_heads": MOCK_DIMS["n_head"], "d_head": d_head,
            "n_layers": MOCK_DIMS["n_layer"], "vocab_size": vocab_size}


def _saelens_sae(hook: str, d_in: int, reshape_hook_z: bool = False, d_sae: int = MOCK_D_SAE):
    from sae_lens import StandardSAE, StandardSAEConfig
    from sae_lens.saes.sae import SAEMetadata

    cfg = StandardSAEConfig(d_in=d_in, d_sae=d_sae,
                            reshape_activations="hook_z" if reshape_hook_z else "none",
                            metadata=SAEMetadata(hook_name=hook, model_name="gpt2-small", prepend_bos=True,
                                                 context_size=128))
    return StandardSAE(cfg)


def _build_saes(cache: Path, dims: dict, layers: list[int] | None = None) -> None:
    from sae_lens import Transcoder, TranscoderConfig
    from sae_lens.loading.pretrained_saes_directory import get_pretrained_saes_directory
    from sae_lens.saes.sae import SAEMetadata

    directory = get_pretrained_saes_directory()
    n_layers = dims["n_layers"]
    d_model = dims["d_model"]
    d_z = dims["n_heads"] * dims["d_head"]

    def layers_for(site):
        ls = [la for la in HUB["saes"][site]["layers"] if la < n_layers]
        return [la for la in ls if layers is None or la in layers]

    def folder_for(site, layer):
        release = HUB["saes"][site]["release"]
        sae_id = HUB["saes"][site]["sae_id"].format(layer=layer)
        if release in directory:
            return directory[release].repo_id, directory[release].saes_map[sae_id]
        return release, sae_id

    # residual stream: SAELens format
    for layer in layers_for("resid_pre"):
        repo, path = folder_for("resid_pre", layer)
        torch.manual_seed(1000 + layer)
        sae = _saelens_sae(SITE_HOOKS["resid_pre"][0].format(layer=layer), d_model)
        sae.save_model(str(_snapshot(cache, repo) / path))

    # the width family (feature-splitting release, SAELens format): its four narrowest widths (what section 04 loads
    # in its full profile; three in ci) keep the mock small (d_in is the mock's d_model)
    fam = HUB["width_family"]
    if fam["layer"] < n_layers:
        release = directory[fam["release"]]
        for width in fam["widths"][:4]:
            torch.manual_seed(1500 + width)
            sae = _saelens_sae(SITE_HOOKS["resid_pre"][0].format(layer=fam["layer"]), d_model, d_sae=width)
            sae_id = fam["sae_id"].format(layer=fam["layer"], width=width)
            sae.save_model(str(_snapshot(cache, release.repo_id) / release.saes_map[sae_id]))

    # hook_z: Connor & Rob's format: <name>.pt state dict + <name>_cfg.json
    for layer in layers_for("attn_z"):
        repo, path = folder_for("attn_z", layer)
        torch.manual_seed(2000 + layer)
        sae = _saelens_sae(SITE_HOOKS["attn_z"][0].format(layer=layer), d_z, reshape_hook_z=True)
        snap = _snapshot(cache, repo)
        state = {k: v.detach().clone() for k, v in sae.state_dict().items()}
        torch.save(state, snap / path)
        with open(snap / (path.split(".pt")[0] + "_cfg.json"), "w") as f:
            json.dump({"act_size": d_z, "dict_size": MOCK_D_SAE,
                       "act_name": SITE_HOOKS["attn_z"][0].format(layer=layer), "layer": layer,
                       "site": "z", "model_name": "gpt2-small"}, f)

    # transcoders: SAELens format, architecture "transcoder"
    for layer in layers_for("transcoder"):
        repo, path = folder_for("transcoder", layer)
        torch.manual_seed(3000 + layer)
        hook_in, hook_out = (h.format(layer=layer) for h in SITE_HOOKS["transcoder"])
        tc = Transcoder(TranscoderConfig(
            d_in=d_model, d_sae=MOCK_D_SAE, d_out=d_model, apply_b_dec_to_input=False,
            metadata=SAEMetadata(hook_name=hook_in, hook_name_out=hook_out, model_name="gpt2-small"),
        ))
        tc.save_model(str(_snapshot(cache, repo) / path))


def build_mock_hub(cache_dir: str | Path, layers: list[int] | None = None, seed: int = 0) -> Path:
    """Write the mock hub cache into ``cache_dir`` (created if needed) and return it.

    ``layers``: which layers get SAEs (default: every layer the hub mapping lists, 0-11).
    """
    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    dims = _build_gpt2(cache, seed)
    _build_saes(cache, dims, layers)
    return cache


def mock_hub_env(cache_dir: str | Path, base: dict | None = None) -> dict:
    """Environment for a subprocess that should see the mock as its HF cache, offline, hub mode."""
    env = dict(os.environ if base is None else base)
    env.update({
        "HF_HUB_CACHE": str(cache_dir),
        "HUGGINGFACE_HUB_CACHE": str(cache_dir),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "WANDB_MODE": "disabled",
        "SAE_COURSE_MODE": "hub",
    })
    return env


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print("usage: python -m sae_course.devtools.mock_hub DIR")
        raise SystemExit(2)
    cache = build_mock_hub(argv[0])
    print(f"mock hub cache built in {cache}. Use it with:")
    print(f"  export HF_HUB_CACHE={cache} HF_HUB_OFFLINE=1 SAE_COURSE_MODE=hub")


if __name__ == "__main__":
    main()
