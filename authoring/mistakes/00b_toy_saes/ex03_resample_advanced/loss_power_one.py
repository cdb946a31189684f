# Mistake: samples inputs with probability proportional to the loss instead of the squared loss.
@torch.no_grad()
def resample_advanced(sae: nn.Module, frac_active: Tensor, h: Tensor, scale: float = 0.2) -> Tensor:
    """Re-initialise dead latents toward high-loss inputs of ``h`` (batch, n_inst, d_in). Returns the dead mask."""
    dead = frac_active < 1e-8
    loss_dict, _, _, _ = sae(h)
    l_rec = loss_dict["L_reconstruction"]  # (batch, inst)
    for k in range(sae.n_inst):
        dead_k = dead[k].nonzero(as_tuple=True)[0]
        if len(dead_k) == 0:
            continue
        weights = l_rec[:, k]
        if float(weights.sum()) <= 0:
            continue
        idx = torch.multinomial(weights / weights.sum(), len(dead_k), replacement=True)
        v = h[idx, k] - sae.b_dec[k]
        v = v / v.norm(dim=-1, keepdim=True)
        live_k = ~dead[k]
        mean_norm = sae.W_enc[k][:, live_k].norm(dim=0).mean() if live_k.any() else 1.0
        sae.W_dec.data[k, dead_k, :] = v
        sae.W_enc.data[k, :, dead_k] = (v * scale * mean_norm).T
        sae.b_enc.data[k, dead_k] = 0.0
    return dead
