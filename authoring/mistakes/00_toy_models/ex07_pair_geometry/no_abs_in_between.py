# Mistake: takes the largest signed cosine to another pair instead of the largest |cos|, so a pair antipodal to another reads as not overlapping.
def pair_geometry(W: Tensor, eps: float = 1e-8) -> tuple[Tensor, Tensor]:
    """W: (n_inst, d_hidden, 2 * n_pairs), n_pairs >= 2; pair m is features (2m, 2m+1)."""
    W_hat = W / W.norm(dim=1, keepdim=True).clamp_min(eps)
    cos = einops.einsum(W_hat, W_hat, "inst hid fi, inst hid fj -> inst fi fj")
    within = torch.diagonal(cos[:, 0::2, 1::2], dim1=-2, dim2=-1)
    pair = torch.arange(W.shape[-1], device=W.device) // 2
    other_pair = pair[:, None] != pair[None, :]
    across = cos.masked_fill(~other_pair, -2.0).amax(-1)
    between = across.view(*across.shape[:-1], -1, 2).amax(-1)
    return within, between
