# Compares the meta-latent activations by cosine similarity instead of the Jaccard similarity of the active sets.
def meta_overlap(meta_acts: Tensor, parent: Tensor) -> tuple[float, float]:
    """(siblings, others)."""
    unit = meta_acts / meta_acts.norm(dim=1, keepdim=True).clamp_min(1e-9)
    sim = unit @ unit.T
    ok = parent >= 0
    upper = torch.triu(torch.ones_like(sim, dtype=torch.bool), diagonal=1) & ok[:, None] & ok[None, :]
    same = parent[:, None] == parent[None, :]
    return float(sim[upper & same].mean()), float(sim[upper & ~same].mean())
