"""The offline model zoo: loading (networking off), round trips, GPT-2 hook names, the committed zoo's
quality figures, and the hub path through the real ``from_pretrained`` code on a mock HF cache."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from sae_course.zoo import corpus, loader  # noqa: E402
from sae_course.zoo.build import evaluate  # noqa: E402
from sae_course.zoo import (  # noqa: E402
    SITES,
    describe,
    induction_tokens,
    ioi_prompts,
    load_model,
    load_sae,
    resolve_mode,
    zoo_tokens,
)

REPO = Path(__file__).resolve().parents[1]
WEIGHTS = loader.WEIGHTS_DIR
FIGURES = json.loads((WEIGHTS / "figures.json").read_text()) if (WEIGHTS / "figures.json").exists() else None

warnings.filterwarnings("ignore", category=DeprecationWarning)


@pytest.fixture
def no_network(monkeypatch):
    """Networking off: any socket connect raises, and the hub probe cache is cleared."""

    def refuse(*args, **kwargs):
        raise OSError("network disabled by test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(loader, "_probe_cache", {})
    monkeypatch.delenv("SAE_COURSE_MODE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)


@pytest.fixture(scope="module")
def zoo_model():
    torch.set_num_threads(2)
    return load_model(mode="zoo")


@pytest.fixture(scope="module")
def zoo_saes():
    return {(site, layer): load_sae(site, layer, mode="zoo")
            for site in SITES for layer in describe("zoo")["saes"][site]["layers"]}


# ------------------------------------------------------------------------------------------ corpus
def test_corpus_is_deterministic_and_splits_differ():
    a = corpus.corpus_texts(50, "train", seed=0)
    assert a == corpus.corpus_texts(50, "train", seed=0)
    assert a != corpus.corpus_texts(50, "val", seed=0)
    assert a != corpus.corpus_texts(50, "train", seed=1)
    kinds = {k for k, _ in zip(range(300), corpus.documents("train", 0))}
    assert kinds  # iterates
    vocab = corpus.vocabulary()
    assert vocab[:3] == corpus.SPECIAL_TOKENS and len(vocab) == len(set(vocab)) < 400
    for cat in ("name", "place", "object", "number", "verb", "punctuation"):
        assert any(corpus.word_category(w) == cat for w in vocab), cat


def test_corpus_v2_structures_are_what_the_card_says():
    import random

    rng = random.Random("test-cycles")
    for _ in range(200):
        unit = rng.choice(["day", "month"])
        cyc = corpus.DAYS if unit == "day" else corpus.MONTHS
        i, k = rng.randrange(len(cyc)), rng.randint(2, min(len(cyc) - 1, 10))
        words = corpus.cycle_sentence(rng, unit=unit, template_index=2, start=i, k=k)
        assert words[-2] == cyc[(i + k) % len(cyc)] and corpus.NUMBERS[k - 1] in words  # wraps around
        words = corpus.cycle_sentence(rng, unit=unit, template_index=1, start=i)
        assert words[-2] == cyc[(i - 1) % len(cyc)]
    for kind, members in corpus.KINDS.items():
        words = corpus.kind_sentence(rng, kind=kind, word=members[0], template_index=0)
        assert words == [members[0], "is", "a", "kind", "of", kind, "."]
    # fruit words are Zipf-like: the first is far more frequent than the last
    counts = {f: 0 for f in corpus.FRUITS}
    for _ in range(5000):
        counts[corpus.fruit(rng)] += 1
    assert counts[corpus.FRUITS[0]] > 5 * counts[corpus.FRUITS[-1]] > 0
    # bigram documents: every repeated pair comes back after a different word each time
    for _ in range(100):
        words = corpus.bigram_doc(rng)
        pairs: dict = {}
        for j in range(1, len(words) - 1):
            pairs.setdefault((words[j], words[j + 1]), []).append(words[j - 1])
        repeated = {p: prev for p, prev in pairs.items() if len(prev) > 1}
        assert repeated
        planted = [prev for prev in repeated.values() if len(set(prev)) == len(prev)]
        assert len(planted) >= 2  # the planted pairs (random coincidences may repeat a prefix)
    kinds = {kind for _, (kind, _) in zip(range(2000), corpus.documents("train", 0))}
    assert kinds == set(corpus.MIX)
    vocab = corpus.vocabulary()
    for w in corpus.DAYS + corpus.MONTHS + corpus.FRUITS + list(corpus.KINDS):
        assert w in vocab


def test_circle_geometry_tells_a_circle_in_order_from_other_shapes():
    from sae_course.zoo.build.structures import circle_geometry

    g = torch.Generator().manual_seed(0)
    n, d = 7, 32
    plane = torch.linalg.qr(torch.randn(d, 2, generator=g))[0]
    theta = torch.arange(n) * 2 * torch.pi / n
    ring = torch.stack([theta.cos(), theta.sin()], 1) @ plane.T + 0.05 * torch.randn(n, d, generator=g)
    c = circle_geometry(ring)
    assert c["circle_fourier_frac"] > 0.9 and c["circle_fourier_order"] and c["circle_order"]
    assert abs(c["circle_chance"] - 2 / 6) < 1e-9
    # the same points visited in a scrambled order: still a circle (PCA sees it), but not in cyclic order
    perm = torch.tensor([0, 3, 6, 2, 5, 1, 4])  # steps of 3: the second Fourier mode, not the first
    c = circle_geometry(ring[perm])
    assert c["circle_var2"] > 0.9 and not c["circle_order"] and c["circle_fourier_frac"] < 0.2
    # no structure: the Fourier plane holds about chance
    c = circle_geometry(torch.randn(n, d, generator=g))
    assert c["circle_fourier_frac"] < 0.7 and c["circle_var2"] > c["circle_fourier_frac"] - 1e-6


# ------------------------------------------------------------------------------------------ loading
def test_resolve_mode_rules(monkeypatch, no_network):
    assert resolve_mode("zoo") == "zoo" and os.environ["HF_HUB_OFFLINE"] == "1"
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setenv("SAE_COURSE_MODE", "zoo")
    assert resolve_mode() == "zoo"
    monkeypatch.setenv("SAE_COURSE_MODE", "nonsense")
    with pytest.raises(ValueError):
        resolve_mode()
    monkeypatch.delenv("SAE_COURSE_MODE")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    t0 = time.time()
    assert resolve_mode() == "zoo"  # hub unreachable -> zoo
    assert time.time() - t0 < 3
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert resolve_mode("hub") == "hub"  # explicit hub is honoured (then the HF cache is used)


def test_probe_never_hangs(monkeypatch):
    # a non-routable address: the probe must give up within its timeout
    monkeypatch.setattr(loader, "_probe_cache", {})
    monkeypatch.setenv("HF_ENDPOINT", "https://10.255.255.1")
    t0 = time.time()
    assert loader.hub_reachable(timeout=0.5) is False
    assert time.time() - t0 < 2


def test_load_zoo_with_network_off_is_fast(no_network, capsys):
    import sae_lens  # noqa: F401  (import time is reported separately, not counted)

    t0 = time.time()
    model = load_model()  # no mode, no env var, no network -> zoo
    elapsed = time.time() - t0
    out = capsys.readouterr().out
    assert "mode=zoo" in out and "model=zoo-lm" in out
    assert elapsed < 5, f"loading the zoo took {elapsed:.1f}s"
    from sae_lens import HookedSAETransformer

    assert isinstance(model, HookedSAETransformer)
    toks = model.to_tokens("When Mary and John went to the store, John gave a drink to")
    assert toks[0, 0].item() == model.tokenizer.bos_token_id
    strs = model.to_str_tokens("When Mary and John went to the store, John gave a drink to")
    assert strs[:4] == ["<|bos|>", "When", "Mary", "and"] and strs[-1] == "to"
    assert model.to_string(toks[0, 1:]) == "When Mary and John went to the store, John gave a drink to"
    assert model.to_single_token(" Mary") == model.to_single_token("Mary")
    for site in SITES:
        layer = describe("zoo")["saes"][site]["layers"][0]
        sae = load_sae(site, layer)
        assert type(sae).__name__ in ("StandardSAE", "TopKSAE", "JumpReLUSAE", "Transcoder")


def test_describe_zoo():
    d = describe("zoo")
    cfg = loader.zoo_config()
    assert d["mode"] == "zoo" and d["n_layers"] == cfg["n_layers"] and d["d_model"] == cfg["d_model"]
    assert d["saes"]["resid_pre"]["layers"] == list(range(cfg["n_layers"]))
    for site in ("attn_z", "transcoder"):
        assert {0, 1} <= set(d["saes"][site]["layers"])
    fam = d["width_family"]
    assert len(fam["widths"]) >= 4 and fam["widths"] == sorted(fam["widths"])
    for width in fam["widths"]:
        sae = load_sae(fam["site"], fam["layer"], mode="zoo", width=width)
        assert sae.cfg.d_sae == width and sae.cfg.metadata.hook_name == f"blocks.{fam['layer']}.hook_resid_pre"
    assert load_sae(fam["site"], fam["layer"], mode="zoo").cfg.d_sae in fam["widths"]
    with pytest.raises(ValueError):
        load_sae(fam["site"], fam["layer"], mode="zoo", width=fam["widths"][-1] * 2 + 1)
    assert loader.hub_sae_ref("resid_pre", 8, 768) == ("gpt2-small-res-jb-feature-splitting",
                                                       "blocks.8.hook_resid_pre_768")
    with pytest.raises(ValueError):
        loader.hub_sae_ref("resid_pre", 1, 768)
    with pytest.raises(ValueError):
        load_sae("resid_pre", 99, mode="zoo")
    with pytest.raises(ValueError):
        load_sae("nonsense", 0, mode="zoo")


def test_sae_hooks_and_attach(zoo_model, zoo_saes):
    model = zoo_model
    toks = zoo_tokens(2, 32, split="test")
    for (site, layer), sae in zoo_saes.items():
        hook, hook_out = (h.format(layer=layer) if h else None for h in loader.SITE_HOOKS[site])
        assert sae.cfg.metadata.hook_name == hook
        assert hook in model.hook_dict
        if site == "attn_z":
            assert sae.cfg.reshape_activations == "hook_z"
            assert sae.cfg.d_in == model.cfg.n_heads * model.cfg.d_head
        if site == "transcoder":
            assert type(sae).__name__ == "Transcoder"
            assert sae.cfg.metadata.hook_name_out == hook_out
        _, cache = model.run_with_cache_with_saes(toks, saes=[sae])
        key = f"{hook}.hook_sae_acts_post" if site != "transcoder" else None
        if key:
            assert cache[key].shape[-1] == sae.cfg.d_sae
        assert not model.acts_to_saes  # detached again
        with_err = model.run_with_saes(toks, saes=[sae], use_error_term=True)
        assert torch.allclose(with_err, model(toks), atol=1e-4)


# ------------------------------------------------------------------------------------------ round trips
def test_lm_save_load_round_trip(zoo_model, tmp_path):
    from safetensors.torch import save_file

    model = zoo_model
    (tmp_path / "lm").mkdir()
    state = {k: v.contiguous() for k, v in model.state_dict().items() if not k.endswith(("attn.mask", "attn.IGNORE"))}
    save_file(state, str(tmp_path / "lm" / "model.safetensors"))
    (tmp_path / "lm" / "config.json").write_text(json.dumps(loader.zoo_config()))
    again = loader.load_zoo_model(lm_dir=tmp_path / "lm", tokenizer_dir=loader.ZOO_TOKENIZER_DIR)
    toks = zoo_tokens(2, 64, split="test")
    assert torch.equal(model(toks), again(toks))


def test_sae_save_load_round_trip(zoo_saes, tmp_path):
    from sae_lens import SAE

    for (site, layer), sae in zoo_saes.items():
        d = tmp_path / f"{site}_{layer}"
        sae.save_model(str(d))
        again = SAE.load_from_disk(d)
        assert type(again) is type(sae)
        assert again.cfg.to_dict() == sae.cfg.to_dict()
        for k, v in sae.state_dict().items():
            assert torch.equal(v, again.state_dict()[k]), k


def test_tokenizer_round_trip(zoo_model):
    tok = zoo_model.tokenizer
    index = {w: i for i, w in enumerate(corpus.vocabulary())}
    for text in corpus.corpus_texts(40, "test"):
        ids = tok(text, add_special_tokens=False)["input_ids"]
        assert corpus.UNK not in tok.convert_ids_to_tokens(ids)
        assert tok.decode(ids) == text
    assert len(tok) == len(index) == zoo_model.cfg.d_vocab


# ------------------------------------------------------------------------------------------ GPT-2 hook names
def _gpt2_like_model(n_layers):
    """GPT-2's architecture as TransformerLens builds it from the HF config (processed like from_pretrained)."""
    from sae_lens import HookedSAETransformer
    from transformer_lens import HookedTransformerConfig
    from transformer_lens.loading_from_pretrained import convert_hf_model_config  # noqa: F401

    from transformers import GPT2Config

    hf = GPT2Config(n_layer=n_layers, n_head=4, n_embd=32, n_positions=64, vocab_size=50)
    cfg = HookedTransformerConfig(
        n_layers=hf.n_layer, d_model=hf.n_embd, d_head=hf.n_embd // hf.n_head, n_heads=hf.n_head,
        d_mlp=4 * hf.n_embd, d_vocab=hf.vocab_size, n_ctx=hf.n_positions, act_fn=hf.activation_function,
        normalization_type="LNPre", positional_embedding_type="standard", original_architecture="GPT2LMHeadModel",
    )
    return HookedSAETransformer(cfg)


