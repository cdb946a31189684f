"""Autointerp backends for section 04: one interface, two implementations.

A *backend* does the three things an autointerp pipeline asks of a language model:

* ``explain(prompt) -> str``: read an explainer prompt (examples with the firing tokens marked) and answer
  with a one-sentence explanation;
* ``detect(explanation, contexts) -> list[bool]``: for each context (a list of string tokens), does the
  explanation predict that the latent fires somewhere in it?
* ``simulate(explanation, context) -> list[float]``: predicted activation (0..10) of every token of a context.

Two implementations:

* :class:`OpenAIBackend` talks to any OpenAI-compatible chat-completions endpoint (set
  ``SAE_COURSE_LLM_URL``, e.g. ``http://localhost:8000/v1``, optionally ``SAE_COURSE_LLM_MODEL`` and
  ``SAE_COURSE_LLM_KEY``; :func:`backend_from_env` picks it then). Standard library only (``urllib``).
* :class:`OfflineBackend` needs no network. It is grounded in the zoo corpus's word categories
  (:data:`sae_course.zoo.corpus.CATEGORIES`): it explains a latent by the category (or the few words) that its
  marked tokens belong to, and it reads an explanation back *literally*: a category name (``animal``,
  ``animals``) covers every word of that category, a quoted word (``'dog'`` or ``"dog"``) covers that word, and
  nothing else counts. So an explanation is only worth what it says: a wrong one predicts the wrong tokens, a
  vague one ("various words in stories") predicts nothing, an all-covering one ("every token") predicts
  everything; both of the latter score at chance (balanced accuracy 0.5, correlation 0).
"""

from __future__ import annotations

import json
import os
import re
import urllib.request
from collections import Counter

from .zoo.corpus import CATEGORIES

MARK_OPEN, MARK_CLOSE = "<<", ">>"
ENV_URL, ENV_MODEL, ENV_KEY = "SAE_COURSE_LLM_URL", "SAE_COURSE_LLM_MODEL", "SAE_COURSE_LLM_KEY"

# Category names as an explanation may write them (singular and plural), mapped to the corpus's categories.
_CATEGORY_WORDS = {}
for _cat in CATEGORIES:
    if _cat == "special":
        continue
    _CATEGORY_WORDS[_cat] = _cat
    _CATEGORY_WORDS[_cat + "s"] = _cat
_CATEGORY_WORDS.update({"punctuations": "punctuation", "punctuation": "punctuation"})
# Lower-cased word -> its category, the first in CATEGORIES' order (as corpus.word_category picks), built once.
_WORD_CATEGORY: dict[str, str] = {}
for _cat, _ws in CATEGORIES.items():
    for _w in _ws:
        _WORD_CATEGORY.setdefault(_w.lower(), _cat)
_QUOTED = re.compile(r"""['"]([^'"\s]+)['"]""")
_MARKED = re.compile(re.escape(MARK_OPEN) + r"(.*?)" + re.escape(MARK_CLOSE))


def _norm(tok: str) -> str:
    """A string token as a corpus word: GPT-2's leading space and the case dropped."""
    return tok.strip().lower()


