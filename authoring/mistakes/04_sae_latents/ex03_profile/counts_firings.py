# Counts how often the latent fires on each token instead of summing its activation there.
def token_profile(acts: Tensor, token_index: Tensor, n_vocab: int) -> Tensor:
    """Where each latent's activation goes, by vocabulary entry."""
    mass = torch.zeros(acts.shape[1], n_vocab, dtype=acts.dtype, device=acts.device)
    mass.index_add_(1, token_index, (acts > 0).to(acts.dtype).T)
    total = mass.sum(dim=1, keepdim=True)
    return torch.where(total > 0, mass / total.clamp_min(1e-12), torch.zeros_like(mass))
