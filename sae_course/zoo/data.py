"""Data helpers the notebooks use, for the zoo model *and* the hub model (GPT-2).

* :func:`zoo_tokens` -- packed windows of corpus tokens (every window starts with BOS).
* :func:`ioi_prompts` -- held-out IOI prompts as text plus the answer names.
* :func:`induction_tokens` -- BOS + a random span + the same span (the induction test).
* :func:`corpus_texts` -- raw corpus documents as text.

Each helper takes an optional ``model`` (or ``tokenizer``): with the zoo model (or none) it uses the zoo
tokenizer; with another model (hub GPT-2) it tokenizes the same corpus text with that model's
tokenizer. Every corpus word is a single GPT-2 token when written with a leading space
(" Mary", " garden", " ."), so IOI answers and induction spans are single tokens in both modes.
"""

from __future__ import annotations

import functools

import torch

from . import corpus, warm
from .corpus import corpus_texts  # noqa: F401  (re-exported)


@functools.lru_cache(maxsize=1)
def _zoo_index() -> dict[str, int]:
    return {w: i for i, w in enumerate(corpus.vocabulary())}


def _tokenizer_of(model=None, tokenizer=None):
    if tokenizer is not None:
        return tokenizer
    if model is not None:
        return model.tokenizer
    return None


def is_zoo_tokenizer(tokenizer) -> bool:
    """True for ``None`` or a tokenizer whose vocabulary is exactly the zoo's."""
    if tokenizer is None:
        return True
    if len(tokenizer) != len(_zoo_index()):
        return False
    return tokenizer.get_vocab() == _zoo_index()


def _word_encoder(tokenizer):
    """words -> ids for the zoo vocabulary, or text -> ids through another tokenizer."""
    if is_zoo_tokenizer(tokenizer):
        index = _zoo_index()
        return lambda words: [index[w] for w in words], index[corpus.BOS]

    def encode(words):
        return tokenizer(corpus.render(words), add_special_tokens=False)["input_ids"]

    bos = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
    return encode, bos


def zoo_tokens(n_seqs: int, seq_len: int = 128, split: str = "train", seed: int = 0,
               model=None, tokenizer=None) -> torch.Tensor:
    """``[n_seqs, seq_len]`` LongTensor of packed corpus windows, each starting with BOS.

    ``split`` is "train", "val" (held out) or "test" (held out, used by the tests). With a hub model
    pass ``model=`` (or ``tokenizer=``) to get the same documents in that tokenizer's ids.
    """
    tok = _tokenizer_of(model, tokenizer)
    if is_zoo_tokenizer(tok):  # a grading template may have preloaded these (sae_course.zoo.warm)
        hit = warm.take("zoo_tokens", {"n_seqs": n_seqs, "seq_len": seq_len, "split": split, "seed": seed})
        if hit is not None:
            return hit
    return _zoo_tokens(n_seqs, seq_len, split, seed, tok)


def _zoo_tokens(n_seqs: int, seq_len: int, split: str, seed: int, tok) -> torch.Tensor:
    encode, bos = _word_encoder(tok)
    body = seq_len - 1
    need = n_seqs * body
    stream: list[int] = []
    for _, words in corpus.documents(split, seed):
        if len(stream) >= need:
            break
        stream.append(bos)
        stream.extend(encode(words))
    rows = [[bos] + stream[i * body:(i + 1) * body] for i in range(n_seqs)]
    return torch.tensor(rows, dtype=torch.long)


warm.BUILDERS["zoo_tokens"] = lambda a: _zoo_tokens(a["n_seqs"], a["seq_len"], a["split"], a["seed"], None)


def ioi_prompts(n: int = 100, seed: int = 0, split: str = "val") -> list[dict]:
    """``n`` IOI prompts, balanced over templates and over ABBA/BABA.

    Each is a dict: ``prompt`` (text ending before the answer, no trailing space), ``io`` and ``s``
    (bare names, e.g. "Mary"), ``io_token`` / ``s_token`` (" Mary": the answer as a token string,
    a single token for both the zoo and GPT-2 -- use ``model.to_single_token(p["io_token"])``),
    ``completion`` (prompt + answer), ``order`` ("ABBA"/"BABA") and ``template`` (index).
    """
    out = []
    for ex in corpus.ioi_examples(n, split=split, seed=seed):
        prompt = corpus.render(ex["words"])
        out.append({
            "prompt": prompt,
            "io": ex["io"],
            "s": ex["s"],
            "io_token": " " + ex["io"],
            "s_token": " " + ex["s"],
            "completion": prompt + " " + ex["io"],
            "order": ex["order"],
            "template": ex["template"],
        })
    return out


def induction_tokens(n: int = 100, span_len: int = 30, seed: int = 0, split: str = "val",
                     model=None, tokenizer=None) -> torch.Tensor:
    """``[n, 1 + 2*span_len]`` LongTensor: BOS, ``span_len`` random corpus words, the same words again.

    With a hub model each word is mapped to its single " word" token, so the shape is the same.
    """
    tok = _tokenizer_of(model, tokenizer)
    spans = corpus.repeated_spans(n, span_len, split=split, seed=seed)
    if is_zoo_tokenizer(tok):
        index = _zoo_index()
        bos = index[corpus.BOS]
        rows = [[bos] + [index[w] for w in s] for s in spans]
    else:
        bos = tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id
        ids = {}
        for w in corpus.repeatable_words():
            enc = tok(" " + w, add_special_tokens=False)["input_ids"]
            if len(enc) != 1:
                raise ValueError(f"{w!r} is not a single token for this tokenizer")
            ids[w] = enc[0]
        rows = [[bos] + [ids[w] for w in s] for s in spans]
    return torch.tensor(rows, dtype=torch.long)
