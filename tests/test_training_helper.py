"""Fast tests of ``sae_course.training``: the config checks explain each known failure mode, and the
offline training / evaluation plumbing works on a tiny random model."""

from __future__ import annotations

import math
import os
import warnings

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sae_lens")

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("WANDB_MODE", "disabled")
warnings.filterwarnings("ignore", category=DeprecationWarning)

from sae_lens import (  # noqa: E402
    HookedSAETransformer,
    LanguageModelSAERunnerConfig,
    StandardTrainingSAEConfig,
    TopKTrainingSAEConfig,
)
from transformer_lens import HookedTransformerConfig  # noqa: E402

from sae_course import training  # noqa: E402

D_MODEL, N_HEADS, D_HEAD, D_MLP, N_CTX, D_VOCAB = 32, 2, 8, 64, 32, 50
CTX = 16


@pytest.fixture(scope="module")
def model():
    cfg = HookedTransformerConfig(n_layers=2, d_model=D_MODEL, n_heads=N_HEADS, d_head=D_HEAD, d_mlp=D_MLP,
                                  n_ctx=N_CTX, d_vocab=D_VOCAB, act_fn="gelu", normalization_type="LN", seed=0)
    torch.manual_seed(0)
    return HookedSAETransformer(cfg)


@pytest.fixture(scope="module")
def tokens():
    g = torch.Generator().manual_seed(0)
    return torch.randint(1, D_VOCAB, (64, CTX), generator=g)


def make_cfg(**over):
    sae_over = over.pop("sae", {})
    arch = sae_over.pop("arch", "standard")
    sae_kw = dict(d_in=D_MODEL, d_sae=4 * D_MODEL, normalize_activations="expected_average_only_in")
    sae_kw.update(sae_over)
    if arch == "topk":
        sae_kw.setdefault("k", 4)
        sae = TopKTrainingSAEConfig(**sae_kw)
    else:
        sae_kw.setdefault("l1_coefficient", 1.0)
        sae = StandardTrainingSAEConfig(**sae_kw)
    kw = dict(sae=sae, hook_name="blocks.1.hook_resid_pre", training_tokens=40 * 128, train_batch_size_tokens=128,
              context_size=CTX, store_batch_size_prompts=8, n_batches_in_buffer=16, lr=1e-3, lr_warm_up_steps=2,
              feature_sampling_window=10, dead_feature_window=10, n_batches_for_norm_estimate=4, device="cpu", seed=0)
    kw.update(over)
    kw.update(training.offline_kwargs())
    return LanguageModelSAERunnerConfig(**kw)


def errors(cfg, model, tokens=None):
    return "\n".join(training.check_config(cfg, model, tokens).errors)


def test_good_config_has_no_errors(model, tokens):
    rep = training.check_config(make_cfg(), model, tokens)
    assert rep.ok, rep.errors
    assert rep.facts["hook_width"] == D_MODEL
    assert rep.facts["total_steps"] == 40


def test_buffer_smaller_than_batch(model, tokens):
    msg = errors(make_cfg(n_batches_in_buffer=4), model, tokens)  # 4 * 16 = 64 < 128
    assert "buffer" in msg and "n_batches_in_buffer * context_size" in msg
    assert "n_batches_in_buffer >= 8" in msg


def test_d_in_mismatch_explains_hook_z(model, tokens):
    msg = errors(make_cfg(hook_name="blocks.0.attn.hook_z"), model, tokens)
    assert f"are {N_HEADS * D_HEAD} wide" in msg and "n_heads * d_head" in msg


def test_d_in_mismatch_explains_mlp(model, tokens):
    msg = errors(make_cfg(hook_name="blocks.0.mlp.hook_post"), model, tokens)
    assert f"are {D_MLP} wide" in msg and "d_mlp" in msg


def test_hook_z_with_the_right_width_is_fine(model, tokens):
    cfg = make_cfg(hook_name="blocks.0.attn.hook_z", sae={"d_in": N_HEADS * D_HEAD, "d_sae": 64})
    assert training.check_config(cfg, model, tokens).ok


def test_unknown_hook_suggests_names(model, tokens):
    msg = errors(make_cfg(hook_name="blocks.1.hook_resid_pr"), model, tokens)
    assert "not a hook of this model" in msg and "Did you mean 'blocks.1.hook_resid_pre'" in msg
    msg = errors(make_cfg(hook_name="blocks.7.hook_resid_pre"), model, tokens)
    assert "not a hook" in msg and "2 layers" in msg


def test_too_few_tokens(model, tokens):
    msg = errors(make_cfg(training_tokens=100), model, tokens)
    assert "zero steps" in msg
    warns = training.check_config(make_cfg(training_tokens=10 * 128, lr_warm_up_steps=1, n_batches_for_norm_estimate=2),
                                  model, tokens).warnings
    assert any("only 10 training steps" in w for w in warns)


