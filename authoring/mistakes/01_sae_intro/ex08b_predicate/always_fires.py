# A vague rule: says the latent fires everywhere (recall 1, precision at the latent's density).
def fires_on(str_tokens: list, pos: int) -> bool:
    """Does the latent fire at ``pos``? str_tokens: the window's string tokens (BOS at 0); use tokens <= pos only."""
    return True
