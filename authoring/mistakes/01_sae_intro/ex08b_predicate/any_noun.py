# Over-general: any noun (every object and animal word, singular or plural), not the words the latent fires on.
def fires_on(str_tokens: list, pos: int) -> bool:
    """Does the latent fire at ``pos``? str_tokens: the window's string tokens (BOS at 0); use tokens <= pos only."""
    return str_tokens[pos].strip() in set(corpus.ANIMALS + corpus.ANIMALS_PLURAL + corpus.OBJECTS + corpus.OBJECTS_PLURAL)
