"""The zoo's build pipeline (``make zoo`` = ``python -m sae_course.zoo.build``), apart from its runtime.

corpus -> tokenizer -> LM (:mod:`.train_lm`) -> SAEs + transcoders (:mod:`.train_saes`) ->
evaluation (:mod:`.evaluate`) -> model card (``docs/zoo.md``); see ``__main__.py``. Notebooks and
the grader never import this package: they use the runtime (``sae_course.zoo``: the loader, the
data helpers, the corpus and tokenizer the weights were built from).
"""
