"""The course's model zoo and its loader.

    from sae_course.zoo import resolve_mode, load_model, load_sae, SITES, describe
    model = load_model()                      # zoo LM, or GPT-2 small in hub mode
    sae = load_sae("resid_pre", 1)            # sites: "resid_pre", "attn_z", "transcoder"

Mode: argument > ``SAE_COURSE_MODE`` ("zoo"|"hub") > "zoo" when the hub is unreachable. See
``docs/zoo.md`` and :mod:`sae_course.zoo.loader`. Data helpers (work in both modes):
:func:`zoo_tokens`, :func:`ioi_prompts`, :func:`induction_tokens`, :func:`corpus_texts`.

Importing this package is cheap: torch / sae_lens are imported when a loader is first called.
"""

from .corpus import corpus_texts, word_category
from .loader import (
    HUB,
    SITE_HOOKS,
    SITES,
    WEIGHTS_DIR,
    describe,
    hub_reachable,
    hub_sae_ref,
    load_model,
    load_sae,
    load_zoo_model,
    resolve_mode,
)


def __getattr__(name):
    # data helpers import torch; load them lazily
    if name in ("zoo_tokens", "ioi_prompts", "induction_tokens", "is_zoo_tokenizer", "cycle_prompts",
                "definition_prompts", "bigram_tokens"):
        from . import data

        return getattr(data, name)
    raise AttributeError(name)


__all__ = [
    "HUB", "SITE_HOOKS", "SITES", "WEIGHTS_DIR", "corpus_texts", "describe", "hub_reachable",
    "hub_sae_ref", "induction_tokens", "ioi_prompts", "is_zoo_tokenizer", "load_model", "load_sae",
    "cycle_prompts", "definition_prompts", "bigram_tokens",
    "load_zoo_model", "resolve_mode", "word_category", "zoo_tokens",
]
