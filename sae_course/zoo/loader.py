"""One loader for the course: the committed **zoo** or the real **hub** (GPT-2 small + public SAEs).

Mode resolution (:func:`resolve_mode`), first match wins:

1. the ``mode`` argument ("zoo" or "hub");
2. the environment variable ``SAE_COURSE_MODE`` ("zoo" or "hub");
3. automatic: "zoo" if ``HF_HUB_OFFLINE`` is set or huggingface.co can't be reached within
   ``PROBE_TIMEOUT_S`` (the probe runs in a daemon thread, so a slow DNS can't hang the notebook),
   otherwise "hub".

Zoo mode sets ``HF_HUB_OFFLINE=1`` (no hub look-ups at all). An *explicit* hub mode never falls back:
if the hub can't be reached it sets ``HF_HUB_OFFLINE=1`` and loads from the local Hugging Face cache
(``HF_HUB_CACHE``), failing with a clear message if the files aren't cached. An *automatic* hub choice
that fails falls back to the zoo with a printed message.
"""

from __future__ import annotations

import json
import os
import threading
import time
import warnings
from pathlib import Path

from . import warm

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
ZOO_LM_DIR = WEIGHTS_DIR / "lm"
ZOO_TOKENIZER_DIR = WEIGHTS_DIR / "tokenizer"
ZOO_SAE_DIR = WEIGHTS_DIR / "saes"

MODES = ("zoo", "hub")
SITES = ("resid_pre", "attn_z", "transcoder")
PROBE_TIMEOUT_S = 1.5
_PREFIX = "[sae_course.zoo]"

# Which hook each site reads (and, for transcoders, writes). Same names in the zoo and in GPT-2.
SITE_HOOKS = {
    "resid_pre": ("blocks.{layer}.hook_resid_pre", None),
    "attn_z": ("blocks.{layer}.attn.hook_z", None),
    "transcoder": ("blocks.{layer}.ln2.hook_normalized", "blocks.{layer}.hook_mlp_out"),
}

# The hub side, in one place. release/sae_id go straight to SAE.from_pretrained.
HUB = {
    "model": "gpt2",  # HookedSAETransformer.from_pretrained("gpt2") = GPT-2 small
    "saes": {
        # sae_lens registry release (pretrained_saes.yaml), repo jbloom/GPT2-Small-SAEs-Reformatted
        "resid_pre": {"release": "gpt2-small-res-jb", "sae_id": "blocks.{layer}.hook_resid_pre",
                      "layers": list(range(12))},
        # sae_lens registry release, repo ckkissane/attn-saes-gpt2-small-all-layers (hook_z, 12 heads x 64)
        "attn_z": {"release": "gpt2-small-hook-z-kk", "sae_id": "blocks.{layer}.hook_z",
                   "layers": list(range(12))},
        # No GPT-2 transcoder release is registered in sae_lens 6.54's pretrained_saes.yaml; these are
        # SAELens-format GPT-2 MLP transcoders loaded by repo id (SAE.from_pretrained accepts
        # "owner/repo" + folder). Input blocks.L.ln2.hook_normalized, output blocks.L.hook_mlp_out.
        "transcoder": {"release": "callummcdougall/arena-demos-transcoder",
                       "sae_id": "gpt2-small-layer-{layer}-mlp-transcoder-folded-b_dec_out",
                       "layers": [0, 1, 2, 3, 4, 6, 7, 8]},
    },
    # Feature splitting: residual SAEs of several widths at one site, trained with one recipe
    # (sae_lens registry release, repo jbloom/GPT2-Small-Feature-Splitting-Experiment-Layer-8).
    "width_family": {"site": "resid_pre", "layer": 8, "release": "gpt2-small-res-jb-feature-splitting",
                     "sae_id": "blocks.{layer}.hook_resid_pre_{width}",
                     "widths": [768, 1536, 3072, 6144, 12288, 24576, 49152, 98304]},
}

# GPT-2 small, for describe() when its config isn't in the local cache.
_GPT2_SMALL = {"n_layers": 12, "d_model": 768, "n_heads": 12, "d_head": 64, "d_mlp": 3072,
               "d_vocab": 50257, "n_ctx": 1024}