def test_warm_up_counted_in_tokens(model, tokens):
    msg = errors(make_cfg(lr_warm_up_steps=256), model, tokens)
    assert "optimizer steps, not tokens" in msg
    msg = errors(make_cfg(sae={"l1_warm_up_steps": 5000}), model, tokens)
    assert "l1_warm_up_steps=5000 is longer than the whole run" in msg


def test_norm_estimate_longer_than_run(model, tokens):
    msg = errors(make_cfg(n_batches_for_norm_estimate=1000), model, tokens)
    assert "n_batches_for_norm_estimate=1000" in msg


def test_sequence_and_vocab_checks(model, tokens):
    assert "n_ctx" in errors(make_cfg(context_size=64, n_batches_in_buffer=4), model, tokens)
    long_ctx = make_cfg(context_size=24, n_batches_in_buffer=16)
    assert "longer than the dataset's sequences" in errors(long_ctx, model, tokens)
    bad = tokens.clone()
    bad[0, 3] = D_VOCAB + 5
    assert "another tokenizer" in errors(make_cfg(), model, bad)


def test_topk_k(model, tokens):
    assert "larger than d_sae" in errors(make_cfg(sae={"arch": "topk", "k": 1000}), model, tokens)
    assert "k must be >= 1" in errors(make_cfg(sae={"arch": "topk", "k": 0}), model, tokens)


def test_not_a_runner_config(model):
    assert "expected a LanguageModelSAERunnerConfig" in errors({"hook_name": "x"}, model)


def test_validate_config_lists_every_problem(model, tokens):
    cfg = make_cfg(n_batches_in_buffer=1, lr_warm_up_steps=999)
    with pytest.raises(training.ConfigError) as info:
        training.validate_config(cfg, model, tokens, quiet=True)
    text = str(info.value)
    assert "2 problems" in text and text.count("\n  - ") == 2


def test_wandb_switch(monkeypatch):
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.setenv("WANDB_MODE", "disabled")
    assert not training.wandb_enabled()
    assert training.offline_kwargs()["logger"].log_to_wandb is False
    monkeypatch.setenv("WANDB_MODE", "offline")
    assert training.wandb_enabled()
    monkeypatch.delenv("WANDB_MODE")
    assert not training.wandb_enabled()
    monkeypatch.setenv("WANDB_API_KEY", "x" * 40)
    assert training.wandb_enabled()


def test_train_sae_records_history_and_reuses(model, tokens):
    training.clear_cache()
    cfg = make_cfg()
    res = training.train_sae(cfg, model, tokens, quiet=True)
    h = res.history
    assert set(training.HISTORY_KEYS) <= set(h)
    assert h["step"][-1] == 40 and len(h["step"]) >= 10
    assert all(len(v) == len(h["step"]) for v in h.values())
    assert res.final("mse_loss") < h["mse_loss"][0]
    assert res.feature_density.shape == (4 * D_MODEL,)
    assert res.sae.cfg.metadata.hook_name == "blocks.1.hook_resid_pre"
    assert type(res.sae).__name__ == "StandardSAE"
    # same config, model and tokens: the finished run comes back without training again
    assert training.train_sae(make_cfg(), model, tokens, quiet=True) is res
    # the caller's config is not modified
    assert cfg.output_path is None and cfg.sae.reshape_activations == "none"


def test_quiet_training_writes_nothing_to_stderr(model, tokens, capfd):
    # nbgrader scores a graded cell that writes to stderr 0, and graded cells train SAEs.
    training.train_sae(make_cfg(seed=1), model, tokens, quiet=True, reuse=False)
    assert capfd.readouterr().err == ""


def test_train_sae_refuses_a_bad_config(model, tokens):
    with pytest.raises(training.ConfigError, match="buffer"):
        training.train_sae(make_cfg(n_batches_in_buffer=2), model, tokens, quiet=True)


def test_all_dead_is_explained(model, tokens):
    cfg = make_cfg(sae={"l1_coefficient": 1e4, "normalize_activations": "none"}, lr=0.05, lr_warm_up_steps=0,
                   training_tokens=200 * 128)
    with pytest.raises(training.AllLatentsDead) as info:
        training.train_sae(cfg, model, tokens, quiet=True, reuse=False)
    text = str(info.value)
    assert "l1_coefficient=10000.0 is too large" in text and "normalize_activations" in text
    assert info.value.history["step"][-1] < 200  # stopped early


