"""The zoo's synthetic corpus: seeded, word-level, made by the project.

Six kinds of document, mixed in fixed proportions (zoo v2 added the last four structures):

* **IOI** sentences ("When Mary and John went to the store, John gave a drink to Mary."): two names,
  one of them repeated as the subject, the other (the *indirect object*) is the answer. ABBA and BABA
  orders, a dozen templates.
* **Repeats**: a span of 4-30 random words, then the same span again, so that only *induction*
  (find the earlier copy of the current word, predict what followed it) predicts the second half.
* **Stories**: a small grammar of 3-7 sentences over word categories (names, places, objects, animals,
  numbers, adjectives, verbs, times, punctuation), e.g. "Anna had three apples.", "Bob counted: two,
  three, four." (spelled "counted, two, three, four"), "Is the cup red? Yes, it is." These give SAE latents
  something a student can name. Stories also mention days, months and fruit.
* **Cycles**: days of the week and months used in context, with arithmetic that wraps around ("Two days
  after Friday is Sunday.", "The month before January is December.", "Saturday, Sunday, Monday."), so the
  model gains from representing them on a circle.
* **Kinds**: definition-style sentences ("A cherry is a kind of fruit.", "Tuesday is a day.") over a
  category hierarchy (animal, fruit, colour, day, month, number, place, name), and fruit sentences with a
  shared general property ("The plum was sweet."). Fruit words are Zipf-distributed (banana, orange and
  lemon are far more frequent than mango or plum), so an SAE can let a specific latent absorb the general one.
* **Bigram repeats**: random words in which a few word pairs come back, each time after a different word,
  so only one word of prefix matches (short-prefix induction, next to the long spans of *repeats*).

Documents are lists of words (every word is one token of the zoo tokenizer); :func:`render` turns
them into the text the tokenizer reads back. Everything is a pure function of ``(split, seed)``:
``random.Random`` seeded with a string is the same on every machine and Python version >= 3.2.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

# ---------------------------------------------------------------------------------------------------
# Vocabulary, by category. Every name / word here is a single GPT-2 token when it has a leading space,
# so the same prompts work with the hub model.
# ---------------------------------------------------------------------------------------------------
BOS, PAD, UNK = "<|bos|>", "<|pad|>", "<|unk|>"
SPECIAL_TOKENS = [BOS, PAD, UNK]

NAMES = [
    "Mary", "John", "Alice", "Bob", "Tom", "James", "Sarah", "Anna", "David", "Kate", "Paul", "Lucy",
    "Mark", "Emma", "Jack", "Rose", "Peter", "Laura", "Sam", "Lisa", "Mike", "Amy", "Dan", "Jane",
]
PLACES = [
    "store", "park", "school", "garden", "station", "market", "beach", "library", "office", "river",
    "forest", "cafe", "church", "hospital", "museum", "farm",
]
OBJECTS = [
    "ball", "book", "apple", "key", "cup", "drink", "letter", "bag", "hat", "ring", "pen", "coin",
    "flower", "box", "card", "cake",
]
OBJECTS_PLURAL = [o + "es" if o.endswith("x") else o + "s" for o in OBJECTS]
ANIMALS = ["dog", "cat", "bird", "horse", "fish", "cow", "duck", "rabbit"]
ANIMALS_PLURAL = ["dogs", "cats", "birds", "horses", "fish", "cows", "ducks", "rabbits"]
NUMBERS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
ADJECTIVES = ["red", "blue", "green", "yellow", "big", "small", "old", "new", "heavy", "bright"]
TIMES = ["morning", "afternoon", "evening", "night"]
GIVE_VERBS = ["gave", "handed", "passed", "sent", "showed", "threw", "brought"]
OTHER_VERBS = [
    "went", "walked", "got", "decided", "give", "found", "arrived", "left", "saw", "likes", "said",
    "counted", "played", "asked", "working",
]
PUNCTUATION = [".", ",", "!", "?"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
# Zipf-like weights: the first fruits are frequent, the last rare (feature absorption needs both).
FRUITS = ["banana", "orange", "lemon", "cherry", "grape", "peach", "pear", "plum", "mango"]
FRUIT_WEIGHTS = [1.0 / (i + 1) ** 1.3 for i in range(len(FRUITS))]
FRUIT_PROPERTIES = ["sweet", "ripe", "sour", "juicy"]
COLOURS = ["red", "blue", "green", "yellow"]
# The category hierarchy of the definition sentences: the general word and its members.
KINDS: dict[str, list[str]] = {
    "animal": ANIMALS, "fruit": FRUITS, "colour": COLOURS, "day": DAYS, "month": MONTHS,
    "number": NUMBERS, "place": PLACES, "name": NAMES,
}

# IOI templates: {A} and {B} are introduced, {S} (one of them) acts, {IO} (the other) is the answer.
# The answer is the word after the prompt, so every template ends with the word before it.
IOI_TEMPLATES = [
    "When {A} and {B} went to the {P}, {S} gave a {O} to",
    "When {A} and {B} got a {O} at the {P}, {S} decided to give it to",
    "Then, {A} and {B} went to the {P}. {S} gave a {O} to",
    "Then, {A} and {B} had a lot of fun at the {P}. {S} gave a {O} to",
    "After the lunch, {A} and {B} went to the {P}. {S} gave a {O} to",
    "While {A} and {B} were working at the {P}, {S} gave a {O} to",
    "Friends {A} and {B} found a {O} at the {P}. {S} gave it to",
    "When {A} and {B} arrived at the {P}, {S} showed the {O} to",
    "Afterwards, {A} and {B} went to the {P}. {S} handed the {O} to",
    "{A} and {B} walked to the {P} in the {T}. Then {S} passed the {O} to",
    "The {P} was busy, so {A} and {B} left. {S} sent a {O} to",
    "When {A} and {B} were at the {P}, {S} threw the {O} to",
]

# Story sentences. Placeholders: {N} {M} names, {P} place, {O} object, {Os} plural object,
# {An} animal, {Ans} plural animal, {J} adjective, {T} time, {num} number >= two, {V} give verb,
# {count} a run of 3-6 consecutive number words separated by commas.
STORY_TEMPLATES = [
    "{N} went to the {P}.",
    "{N} walked to the {P} in the {T}.",
    "{N} had {num} {Os}.",
    "{N} had one {O}.",
    "{N} saw a {J} {An} at the {P}.",
    "The {An} was {J}.",
    "The {O} was {J}.",
    "{N} likes the {J} {O}.",
    "{N} said, the {O} is {J}!",
    "Is the {O} {J}? Yes, it is.",
    "Is the {An} {J}? No, it is not.",
    "{N} counted, {count}.",
    "{N} and {M} played with the {O} at the {P}.",
    "{N} is {num} years old.",
    "It was a {J} {T}.",
    "{N} found {num} {Ans} near the {P}.",
    "Then {N} {V} the {O} to {M}.",
    "{N} and {M} went to the {P} with {num} {Ans}.",
    "There were {num} {Os} in the {P}.",
    "{N} asked {M}, where is the {O}?",
    "On {D}, {N} went to the {P}.",
    "{N} was born in {Mo}.",
    "{N} ate a {F} in the {T}.",
    "The {F} was {Fp}.",
]

# Cycles: {X} a day (or month), {k} a number word, {Y} the day {k} steps on (or back).
CYCLE_TEMPLATES = [
    "The {unit} after {X} is {Y1}.",
    "The {unit} before {X} is {Ym1}.",
    "The {unit} {k} {units} after {X} is {Yk}.",
    "The {unit} {k} {units} before {X} is {Ymk}.",
    "On {X}, {N} said, the next {unit} is {Y1}.",
    "{X}, {Y1}, {Y2}, {Y3}.",
]
KIND_TEMPLATES = [
    "{W} is a kind of {C}.",
    "{W} is a {C}.",
    "{N} said, {W} is a kind of {C}.",
]
FRUIT_TEMPLATES = [
    "{N} ate a {F}.",
    "The {F} was {Fp}.",
    "{N} found a {Fp} {F} at the {P}.",
    "{N} likes the {F}, it is {Fp}.",
]

CATEGORIES: dict[str, list[str]] = {
    "special": SPECIAL_TOKENS,
    "name": NAMES,
    "place": PLACES,
    "object": OBJECTS + OBJECTS_PLURAL,
    "animal": ANIMALS + [a for a in ANIMALS_PLURAL if a not in ANIMALS],
    "number": NUMBERS,
    "adjective": ADJECTIVES,
    "time": TIMES,
    "verb": GIVE_VERBS + OTHER_VERBS,
    "punctuation": PUNCTUATION,
    "day": DAYS,
    "month": MONTHS,
    "fruit": FRUITS,
    "kind": list(KINDS),
}

# Proportions of the six kinds of document (of documents; in tokens: ioi 21 %, repeat 35 %, story 8 %, cycle 11 %,
# kinds 7 %, bigram 17 %). Zoo v2 recipe run 1 (docs/zoo_v2_status.md): the repeat and bigram shares are what the
# induction heads learn from (v1 had 43 % repeat tokens); the first v2 mix (30 % repeat, 11 % bigram tokens) left
# induction at 0.67 and short-prefix induction at 6 %.
MIX = {"ioi": 0.35, "repeat": 0.27, "story": 0.09, "cycle": 0.11, "kinds": 0.08, "bigram": 0.10}
REPEAT_MIN, REPEAT_MAX = 4, 30

SPLIT_SEEDS = {"train": "zoo-train", "val": "zoo-val", "test": "zoo-test"}


def split_words(text: str) -> list[str]:
    """Split template text into words: whitespace, and each punctuation mark on its own."""
    out: list[str] = []
    for chunk in text.split():
        word = ""
        for ch in chunk:
            if ch in PUNCTUATION:
                if word:
                    out.append(word)
                    word = ""
                out.append(ch)
            else:
                word += ch
        if word:
            out.append(word)
    return out


def _template_words() -> list[str]:
    words: list[str] = []
    for t in IOI_TEMPLATES + STORY_TEMPLATES + CYCLE_TEMPLATES + KIND_TEMPLATES + FRUIT_TEMPLATES:
        for w in split_words(t):
            if not (w.startswith("{") and w.endswith("}")) and w not in words:
                words.append(w)
    # words only placeholders produce
    for w in ["days", "months"] + FRUIT_PROPERTIES:
        if w not in words:
            words.append(w)
    return words


def vocabulary() -> list[str]:
    """All tokens of the zoo tokenizer, in id order (specials first). Deterministic."""
    vocab: list[str] = []
    for cat in CATEGORIES.values():
        for w in cat:
            if w not in vocab:
                vocab.append(w)
    # "function" words: whatever the templates use that isn't in a category yet
    for w in _template_words():
        if w not in vocab:
            vocab.append(w)
    return vocab


def word_category(word: str) -> str:
    """The category of a word ("name", "place", ..., "function" for the rest)."""
    for cat, words in CATEGORIES.items():
        if word in words:
            return cat
    return "function"


_NO_SPACE_BEFORE = set(PUNCTUATION)


def render(words: list[str]) -> str:
    """Words -> text, as the tokenizer's decoder writes it: spaces between words, none before . , ! ?"""
    out = ""
    for w in words:
        if not out:
            out = w
        elif w in _NO_SPACE_BEFORE:
            out += w
        else:
            out += " " + w
    return out