def test_hook_names_match_gpt2(zoo_model):
    gpt2 = _gpt2_like_model(zoo_model.cfg.n_layers)
    assert set(gpt2.hook_dict) <= set(zoo_model.hook_dict), "every GPT-2 hook exists in the zoo model"
    # shortformer positions add one hook per block (the input that gets the positions); nothing else
    extra = set(zoo_model.hook_dict) - set(gpt2.hook_dict)
    assert extra == {f"blocks.{l}.attn.hook_attn_input" for l in range(zoo_model.cfg.n_layers)}, extra
    for name in ("hook_embed", "hook_pos_embed", "blocks.0.hook_resid_pre", "blocks.0.attn.hook_z",
                 "blocks.0.attn.hook_pattern", "blocks.0.ln2.hook_normalized", "blocks.0.mlp.hook_post",
                 "blocks.0.hook_mlp_out", "blocks.1.hook_resid_post", "ln_final.hook_normalized"):
        assert name in zoo_model.hook_dict, name


# ------------------------------------------------------------------------------------------ quality
@pytest.mark.skipif(FIGURES is None, reason="no figures.json: run `make zoo`")
def test_committed_zoo_meets_the_figures(zoo_model, zoo_saes):
    """Re-measure on a small held-out ("test") set and compare with the card's thresholds."""
    model = zoo_model
    lm_toks = zoo_tokens(24, 128, split="test", seed=0)
    train = zoo_tokens(512, 128, split="train", seed=0)
    loss = evaluate.lm_loss(model, lm_toks)
    uni = evaluate.unigram_loss(train, lm_toks, model.cfg.d_vocab)
    assert loss < 0.75 * uni, (loss, uni)
    assert abs(loss - FIGURES["lm"]["lm_loss"]) < 0.15
    ioi = evaluate.ioi_metrics(model, n=120, split="test")
    assert ioi["ioi_frac_positive"] >= evaluate.THRESHOLDS["ioi_frac_positive"], ioi
    ind = evaluate.induction_metrics(model, n=40, split="test")
    assert ind["induction_acc"] >= min(0.8, FIGURES["lm"]["induction_acc"] - 0.1), ind
    assert ind["first_copy_acc"] < 0.3
    saes = {f"{s}_{la}": sae for (s, la), sae in zoo_saes.items()}
    res = evaluate.evaluate_saes(model, saes, zoo_tokens(12, 128, split="test", seed=1),
                                 zoo_tokens(48, 128, split="test", seed=2))
    for name, r in res.items():
        assert r["explained_variance"] >= evaluate.THRESHOLDS["explained_variance"], (name, r)
        assert r["ce_recovered"] >= evaluate.THRESHOLDS["ce_recovered"] - 0.02, (name, r)
        assert FIGURES["saes"][name]["dead_frac"] <= evaluate.THRESHOLDS["dead_frac"], name
        assert abs(r["l0"] - FIGURES["saes"][name]["l0"]) < 0.3 * FIGURES["saes"][name]["l0"] + 1, (name, r)
    assert not evaluate.check_figures(FIGURES)


