# A rule copied from the single top word: high precision, little recall.
def fires_on(str_tokens: list, pos: int) -> bool:
    """Does the latent fire at ``pos``? str_tokens: the window's string tokens (BOS at 0); use tokens <= pos only."""
    return str_tokens[pos] == max(interp_word_rates, key=lambda w: interp_word_rates[w][0] * interp_word_rates[w][1])