# ---------------------------------------------------------------------------------------------------
# Generators
# ---------------------------------------------------------------------------------------------------
def _rng(split: str, seed: int, stream: str = "") -> random.Random:
    if split not in SPLIT_SEEDS:
        raise ValueError(f"split={split!r}: expected one of {list(SPLIT_SEEDS)}")
    return random.Random(f"{SPLIT_SEEDS[split]}-{seed}-{stream}")


def _fill(template: str, values: dict[str, str]) -> list[str]:
    words = []
    for w in split_words(template):
        if w.startswith("{") and w.endswith("}"):
            words.extend(split_words(values[w[1:-1]]))
        else:
            words.append(w)
    return words


def ioi_example(rng: random.Random, template_index: int | None = None) -> dict:
    """One IOI sentence: dict(words=[...prompt words], io=..., s=..., order="ABBA"|"BABA", template=i)."""
    ti = rng.randrange(len(IOI_TEMPLATES)) if template_index is None else template_index
    a, b = rng.sample(NAMES, 2)
    s_is_a = rng.random() < 0.5
    s, io = (a, b) if s_is_a else (b, a)
    values = {
        "A": a, "B": b, "S": s, "P": rng.choice(PLACES), "O": rng.choice(OBJECTS),
        "T": rng.choice(TIMES),
    }
    words = _fill(IOI_TEMPLATES[ti], values)
    # ABBA: first-mentioned name is the IO (A B B -> A); BABA: first-mentioned name is the subject.
    order = "BABA" if s_is_a else "ABBA"
    return {"words": words, "io": io, "s": s, "order": order, "template": ti}