_probe_cache: dict[str, bool] = {}


def _say(msg: str) -> None:
    print(f"{_PREFIX} {msg}", flush=True)


def hub_reachable(timeout: float = PROBE_TIMEOUT_S) -> bool:
    """Does the hub answer an HTTP request within ``timeout`` seconds? (cached per process)

    A TCP connection is not enough: some networks (this project's machines among them) accept every
    connection through a proxy and then fail, so the probe asks the hub's API for GPT-2's model page.
    """
    if "hub" in _probe_cache:
        return _probe_cache["hub"]
    import urllib.request

    result = {"ok": False}
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")

    def probe():
        try:
            req = urllib.request.Request(f"{endpoint}/api/models/gpt2", method="HEAD")
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                result["ok"] = resp.status == 200
        except Exception:  # DNS, refused, TLS, HTTP errors: not reachable
            pass

    t = threading.Thread(target=probe, daemon=True)
    t.start()
    t.join(timeout + 0.25)  # DNS can block longer than the socket timeout: don't wait for it
    _probe_cache["hub"] = result["ok"]
    return result["ok"]


def _env_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def _set_offline() -> None:
    """Set HF_HUB_OFFLINE=1, also for huggingface_hub if it was already imported."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        import huggingface_hub.constants as c

        c.HF_HUB_OFFLINE = True
    except Exception:  # pragma: no cover - huggingface_hub always there with sae_lens
        pass


def _explicit_mode(mode: str | None) -> str | None:
    if mode is None:
        mode = os.environ.get("SAE_COURSE_MODE") or None
    if mode is None:
        return None
    mode = mode.strip().lower()
    if mode not in MODES:
        raise ValueError(f"mode={mode!r}: expected one of {MODES} (argument or SAE_COURSE_MODE)")
    return mode


def resolve_mode(mode: str | None = None) -> str:
    """"zoo" or "hub": the argument, else ``SAE_COURSE_MODE``, else "zoo" if the hub is unreachable.

    Never hangs: the reachability probe takes at most ~``PROBE_TIMEOUT_S`` seconds, once per process.
    Zoo mode sets ``HF_HUB_OFFLINE=1``; a hub mode with no reachable hub uses the local HF cache.
    """
    explicit = _explicit_mode(mode)
    if explicit == "zoo":
        _set_offline()
        return "zoo"
    if explicit == "hub":
        if not _env_offline() and not hub_reachable():
            _say("hub mode: huggingface.co is unreachable -> HF_HUB_OFFLINE=1, using the local HF cache")
            _set_offline()
        return "hub"
    # automatic
    if _env_offline():
        return "zoo"
    if hub_reachable():
        return "hub"
    _say("huggingface.co is unreachable -> mode=zoo (set SAE_COURSE_MODE=hub to force the hub)")
    _set_offline()
    return "zoo"


def _is_explicit(mode: str | None) -> bool:
    return _explicit_mode(mode) is not None


# ---------------------------------------------------------------------------------------------------
# Zoo
# ---------------------------------------------------------------------------------------------------
def zoo_config() -> dict:
    with open(ZOO_LM_DIR / "config.json") as f:
        return json.load(f)


def _zoo_sae_path(site: str, layer: int, width: int | None = None) -> Path:
    """``saes/<site>_<layer>``, or ``saes/<site>_<layer>_w<width>`` for the other members of a width family."""
    base = ZOO_SAE_DIR / f"{site}_{layer}"
    if width is None or _cfg_width(base) == width:
        return base
    return ZOO_SAE_DIR / f"{site}_{layer}_w{width}"


def _cfg_width(path: Path) -> int | None:
    try:
        with open(path / "cfg.json") as f:
            return int(json.load(f)["d_sae"])
    except (OSError, KeyError, ValueError):
        return None


def zoo_sae_widths(site: str, layer: int) -> list[int]:
    """The widths (``d_sae``) the zoo has at ``site`` and ``layer``: one, or a whole width family."""
    paths = [ZOO_SAE_DIR / f"{site}_{layer}", *ZOO_SAE_DIR.glob(f"{site}_{layer}_w*")]
    return sorted({w for p in paths if (w := _cfg_width(p)) is not None})


def zoo_sae_layers(site: str) -> list[int]:
    if not ZOO_SAE_DIR.exists():
        return []
    layers = []
    for p in ZOO_SAE_DIR.glob(f"{site}_*"):
        suffix = p.name[len(site) + 1:]
        if suffix.isdigit() and (p / "cfg.json").exists():
            layers.append(int(suffix))
    return sorted(layers)


def load_zoo_model(device=None, lm_dir: str | Path | None = None, tokenizer_dir: str | Path | None = None):
    """Build the zoo ``HookedSAETransformer`` from its committed config, weights and tokenizer."""
    from safetensors.torch import load_file
    from sae_lens import HookedSAETransformer
    from transformer_lens import HookedTransformerConfig

    from .tokenizer import load_tokenizer

    lm_dir = Path(lm_dir) if lm_dir else ZOO_LM_DIR
    tokenizer_dir = Path(tokenizer_dir) if tokenizer_dir else ZOO_TOKENIZER_DIR
    with open(lm_dir / "config.json") as f:
        cfg_dict = json.load(f)
    if device is not None:
        cfg_dict["device"] = str(device)
    tok = load_tokenizer(tokenizer_dir)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        model = HookedSAETransformer(HookedTransformerConfig(**cfg_dict), tokenizer=tok)
    state = load_file(str(lm_dir / "model.safetensors"))
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not (k.endswith("attn.mask") or k.endswith("attn.IGNORE"))]
    if missing or unexpected:
        raise RuntimeError(f"zoo weights don't match the config: missing={missing} unexpected={unexpected}")
    model.eval()
    if device is not None:
        model.to(device)
    return model


# ---------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------
def load_model(mode: str | None = None, device=None):
    """The course model as a ``sae_lens.HookedSAETransformer``: the zoo LM or GPT-2 small.

    In a kernel forked from a grading template that preloaded this very call, the first such call
    returns the template's copy-on-write copy at once (see :mod:`sae_course.zoo.warm`).
    """
    chosen = resolve_mode(mode)
    t0 = time.time()
    args = {"mode": mode, "resolved": chosen, "device": warm.cpu_device(device)}
    hit = warm.take("load_model", args)
    model, chosen, name = hit if hit is not None else _build_model(mode, chosen, device)
    c = model.cfg
    _say(f"mode={chosen} model={name} ({c.n_layers} layers, d_model={c.d_model}, n_heads={c.n_heads}, "
         f"d_vocab={c.d_vocab}, n_ctx={c.n_ctx}) loaded in {time.time() - t0:.1f}s")
    return model


def _build_model(mode: str | None, chosen: str, device):
    """(model, mode it came from, name): the hub model, or the zoo's (also when the hub fails and
    the mode was not explicit)."""
    if chosen == "hub":
        try:
            return _load_hub_model(device), "hub", f"{HUB['model']} (hub)"
        except Exception as e:
            if _is_explicit(mode):
                raise RuntimeError(
                    f"{_PREFIX} mode=hub: could not load {HUB['model']!r} ({type(e).__name__}: {e}). "
                    "Connect to huggingface.co, pre-fill the HF cache (HF_HUB_CACHE), or use mode='zoo'."
                ) from e
            _say(f"hub model failed ({type(e).__name__}: {e}) -> falling back to mode=zoo")
            _set_offline()
    return load_zoo_model(device), "zoo", "zoo-lm"


def _load_hub_model(device=None):
    from sae_lens import HookedSAETransformer

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        kwargs = {} if device is None else {"device": str(device)}
        return HookedSAETransformer.from_pretrained(HUB["model"], **kwargs)


def hub_sae_ref(site: str, layer: int, width: int | None = None) -> tuple[str, str]:
    """(release, sae_id) that ``load_sae(site, layer, mode="hub", width=...)`` passes to ``SAE.from_pretrained``."""
    if site not in SITES:
        raise ValueError(f"site={site!r}: expected one of {SITES}")
    if width is not None:
        fam = HUB["width_family"]
        if (site, layer) != (fam["site"], fam["layer"]) or width not in fam["widths"]:
            raise ValueError(f"the hub's width family is {fam['site']} at layer {fam['layer']} with widths "
                             f"{fam['widths']}; got {site} layer {layer} width {width}")
        return fam["release"], fam["sae_id"].format(layer=layer, width=width)
    h = HUB["saes"][site]
    return h["release"], h["sae_id"].format(layer=layer)


def load_sae(site: str, layer: int, mode: str | None = None, device=None, width: int | None = None):
    """A ``sae_lens.SAE`` (``Transcoder`` for site "transcoder") for ``site`` at ``layer``.

    ``width`` picks a member of the width family (``describe()["width_family"]``: the zoo's residual SAEs
    of several widths at one layer, the hub's GPT-2 feature-splitting release); ``None`` is the site's
    standard SAE.

    ``sae.cfg.metadata.hook_name`` is the hook it reads (``blocks.L.hook_resid_pre``,
    ``blocks.L.attn.hook_z`` with ``reshape_activations="hook_z"``, ``blocks.L.ln2.hook_normalized``
    for transcoders, whose ``metadata.hook_name_out`` is ``blocks.L.hook_mlp_out``), so
    ``HookedSAETransformer.add_sae(sae)`` attaches it in the right place.
    """
    if site not in SITES:
        raise ValueError(f"site={site!r}: expected one of {SITES}")
    chosen = resolve_mode(mode)
    t0 = time.time()
    args = {"site": site, "layer": layer, "mode": mode, "resolved": chosen, "device": warm.cpu_device(device)}
    if width is not None:
        args["width"] = int(width)
    hit = warm.take("load_sae", args)
    sae, line = hit if hit is not None else _build_sae(site, layer, mode, chosen, device, width)
    _say(f"{line} ({time.time() - t0:.2f}s)")
    return sae


def _build_sae(site: str, layer: int, mode: str | None, chosen: str, device, width: int | None = None):
    """(SAE, the mode line without its time): the hub's, or the zoo's (also when the hub fails
    and the mode was not explicit)."""
    from sae_lens import SAE

    dev = "cpu" if device is None else str(device)
    if chosen == "hub":
        release, sae_id = hub_sae_ref(site, layer, width)
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*model_from_pretrained_kwargs.*")
                warnings.filterwarnings("ignore", message=".*loading an SAE using the HuggingFace repo_id.*")
                sae = SAE.from_pretrained(release, sae_id, device=dev)
            return sae, (f"mode=hub sae={site} layer={layer} <- SAE.from_pretrained({release!r}, {sae_id!r}) "
                         f"d_in={sae.cfg.d_in} d_sae={sae.cfg.d_sae} hook={sae.cfg.metadata.hook_name}")
        except Exception as e:
            if _is_explicit(mode):
                raise RuntimeError(
                    f"{_PREFIX} mode=hub: could not load SAE {release!r}/{sae_id!r} "
                    f"({type(e).__name__}: {e})"
                ) from e
            _say(f"hub SAE failed ({type(e).__name__}: {e}) -> falling back to mode=zoo")
            _set_offline()
    path = _zoo_sae_path(site, layer, width)
    if not (path / "cfg.json").exists():
        if width is not None:
            raise ValueError(f"the zoo has no {site} SAE of width {width} at layer {layer} "
                             f"(widths there: {zoo_sae_widths(site, layer)})")
        raise ValueError(f"the zoo has no {site} SAE at layer {layer} (zoo layers: {zoo_sae_layers(site)})")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*model_from_pretrained_kwargs.*")
        sae = SAE.load_from_disk(path, device=dev)
    return sae, (f"mode=zoo sae={site} layer={layer} <- {path.relative_to(WEIGHTS_DIR.parent)} "
                 f"({type(sae).__name__}, d_in={sae.cfg.d_in}, d_sae={sae.cfg.d_sae}, "
                 f"hook={sae.cfg.metadata.hook_name})")


# What a grading template may preload (sae_course.zoo.warm): the same builds, from recorded arguments.
warm.BUILDERS["load_model"] = lambda a: _build_model(a["mode"], a["resolved"], a["device"])
warm.BUILDERS["load_sae"] = lambda a: _build_sae(a["site"], a["layer"], a["mode"], a["resolved"], a["device"],
                                                 a.get("width"))


def _hub_model_config() -> dict:
    """GPT-2 small's dimensions: from the local HF cache if present (e.g. a mock hub), else the known ones."""
    try:
        from huggingface_hub import hf_hub_download

        path = hf_hub_download(HUB["model"], "config.json", local_files_only=True)
        with open(path) as f:
            c = json.load(f)
        d_model = c.get("n_embd", 768)
        n_heads = c.get("n_head", 12)
        return {"n_layers": c.get("n_layer", 12), "d_model": d_model, "n_heads": n_heads,
                "d_head": d_model // n_heads, "d_mlp": c.get("n_inner") or 4 * d_model,
                "d_vocab": c.get("vocab_size", 50257), "n_ctx": c.get("n_positions", c.get("n_ctx", 1024))}
    except Exception:
        return dict(_GPT2_SMALL)


def describe(mode: str | None = None) -> dict:
    """What the chosen mode offers, without loading weights: sizes, SAE layers and hook names.

    Keys: ``mode``, ``model_name``, ``n_layers``, ``d_model``, ``n_heads``, ``d_head``, ``d_mlp``,
    ``d_vocab``, ``n_ctx``, ``saes`` = {site: {"layers": [...], "hook_name": template,
    "hook_name_out": template or None, "source": ...}}, ``width_family`` = {"site", "layer", "widths",
    "source"} (the SAEs of several widths at one site, for feature splitting), ``hooks`` (handy hook-name
    templates).
    """
    chosen = resolve_mode(mode)
    if chosen == "zoo":
        c = zoo_config()
        info = {"mode": "zoo", "model_name": c.get("model_name", "zoo-lm"),
                **{k: c[k] for k in ("n_layers", "d_model", "n_heads", "d_head", "d_mlp", "d_vocab", "n_ctx")}}
        saes = {}
        for site in SITES:
            hook, hook_out = SITE_HOOKS[site]
            saes[site] = {"layers": zoo_sae_layers(site), "hook_name": hook, "hook_name_out": hook_out,
                          "source": f"sae_course/zoo/weights/saes/{site}_{{layer}}"}
        family = {"site": None, "layer": None, "widths": [], "source": None}
        for site in SITES:
            for layer in saes[site]["layers"]:
                widths = zoo_sae_widths(site, layer)
                if len(widths) > len(family["widths"]):
                    family = {"site": site, "layer": layer, "widths": widths,
                              "source": f"sae_course/zoo/weights/saes/{site}_{layer}[_w<width>]"}
        info["width_family"] = family
    else:
        info = {"mode": "hub", "model_name": "gpt2-small", **_hub_model_config()}
        saes = {}
        for site in SITES:
            hook, hook_out = SITE_HOOKS[site]
            h = HUB["saes"][site]
            layers = [layer for layer in h["layers"] if layer < info["n_layers"]]
            saes[site] = {"layers": layers, "hook_name": hook, "hook_name_out": hook_out,
                          "source": f"SAE.from_pretrained({h['release']!r}, {h['sae_id']!r})"}
        fam = HUB["width_family"]
        info["width_family"] = {"site": fam["site"], "layer": fam["layer"], "widths": list(fam["widths"]),
                                "source": f"SAE.from_pretrained({fam['release']!r}, {fam['sae_id']!r})"}
    info["saes"] = saes
    info["hooks"] = {
        "resid_pre": "blocks.{layer}.hook_resid_pre",
        "resid_mid": "blocks.{layer}.hook_resid_mid",
        "resid_post": "blocks.{layer}.hook_resid_post",
        "attn_z": "blocks.{layer}.attn.hook_z",
        "attn_pattern": "blocks.{layer}.attn.hook_pattern",
        "attn_out": "blocks.{layer}.hook_attn_out",
        "mlp_in": "blocks.{layer}.ln2.hook_normalized",
        "mlp_post": "blocks.{layer}.mlp.hook_post",
        "mlp_out": "blocks.{layer}.hook_mlp_out",
    }
    return info
