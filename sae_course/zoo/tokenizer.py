"""The zoo's word-level tokenizer, built with ``tokenizers`` and saved as a ``PreTrainedTokenizerFast``.

One token per word of :func:`sae_course.zoo.corpus.vocabulary`; punctuation marks (. , ! ?) are
tokens of their own. Leading spaces are ignored, so ``" Mary"`` and ``"Mary"`` are the same single
token -- prompts written for GPT-2 (where names carry a leading space) work unchanged.

TransformerLens reloads a tokenizer from ``tokenizer.init_kwargs["name_or_path"]``, so a tokenizer must
be saved with ``save_pretrained`` and loaded with ``AutoTokenizer.from_pretrained(dir)`` before it is
handed to a ``HookedTransformer``: :func:`load_tokenizer` does that.
"""

from __future__ import annotations

from pathlib import Path

from . import corpus


def build_tokenizer(out_dir: str | Path) -> Path:
    """Build the word-level tokenizer from the corpus vocabulary and ``save_pretrained`` it."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(corpus.vocabulary())}
    tk = Tokenizer(models.WordLevel(vocab=vocab, unk_token=corpus.UNK))
    tk.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation(behavior="isolated")]
    )
    # WordPiece's decoder joins tokens with spaces and (cleanup) removes the space before . , ! ?
    tk.decoder = decoders.WordPiece(prefix="##", cleanup=True)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tk,
        bos_token=corpus.BOS,
        eos_token=corpus.BOS,
        pad_token=corpus.PAD,
        unk_token=corpus.UNK,
        model_max_length=1024,
        clean_up_tokenization_spaces=False,
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fast.save_pretrained(str(out_dir))
    return out_dir


def load_tokenizer(path: str | Path):
    """Load a saved tokenizer directory (offline) with ``AutoTokenizer.from_pretrained``."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(path), local_files_only=True)
