# Compares the carrier's raw dot product with the probe (its decoder norm included) to min_cos, not its cosine.
def absorbed_positions(acts: Tensor, decoder: Tensor, probe: Tensor, general: int, is_member: Tensor,
                       min_cos: float) -> Tensor:
    """acts: [n, d_sae]; decoder: [d_sae, d_model]; probe: [d_model] (unit); is_member: [n] bool. Returns [n] bool."""
    along = decoder @ probe
    contrib = acts * along[None, :]
    contrib[:, general] = -float("inf")
    best, carrier = contrib.max(dim=1)
    silent = acts[:, general] == 0
    return is_member & silent & (best > 0) & (along[carrier] >= min_cos)