def test_hook_z_training_gives_a_spliceable_sae(model, tokens):
    cfg = make_cfg(hook_name="blocks.0.attn.hook_z", sae={"arch": "topk", "d_in": N_HEADS * D_HEAD, "d_sae": 64},
                   training_tokens=10 * 128, n_batches_for_norm_estimate=2, lr_warm_up_steps=0)
    res = training.train_sae(cfg, model, tokens, quiet=True)
    assert res.sae.cfg.reshape_activations == "hook_z"
    loss = model.run_with_saes(tokens[:2], saes=[res.sae], return_type="loss")
    assert math.isfinite(loss.item())


@pytest.mark.parametrize("hook", ["blocks.0.hook_resid_pre", "blocks.1.hook_resid_pre", "blocks.1.hook_resid_mid",
                                  "blocks.0.attn.hook_z", "blocks.1.attn.hook_z", "blocks.1.hook_mlp_out",
                                  "blocks.1.ln2.hook_normalized"])
def test_stop_at_hook_gives_the_same_activations(model, tokens, hook):
    from sae_lens.util import extract_stop_at_layer_from_tlens_hook_name

    kw = dict(names_filter=[hook], stop_at_layer=extract_stop_at_layer_from_tlens_hook_name(hook), prepend_bos=False)
    full = model.run_with_cache(tokens[:8], **kw)[1][hook]
    early = training.StopAtHook(model).run_with_cache(tokens[:8], **kw)[1][hook]
    assert torch.equal(full, early)
    assert not model.hook_dict[hook].fwd_hooks  # the temporary hook is gone


def test_stop_at_hook_trains_the_same_sae(model, tokens, monkeypatch):
    cfg = make_cfg(training_tokens=20 * 128)
    training.clear_cache()
    early = training.train_sae(cfg, model, tokens, quiet=True, reuse=False).sae.state_dict()
    monkeypatch.setattr(training, "StopAtHook", lambda m: m)  # the store reads the model itself
    full = training.train_sae(cfg, model, tokens, quiet=True, reuse=False).sae.state_dict()
    assert all(torch.equal(early[k], full[k]) for k in full)


def test_saelens_eval_matches_hand_computation(model, tokens):
    res = training.train_sae(make_cfg(), model, tokens, quiet=True)
    sae = res.sae
    toks = tokens[:16]
    ev = training.saelens_eval(model, sae, toks, batch_size=8)
    with torch.no_grad():
        _, cache = model.run_with_cache(toks, names_filter=["blocks.1.hook_resid_pre"])
        x = cache["blocks.1.hook_resid_pre"].reshape(-1, D_MODEL)
        f = sae.encode(x)
        xh = sae.decode(f)
        l0 = (f != 0).float().sum(-1).mean().item()
        mse = (x - xh).pow(2).sum(-1).mean().item()
        var = (x - x.mean(0)).pow(2).sum(-1).mean().item()
        clean = model(toks, return_type="loss").item()
    assert ev["l0"] == pytest.approx(l0, rel=1e-4)
    assert ev["mse"] == pytest.approx(mse, rel=1e-3)
    assert ev["explained_variance"] == pytest.approx(1 - mse / var, abs=1e-3)
    assert ev["ce_clean"] == pytest.approx(clean, rel=1e-4)
    assert ev["feature_density"].shape == (sae.cfg.d_sae,)
    assert ev["feature_density"].sum().item() == pytest.approx(l0, rel=1e-4)


def test_curve_runs_are_cached_and_reproducible():
    """Section 3's mystery runs (exercise 3.3) ship as data without their configs; the generator (an authoring tool,
    not in the release) reproduces them: the shortest run is retrained here and must match the stored metrics."""
    import importlib.util
    from pathlib import Path

    from sae_course.curve_runs import curve_runs

    runs = curve_runs()
    assert list(runs) == ["reference", "run A", "run B", "run C", "run D", "run E"]
    keys = {"step", "mse_loss", "sparsity_loss", "l0", "explained_variance", "l2_ratio", "dead_frac", "dense_frac"}
    for name, h in runs.items():
        assert set(h) == keys, name
        assert len({len(v) for v in h.values()}) == 1 and len(h["step"]) >= 8, name
    runs["run A"]["l0"][0] = -1.0
    assert curve_runs()["run A"]["l0"][0] != -1.0, "curve_runs() should hand out a fresh copy"

    gen_path = Path(__file__).resolve().parents[1] / "authoring" / "mistakes" / "03_sae_training" / "curve_runs_generator.py"
    spec = importlib.util.spec_from_file_location("curve_runs_generator", gen_path)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert set(gen.RUNS) == set(runs)
    assert len({m for m, _ in gen.RUNS.values() if m}) == 5, "one distinct mistake per mystery run"
    again = gen.generate(["run C"])["run C"]
    for k, stored in runs["run C"].items():
        assert len(again[k]) == len(stored), k
        assert all(math.isclose(a, b, rel_tol=2e-3, abs_tol=2e-4) for a, b in zip(again[k], stored)), k