def _story_sentence(rng: random.Random, names: list[str], place: str) -> list[str]:
    t = rng.choice(STORY_TEMPLATES)
    n, m = rng.sample(names, 2)
    start = rng.randrange(len(NUMBERS) - 2)
    length = rng.randint(3, min(6, len(NUMBERS) - start))
    count = ", ".join(NUMBERS[start:start + length])
    values = {
        "N": n, "M": m, "P": place if rng.random() < 0.7 else rng.choice(PLACES),
        "O": rng.choice(OBJECTS), "Os": rng.choice(OBJECTS_PLURAL), "An": rng.choice(ANIMALS),
        "Ans": rng.choice(ANIMALS_PLURAL), "J": rng.choice(ADJECTIVES), "T": rng.choice(TIMES),
        "num": rng.choice(NUMBERS[1:]), "V": rng.choice(GIVE_VERBS), "count": count,
        "D": rng.choice(DAYS), "Mo": rng.choice(MONTHS), "F": fruit(rng), "Fp": rng.choice(FRUIT_PROPERTIES),
    }
    return _fill(t, values)


def story_doc(rng: random.Random) -> list[str]:
    names = rng.sample(NAMES, 3)
    place = rng.choice(PLACES)
    words: list[str] = []
    for _ in range(rng.randint(2, 5)):
        words += _story_sentence(rng, names, place)
    return words