class OfflineBackend:
    """An explainer and a scorer that know only the corpus's word categories (no network, deterministic)."""

    name = "offline"

    def __init__(self, category_share: float = 0.7, word_share: float = 0.9, max_words: int = 3):
        self.category_share = category_share
        self.word_share = word_share
        self.max_words = max_words

    # -- explaining ------------------------------------------------------------------------------------------
    def explain(self, prompt: str) -> str:
        """One sentence naming the few words, or else the category, that the prompt's marked tokens are."""
        marked = [_norm(m) for m in _MARKED.findall(prompt)]
        marked = [m for m in marked if m]
        if not marked:
            return "No clear pattern."
        words = Counter(marked)
        cats = Counter()
        for w, n in words.items():
            cats[self.category_of(w)] += n
        cat, n_cat = cats.most_common(1)[0]
        top = words.most_common(self.max_words)
        examples = ", ".join(f"'{w}'" for w, _ in top)
        if sum(n for _, n in top) >= self.word_share * len(marked):
            # a few words account for (nearly) every mark: naming them is more precise than their category
            return f"Fires on the words {examples}."
        if cat != "function" and n_cat >= self.category_share * len(marked):
            plural = cat if cat == "punctuation" else cat + "s"
            return f"Fires on {plural} (e.g. {examples})."
        return f"Fires on the words {examples}."

    @staticmethod
    def category_of(word: str) -> str:
        """``corpus.word_category``, ignoring case and GPT-2's leading space."""
        return _WORD_CATEGORY.get(_norm(word), "function")

    # -- reading an explanation back ---------------------------------------------------------------------------
    def covered_words(self, explanation: str) -> set[str] | None:
        """The words an explanation predicts the latent fires on: named categories and quoted words.

        ``None`` means every token ("fires on every word").
        """
        text = explanation.lower()
        if re.search(r"\b(every|all|any)\s+(word|words|token|tokens)\b", text):
            return None
        covered: set[str] = set()
        for token in re.findall(r"[a-z]+", _QUOTED.sub(" ", text)):
            cat = _CATEGORY_WORDS.get(token)
            if cat is not None:
                covered |= {w.lower() for w in CATEGORIES[cat]}
        covered |= {q.lower() for q in _QUOTED.findall(explanation)}
        return covered

    @staticmethod
    def _covers(covered: set[str] | None, tok: str) -> bool:
        w = _norm(tok)
        if not w or w in {"<|bos|>", "<|endoftext|>"}:
            return False
        return covered is None or w in covered

    def detect(self, explanation: str, contexts: list[list[str]]) -> list[bool]:
        covered = self.covered_words(explanation)
        return [any(self._covers(covered, t) for t in ctx) for ctx in contexts]

    def simulate(self, explanation: str, context: list[str]) -> list[float]:
        covered = self.covered_words(explanation)
        return [10.0 if self._covers(covered, t) else 0.0 for t in context]


class OpenAIBackend:
    """Any OpenAI-compatible chat-completions endpoint (``{base_url}/chat/completions``)."""

    name = "openai"

    def __init__(self, base_url: str, model: str = "gpt-4o-mini", api_key: str | None = None, timeout: float = 60.0):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout = timeout

    def _chat(self, content: str) -> str:
        body = json.dumps({"model": self.model, "temperature": 0,
                           "messages": [{"role": "user", "content": content}]}).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(self.base_url + "/chat/completions", data=body, headers=headers)
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            reply = json.loads(resp.read().decode())
        return reply["choices"][0]["message"]["content"].strip()

    @staticmethod
    def _json_list(text: str) -> list:
        m = re.search(r"\[.*\]", text, re.S)
        if not m:
            raise ValueError(f"the model did not answer with a JSON list: {text[:200]!r}")
        return json.loads(m.group(0))

    def explain(self, prompt: str) -> str:
        return self._chat(prompt)

    def detect(self, explanation: str, contexts: list[list[str]]) -> list[bool]:
        lines = "\n".join(f"{i + 1}. {' '.join(t.strip() for t in ctx)}" for i, ctx in enumerate(contexts))
        ask = (f"A neuron is explained as: {explanation}\nFor each numbered text below, answer whether the neuron "
               f"fires anywhere in it. Reply with a JSON list of {len(contexts)} booleans and nothing else.\n{lines}")
        got = [bool(x) for x in self._json_list(self._chat(ask))]
        return (got + [False] * len(contexts))[: len(contexts)]

    def simulate(self, explanation: str, context: list[str]) -> list[float]:
        toks = json.dumps([t.strip() for t in context])
        ask = (f"A neuron is explained as: {explanation}\nPredict its activation, an integer from 0 to 10, on each "
               f"token of this list: {toks}\nReply with a JSON list of {len(context)} integers and nothing else.")
        got = [float(x) for x in self._json_list(self._chat(ask))]
        return (got + [0.0] * len(context))[: len(context)]


def backend_from_env(env=None):
    """:class:`OpenAIBackend` when ``SAE_COURSE_LLM_URL`` is set, else :class:`OfflineBackend`."""
    env = os.environ if env is None else env
    url = env.get(ENV_URL, "").strip()
    if url:
        return OpenAIBackend(url, model=env.get(ENV_MODEL, "gpt-4o-mini"), api_key=env.get(ENV_KEY) or None)
    return OfflineBackend()
