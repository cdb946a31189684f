# Computes the entropy in bits but exponentiates with e.
def effective_tokens(profile: Tensor) -> Tensor:
    """[d_sae, n_vocab] token profile -> [d_sae]."""
    p = profile
    ent = -(torch.where(p > 0, p * p.clamp_min(1e-30).log2(), torch.zeros_like(p))).sum(dim=-1)
    return torch.where(p.sum(dim=-1) > 0, ent.exp(), torch.zeros_like(ent))
