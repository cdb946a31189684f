# Returns the entropy itself, not its exponential.
def effective_tokens(profile: Tensor) -> Tensor:
    """[d_sae, n_vocab] token profile -> [d_sae]."""
    p = profile
    return -(torch.where(p > 0, p * p.clamp_min(1e-30).log(), torch.zeros_like(p))).sum(dim=-1)
