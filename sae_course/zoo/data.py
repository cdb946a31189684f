"""Data helpers the notebooks use, for the zoo model *and* the hub model (GPT-2).

* :func:`zoo_tokens` -- packed windows of corpus tokens (every window starts with BOS).
* :func:`ioi_prompts` -- held-out IOI prompts as text plus the answer names.
* :func:`induction_tokens` -- BOS + a random span + the same span (the induction test).
* :func:`corpus_texts` -- raw corpus documents as text.
* :func:`cycle_prompts`, :func:`definition_prompts`, :func:`bigram_tokens` -- the zoo v2 structures
  (day/month arithmetic, "W is a kind of", short-prefix repeats).

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


# ---------------------------------------------------------------------------------------------------
# Zoo v2 structures: cycles, definitions, short-prefix repeats (text prompts work for GPT-2 too)
# ---------------------------------------------------------------------------------------------------
def cycle_prompts(unit: str = "day", steps: tuple[int, ...] = (1,)) -> list[dict]:
    """Every "The day after X is" (k = 1) and "The day k days after X is" (k >= 2) prompt of a cycle.

    ``unit`` is "day" (Monday..Sunday) or "month" (January..December). Each dict: ``prompt`` (text,
    no trailing space), ``start`` (index of X in the cycle), ``k``, ``answer`` (the word k steps on,
    wrapping around) and ``answer_token`` (" Tuesday": one token for the zoo and for GPT-2).
    """
    cycle = corpus.DAYS if unit == "day" else corpus.MONTHS
    out = []
    for k in steps:
        if not 1 <= k <= min(len(cycle) - 1, len(corpus.NUMBERS)):
            raise ValueError(f"k={k}: expected 1 <= k < {len(cycle)}")
        for i, x in enumerate(cycle):
            prompt = f"The {unit} after {x} is" if k == 1 else f"The {unit} {corpus.NUMBERS[k - 1]} {unit}s after {x} is"
            ans = cycle[(i + k) % len(cycle)]
            out.append({"prompt": prompt, "start": i, "k": k, "answer": ans, "answer_token": " " + ans})
    return out


def definition_prompts(kinds: list[str] | None = None) -> list[dict]:
    """ "W is a kind of" for every member W of the corpus's categories (``corpus.KINDS``).

    Each dict: ``prompt``, ``word``, ``kind`` (the expected next word) and ``kind_token`` (" fruit").
    """
    out = []
    for kind in kinds or list(corpus.KINDS):
        for w in corpus.KINDS[kind]:
            out.append({"prompt": f"{w} is a kind of", "word": w, "kind": kind, "kind_token": " " + kind})
    return out


def bigram_tokens(n: int = 50, seed: int = 0, split: str = "val", model=None, tokenizer=None):
    """Short-prefix induction data: ``(tokens [n, L], later [n, L] bool)``, padded to one length L.

    Each row is BOS + a corpus "bigram repeat" document (40-64 random words in which a few pairs (a, b)
    come back, each time after a different word). ``later[r, t]`` is True where token t is the ``a`` of
    a pair seen before in the row, so the token after it is predictable from one word of prefix only.
    Rows are padded at the end with the last token; ``later`` is False there.
    """
    tok = _tokenizer_of(model, tokenizer)
    encode, bos = _word_encoder(tok)
    rng = corpus._rng(split, seed, "bigram")
    docs = [corpus.bigram_doc(rng) for _ in range(n)]
    rows, masks = [], []
    for words in docs:
        seen: set[tuple[str, str]] = set()
        counts: dict[tuple[str, str], int] = {}
        for j in range(len(words) - 1):
            counts[(words[j], words[j + 1])] = counts.get((words[j], words[j + 1]), 0) + 1
        mask = [False]
        for j, w in enumerate(words):
            pair = (w, words[j + 1]) if j + 1 < len(words) else None
            mask.append(pair is not None and counts.get(pair, 0) > 1 and pair in seen)
            if pair is not None:
                seen.add(pair)
        ids = [bos] + [i for w in words for i in encode([w])]
        if len(ids) != len(mask):
            raise ValueError("a bigram word is not a single token for this tokenizer")
        rows.append(ids)
        masks.append(mask)
    length = max(len(r) for r in rows)
    toks = torch.tensor([r + [r[-1]] * (length - len(r)) for r in rows], dtype=torch.long)
    later = torch.tensor([m + [False] * (length - len(m)) for m in masks], dtype=torch.bool)
    return toks, later
