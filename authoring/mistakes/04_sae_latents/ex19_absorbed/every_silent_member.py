# Counts every member position where the general latent is silent, without asking who carries the probe there.
def absorbed_positions(acts: Tensor, decoder: Tensor, probe: Tensor, general: int, is_member: Tensor,
                       min_cos: float) -> Tensor:
    """acts: [n, d_sae]; decoder: [d_sae, d_model]; probe: [d_model] (unit); is_member: [n] bool. Returns [n] bool."""
    return is_member & (acts[:, general] == 0)
