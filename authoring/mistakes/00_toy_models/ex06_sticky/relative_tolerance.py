# Mistake: uses a relative window |D - v| <= tol * v instead of the absolute one.
def sticky_shares(D: Tensor, values=STICKY_VALUES, tol: float = 0.03, min_dim: float = 0.1) -> Tensor:
    """D: (n_inst, n_features) -> (n_inst, len(values))."""
    v = torch.as_tensor(values, dtype=D.dtype, device=D.device)
    dist = (D.unsqueeze(-1) - v).abs()
    represented = D > min_dim
    on_sticky = ((dist / v).amin(-1) <= tol) & represented
    counts = (F.one_hot((dist / v).argmin(-1), len(values)) * on_sticky.unsqueeze(-1)).sum(1)
    return counts.float() / represented.sum(-1, keepdim=True).clamp_min(1).float()
