# Divides by how often each token occurs (mean activation per token) instead of the latent's total activation.
def token_profile(acts: Tensor, token_index: Tensor, n_vocab: int) -> Tensor:
    """Where each latent's activation goes, by vocabulary entry."""
    mass = torch.zeros(acts.shape[1], n_vocab, dtype=acts.dtype, device=acts.device)
    mass.index_add_(1, token_index, acts.T)
    count = torch.bincount(token_index, minlength=n_vocab).to(acts.dtype)
    return mass / count.clamp_min(1)
