# Returns the difference of means without scaling it to unit length.
def probe_direction(resid: Tensor, is_member: Tensor) -> Tensor:
    """resid: [n, d_model]; is_member: [n] bool. Returns the unit vector mean(members) - mean(others), [d_model]."""
    return resid[is_member].mean(dim=0) - resid[~is_member].mean(dim=0)
