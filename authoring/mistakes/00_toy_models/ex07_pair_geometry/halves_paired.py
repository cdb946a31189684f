# Mistake: pairs feature m with feature m + n_pairs (the two halves) instead of the neighbours (2m, 2m+1).
def pair_geometry(W: Tensor, eps: float = 1e-8) -> tuple[Tensor, Tensor]:
    """W: (n_inst, d_hidden, 2 * n_pairs), n_pairs >= 2; pair m is features (2m, 2m+1)."""
    W_hat = W / W.norm(dim=1, keepdim=True).clamp_min(eps)
    cos = einops.einsum(W_hat, W_hat, "inst hid fi, inst hid fj -> inst fi fj")
    n_pairs = W.shape[-1] // 2
    within = torch.diagonal(cos[:, :n_pairs, n_pairs:], dim1=-2, dim2=-1)
    pair = torch.arange(W.shape[-1], device=W.device) % n_pairs
    other_pair = pair[:, None] != pair[None, :]
    across = (cos.abs() * other_pair).amax(-1)
    between = torch.maximum(across[..., :n_pairs], across[..., n_pairs:])
    return within, between