_REPEATABLE: list[str] | None = None


def repeatable_words() -> list[str]:
    """The tokens random repeated spans are drawn from: the whole vocabulary but the specials."""
    global _REPEATABLE
    if _REPEATABLE is None:
        _REPEATABLE = [w for w in vocabulary() if w not in SPECIAL_TOKENS]
    return _REPEATABLE


def repeat_doc(rng: random.Random) -> list[str]:
    """A random span of 4-30 words written twice (or, for spans up to 20 words, three times)."""
    pool = repeatable_words()
    span = [rng.choice(pool) for _ in range(rng.randint(REPEAT_MIN, REPEAT_MAX))]
    copies = 3 if len(span) <= 20 and rng.random() < 0.5 else 2
    return span * copies


def fruit(rng: random.Random) -> str:
    """A fruit word, Zipf-distributed (``FRUIT_WEIGHTS``)."""
    return rng.choices(FRUITS, FRUIT_WEIGHTS)[0]


def cycle_sentence(rng: random.Random, unit: str | None = None, template_index: int | None = None,
                   start: int | None = None, k: int | None = None) -> list[str]:
    """One sentence of day or month arithmetic that wraps around (``CYCLE_TEMPLATES``)."""
    unit = unit or rng.choice(["day", "month"])
    cycle = DAYS if unit == "day" else MONTHS
    n = len(cycle)
    i = rng.randrange(n) if start is None else start
    k = rng.randint(2, min(n - 1, len(NUMBERS))) if k is None else k
    ti = rng.randrange(len(CYCLE_TEMPLATES)) if template_index is None else template_index
    values = {
        "unit": unit, "units": unit + "s", "X": cycle[i], "k": NUMBERS[k - 1],
        "Y1": cycle[(i + 1) % n], "Y2": cycle[(i + 2) % n], "Y3": cycle[(i + 3) % n],
        "Ym1": cycle[(i - 1) % n], "Yk": cycle[(i + k) % n], "Ymk": cycle[(i - k) % n],
        "N": rng.choice(NAMES),
    }
    return _fill(CYCLE_TEMPLATES[ti], values)


def cycle_doc(rng: random.Random) -> list[str]:
    words: list[str] = []
    for _ in range(rng.randint(2, 5)):
        words += cycle_sentence(rng)
    return words


