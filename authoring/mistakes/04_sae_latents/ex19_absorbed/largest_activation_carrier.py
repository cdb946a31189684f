# Takes the most active other latent as the carrier, not the one that writes the most along the probe.
def absorbed_positions(acts: Tensor, decoder: Tensor, probe: Tensor, general: int, is_member: Tensor,
                       min_cos: float) -> Tensor:
    """acts: [n, d_sae]; decoder: [d_sae, d_model]; probe: [d_model] (unit); is_member: [n] bool. Returns [n] bool."""
    along = decoder @ probe
    cos = along / decoder.norm(dim=-1).clamp_min(1e-12)
    a = acts.clone()
    a[:, general] = -1.0
    best, carrier = a.max(dim=1)
    silent = acts[:, general] == 0
    return is_member & silent & (best * along[carrier] > 0) & (cos[carrier] >= min_cos)
