# Mistake: inverts the ratio (h_rec·h over |h_rec|²), i.e. returns 1/gamma.
def relative_reconstruction_bias(h: Tensor, h_rec: Tensor) -> Tensor:
    """h, h_rec: (batch, n_inst, d_in) -> gamma: (n_inst,) = sum_b |h_rec_b|² / sum_b (h_rec_b · h_b)."""
    num = einops.einsum(h_rec, h_rec, "batch inst d, batch inst d -> inst")
    den = einops.einsum(h_rec, h, "batch inst d, batch inst d -> inst")
    return den / num