def kind_sentence(rng: random.Random, kind: str | None = None, word: str | None = None,
                  template_index: int | None = None) -> list[str]:
    """A definition sentence: a member of a ``KINDS`` category and its general word."""
    kind = kind or rng.choice(list(KINDS))
    if word is None:
        word = fruit(rng) if kind == "fruit" else rng.choice(KINDS[kind])
    ti = rng.randrange(len(KIND_TEMPLATES)) if template_index is None else template_index
    return _fill(KIND_TEMPLATES[ti], {"W": word, "C": kind, "N": rng.choice(NAMES)})


def kinds_doc(rng: random.Random) -> list[str]:
    """Definition sentences mixed with fruit sentences (the general property of a frequent-member category)."""
    words: list[str] = []
    for _ in range(rng.randint(2, 5)):
        if rng.random() < 0.6:
            words += kind_sentence(rng)
        else:
            t = rng.choice(FRUIT_TEMPLATES)
            words += _fill(t, {"N": rng.choice(NAMES), "F": fruit(rng), "Fp": rng.choice(FRUIT_PROPERTIES),
                               "P": rng.choice(PLACES)})
    return words


def bigram_doc(rng: random.Random, n_words: int | None = None, pool: list[str] | None = None) -> list[str]:
    """40-64 random words in which 2-4 word pairs (a, b) come back 2-3 times, each time after a different word.

    Predicting b after a later a needs only one word of prefix (short-prefix induction); the word before
    a differs from one occurrence to the next, so a longer prefix never matches.
    """
    pool = pool or repeatable_words()  # lm_probe passes the whole vocabulary
    n_words = n_words or rng.randint(40, 64)
    pairs = [tuple(rng.sample(pool, 2)) for _ in range(rng.randint(2, 4))]
    words = [rng.choice(pool) for _ in range(n_words)]
    # slots 3 apart: a pair takes j and j + 1, and j - 1 (its prefix) belongs to no other pair
    free = list(range(1, n_words - 1, 3))
    rng.shuffle(free)
    for a, b in pairs:
        prefixes: set[str] = set()
        for j in sorted(free.pop() for _ in range(rng.randint(2, 3))):
            words[j], words[j + 1] = a, b
            while words[j - 1] in prefixes or words[j - 1] in (a, b):
                words[j - 1] = rng.choice(pool)
            prefixes.add(words[j - 1])
    return words


def ioi_doc(rng: random.Random) -> list[str]:
    ex = ioi_example(rng)
    return ex["words"] + [ex["io"], "."]


def documents(split: str = "train", seed: int = 0) -> Iterator[tuple[str, list[str]]]:
    """An endless, seeded stream of (kind, words) documents."""
    rng = _rng(split, seed, "docs")
    kinds, weights = list(MIX), list(MIX.values())
    makers = {"ioi": ioi_doc, "repeat": repeat_doc, "story": story_doc, "cycle": cycle_doc,
              "kinds": kinds_doc, "bigram": bigram_doc}
    while True:
        kind = rng.choices(kinds, weights)[0]
        yield kind, makers[kind](rng)


def corpus_texts(n_docs: int, split: str = "train", seed: int = 0) -> list[str]:
    """``n_docs`` corpus documents as text (no BOS), e.g. to tokenize with another tokenizer."""
    out = []
    for _, words in documents(split, seed):
        if len(out) >= n_docs:
            break
        out.append(render(words))
    return out


def ioi_examples(n: int, split: str = "val", seed: int = 0) -> list[dict]:
    """``n`` IOI prompts (as word lists plus the answer names), balanced over templates."""
    rng = _rng(split, seed, "ioi")
    return [ioi_example(rng, template_index=i % len(IOI_TEMPLATES)) for i in range(n)]


def repeated_spans(n: int, span_len: int, split: str = "val", seed: int = 0) -> list[list[str]]:
    """``n`` random spans of ``span_len`` words (without BOS), each written twice."""
    rng = _rng(split, seed, f"repeat-{span_len}")
    pool = repeatable_words()
    out = []
    for _ in range(n):
        span = [rng.choice(pool) for _ in range(span_len)]
        out.append(span + span)
    return out
