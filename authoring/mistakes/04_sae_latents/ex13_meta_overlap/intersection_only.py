# Counts shared meta-latents without dividing by the union.
def meta_overlap(meta_acts: Tensor, parent: Tensor) -> tuple[float, float]:
    """(siblings, others)."""
    on = (meta_acts > 0).float()
    inter = on @ on.T
    ok = parent >= 0
    upper = torch.triu(torch.ones_like(inter, dtype=torch.bool), diagonal=1) & ok[:, None] & ok[None, :]
    same = parent[:, None] == parent[None, :]
    return float(inter[upper & same].mean()), float(inter[upper & ~same].mean())
