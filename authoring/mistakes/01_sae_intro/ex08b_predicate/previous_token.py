# Looks at the previous token instead of the current one.
def fires_on(str_tokens: list, pos: int) -> bool:
    """Does the latent fire at ``pos``? str_tokens: the window's string tokens (BOS at 0); use tokens <= pos only."""
    return pos > 0 and str_tokens[pos - 1] in {word for word, (rate, _) in interp_word_rates.items() if rate >= 0.5}
