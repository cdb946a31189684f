# Counts the tokens with any mass at all: a latent with 99% on one token and 1% spread counts as broad.
def effective_tokens(profile: Tensor) -> Tensor:
    """[d_sae, n_vocab] token profile -> [d_sae]."""
    return (profile > 0).sum(dim=-1).to(profile.dtype)
