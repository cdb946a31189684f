# Subtracts the wrong way round: mean(others) - mean(members), so members lie lower along the probe.
def probe_direction(resid: Tensor, is_member: Tensor) -> Tensor:
    """resid: [n, d_model]; is_member: [n] bool. Returns the unit vector mean(members) - mean(others), [d_model]."""
    diff = resid[~is_member].mean(dim=0) - resid[is_member].mean(dim=0)
    return diff / diff.norm()
