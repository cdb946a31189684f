# Forgets is_member: positions of other categories where the general latent is (rightly) silent count as absorbed.
def absorbed_positions(acts: Tensor, decoder: Tensor, probe: Tensor, general: int, is_member: Tensor,
                       min_cos: float) -> Tensor:
    """acts: [n, d_sae]; decoder: [d_sae, d_model]; probe: [d_model] (unit); is_member: [n] bool. Returns [n] bool."""
    along = decoder @ probe
    cos = along / decoder.norm(dim=-1).clamp_min(1e-12)
    contrib = acts * along[None, :]
    contrib[:, general] = -float("inf")
    best, carrier = contrib.max(dim=1)
    return (acts[:, general] == 0) & (best > 0) & (cos[carrier] >= min_cos)