def test_zoo_is_small():
    assert evaluate.dir_size_mb(WEIGHTS) < 50


# ------------------------------------------------------------------------------------------ hub (mock)
HUB_SCRIPT = textwrap.dedent("""
    import json, socket, warnings
    warnings.filterwarnings("ignore")
    def refuse(*a, **k):
        raise OSError("network disabled")
    socket.socket.connect = refuse
    socket.create_connection = refuse
    from sae_course.zoo import load_model, load_sae, describe, ioi_prompts, induction_tokens, zoo_tokens, SITES
    from sae_course.zoo import resolve_mode
    out = {"mode": resolve_mode()}
    model = load_model()
    out["cfg"] = [model.cfg.n_layers, model.cfg.d_model, model.cfg.n_heads]
    out["hooks"] = sorted(model.hook_dict)
    out["describe"] = describe()
    out["saes"] = {}
    p = ioi_prompts(2)[0]
    toks = model.to_tokens(p["prompt"])
    out["io_single"] = model.to_single_token(p["io_token"])
    for site in SITES:
        sae = load_sae(site, 1)
        model.add_sae(sae)
        _, cache = model.run_with_cache(toks)
        model.reset_saes()
        out["saes"][site] = [type(sae).__name__, sae.cfg.metadata.hook_name,
                             getattr(sae.cfg.metadata, "hook_name_out", None), sae.cfg.d_in]
    fam = describe()["width_family"]
    out["family"] = [fam["layer"], [load_sae("resid_pre", fam["layer"], width=w).cfg.d_sae for w in fam["widths"][:2]]]
    out["induction_shape"] = list(induction_tokens(3, 10, model=model).shape)
    out["zoo_tokens_shape"] = list(zoo_tokens(2, 32, model=model).shape)
    print("RESULT" + json.dumps(out))
""")


