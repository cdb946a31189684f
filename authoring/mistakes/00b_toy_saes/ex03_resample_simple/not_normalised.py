# Mistake: forgets to scale the random direction to unit norm.
@torch.no_grad()
def resample_simple(sae: nn.Module, frac_active: Tensor, h: Tensor) -> Tensor:
    """Re-initialise dead latents with random unit directions. h is unused here. Returns the dead mask (n_inst, d_sae)."""
    dead = frac_active < 1e-8
    n_dead = int(dead.sum())
    if n_dead == 0:
        return dead
    v = torch.randn(n_dead, sae.d_in, device=sae.W_dec.device)
    inst_idx, lat_idx = dead.nonzero(as_tuple=True)
    sae.W_dec.data[inst_idx, lat_idx, :] = v
    sae.W_enc.data[inst_idx, :, lat_idx] = v
    sae.b_enc.data[inst_idx, lat_idx] = 0.0
    return dead
