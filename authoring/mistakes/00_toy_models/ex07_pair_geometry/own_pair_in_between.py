# Mistake: lets between look at the pair's own other feature (only the feature itself is left out), so a merged or antipodal pair always reads between = 1.
def pair_geometry(W: Tensor, eps: float = 1e-8) -> tuple[Tensor, Tensor]:
    """W: (n_inst, d_hidden, 2 * n_pairs), n_pairs >= 2; pair m is features (2m, 2m+1)."""
    W_hat = W / W.norm(dim=1, keepdim=True).clamp_min(eps)
    cos = einops.einsum(W_hat, W_hat, "inst hid fi, inst hid fj -> inst fi fj")
    within = torch.diagonal(cos[:, 0::2, 1::2], dim1=-2, dim2=-1)
    not_self = ~torch.eye(W.shape[-1], dtype=torch.bool, device=W.device)
    across = (cos.abs() * not_self).amax(-1)
    between = across.view(*across.shape[:-1], -1, 2).amax(-1)
    return within, between
