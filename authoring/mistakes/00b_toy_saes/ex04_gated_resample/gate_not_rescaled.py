# Mistake: sets the gate column to the unit direction v, without scale and the live latents' mean norm.
@torch.no_grad()
def resample_gated(sae: nn.Module, frac_active: Tensor, h: Tensor, scale: float = 0.2) -> Tensor:
    """Re-initialise the dead latents of a GatedToySAE toward high-loss inputs. Returns the dead mask (n_inst, d_sae).

    frac_active: (n_inst, d_sae), dead where < 1e-8. h: (batch, n_inst, d_in).
    Per dead latent (k, j): W_dec[k, j, :] (d_in,), W_gate[k, :, j] (d_in,), r_mag[k, j], b_gate[k, j], b_mag[k, j].
    """
    dead = frac_active < 1e-8
    l_rec = sae(h)[0]["L_reconstruction"]  # (batch, inst)
    for k in range(sae.n_inst):
        dead_k = dead[k].nonzero(as_tuple=True)[0]
        if len(dead_k) == 0:
            continue
        weights = l_rec[:, k] ** 2
        if float(weights.sum()) <= 0:
            continue
        idx = torch.multinomial(weights / weights.sum(), len(dead_k), replacement=True)
        v = h[idx, k] - sae.b_dec[k]
        v = v / v.norm(dim=-1, keepdim=True)
        live_k = ~dead[k]
        mean_norm = sae.W_gate[k][:, live_k].norm(dim=0).mean() if live_k.any() else 1.0
        sae.W_dec.data[k, dead_k, :] = v
        sae.W_gate.data[k, :, dead_k] = v.T
        sae.r_mag.data[k, dead_k] = 0.0
        sae.b_gate.data[k, dead_k] = 0.0
        sae.b_mag.data[k, dead_k] = 0.0
    return dead
