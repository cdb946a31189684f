# Mistake: returns the ratio of norms |h_rec| / |h| (a proxy) instead of the least-squares gamma.
def relative_reconstruction_bias(h: Tensor, h_rec: Tensor) -> Tensor:
    """h, h_rec: (batch, n_inst, d_in) -> gamma: (n_inst,) = sum_b |h_rec_b|² / sum_b (h_rec_b · h_b)."""
    num = einops.einsum(h_rec, h_rec, "batch inst d, batch inst d -> inst")
    den = einops.einsum(h_rec, h, "batch inst d, batch inst d -> inst")
    return h_rec.norm(dim=-1).sum(0) / h.norm(dim=-1).sum(0)
