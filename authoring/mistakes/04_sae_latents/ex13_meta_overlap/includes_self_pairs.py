# Counts each latent paired with itself (i == j) among the siblings.
def meta_overlap(meta_acts: Tensor, parent: Tensor) -> tuple[float, float]:
    """(siblings, others)."""
    on = (meta_acts > 0).float()
    inter = on @ on.T
    size = on.sum(1)
    union = size[:, None] + size[None, :] - inter
    jac = torch.where(union > 0, inter / union.clamp_min(1), torch.zeros_like(inter))
    ok = parent >= 0
    upper = torch.triu(torch.ones_like(jac, dtype=torch.bool), diagonal=0) & ok[:, None] & ok[None, :]
    same = parent[:, None] == parent[None, :]
    return float(jac[upper & same].mean()), float(jac[upper & ~same].mean())
