# Forgets dead latents: exp(0) = 1 for a row of zeros, as if it responded to one token.
def effective_tokens(profile: Tensor) -> Tensor:
    """[d_sae, n_vocab] token profile -> [d_sae]."""
    p = profile
    return (-(torch.where(p > 0, p * p.clamp_min(1e-30).log(), torch.zeros_like(p))).sum(dim=-1)).exp()
