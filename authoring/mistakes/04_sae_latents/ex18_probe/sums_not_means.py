# Subtracts the sums instead of the means: with fewer members than others the bigger group wins.
def probe_direction(resid: Tensor, is_member: Tensor) -> Tensor:
    """resid: [n, d_model]; is_member: [n] bool. Returns the unit vector mean(members) - mean(others), [d_model]."""
    diff = resid[is_member].sum(dim=0) - resid[~is_member].sum(dim=0)
    return diff / diff.norm()
