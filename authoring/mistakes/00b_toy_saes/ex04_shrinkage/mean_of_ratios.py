# Mistake: averages per-example ratios instead of dividing the sums over the batch.
def relative_reconstruction_bias(h: Tensor, h_rec: Tensor) -> Tensor:
    """h, h_rec: (batch, n_inst, d_in) -> gamma: (n_inst,) = sum_b |h_rec_b|² / sum_b (h_rec_b · h_b)."""
    num = einops.einsum(h_rec, h_rec, "batch inst d, batch inst d -> inst")
    den = einops.einsum(h_rec, h, "batch inst d, batch inst d -> inst")
    return ((h_rec * h_rec).sum(-1) / (h_rec * h).sum(-1)).mean(0)