@pytest.fixture(scope="module")
def mock_hub(tmp_path_factory):
    from sae_course.devtools.mock_hub import build_mock_hub

    return build_mock_hub(tmp_path_factory.mktemp("hf_cache"), layers=[0, 1])


def test_mock_hub_layout(mock_hub):
    snap_ref = (mock_hub / "models--gpt2" / "refs" / "main").read_text().strip()
    snap = mock_hub / "models--gpt2" / "snapshots" / snap_ref
    for f in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"):
        assert (snap / f).exists(), f
    assert "n_ctx" in json.loads((snap / "config.json").read_text())
    assert evaluate.dir_size_mb(mock_hub) < 10


def test_hub_mode_loads_through_real_from_pretrained(mock_hub, zoo_model):
    from sae_course.devtools.mock_hub import mock_hub_env

    env = mock_hub_env(mock_hub)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", HUB_SCRIPT], env=env, capture_output=True, text=True,
                          timeout=240, cwd=str(REPO))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "mode=hub model=gpt2" in proc.stdout
    res = json.loads(proc.stdout.split("RESULT", 1)[1])
    assert res["mode"] == "hub" and res["cfg"][0] == 12
    assert res["describe"]["mode"] == "hub" and res["describe"]["n_layers"] == 12
    assert res["saes"]["resid_pre"][:2] == ["StandardSAE", "blocks.1.hook_resid_pre"]
    assert res["saes"]["attn_z"][1] == "blocks.1.attn.hook_z"
    assert res["saes"]["transcoder"][:3] == ["Transcoder", "blocks.1.ln2.hook_normalized", "blocks.1.hook_mlp_out"]
    assert res["induction_shape"] == [3, 21] and res["zoo_tokens_shape"] == [2, 32]
    assert res["family"] == [8, [768, 1536]]  # GPT-2's feature-splitting release, through from_pretrained
    # the zoo's hook names are GPT-2's (as from_pretrained builds it), layer for layer
    n = zoo_model.cfg.n_layers
    gpt2_hooks = {h for h in res["hooks"] if not h.startswith("blocks.") or int(h.split(".")[1]) < n}
    assert gpt2_hooks <= set(zoo_model.hook_dict)
    assert {h for h in set(zoo_model.hook_dict) - gpt2_hooks if not h.endswith("attn.hook_attn_input")} == set()


def test_data_helpers_shapes():
    t = zoo_tokens(3, 40, split="val", seed=3)
    assert t.shape == (3, 40) and (t[:, 0] == 0).all()
    assert torch.equal(t, zoo_tokens(3, 40, split="val", seed=3))
    ind = induction_tokens(4, 12)
    assert ind.shape == (4, 25) and torch.equal(ind[:, 1:13], ind[:, 13:])
    ps = ioi_prompts(24, seed=1)
    assert len({p["template"] for p in ps}) == len(corpus.IOI_TEMPLATES)
    assert {p["order"] for p in ps} == {"ABBA", "BABA"}
    for p in ps:
        assert p["io"] != p["s"] and p["prompt"].count(p["s"]) == 2 and p["prompt"].count(p["io"]) == 1
