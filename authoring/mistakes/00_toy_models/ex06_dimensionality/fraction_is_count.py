# Mistake: returns the number of represented features instead of the fraction.
def feature_dimensionality(W: Tensor, eps: float = 1e-8) -> Tensor:
    """W: (n_inst, d_hidden, n_features) -> D: (n_inst, n_features)."""
    norms = W.norm(dim=1)  # (inst, feat)
    W_hat = W / norms.clamp_min(eps).unsqueeze(1)
    overlaps = einops.einsum(W_hat, W, "inst hid fi, inst hid fj -> inst fi fj")
    return norms ** 2 / (overlaps ** 2).sum(-1).clamp_min(eps)


def fraction_represented(W: Tensor, threshold: float = 0.5) -> Tensor:
    """W: (n_inst, d_hidden, n_features) -> (n_inst,): fraction of features whose norm exceeds ``threshold``."""
    return (W.norm(dim=1) > threshold).float().sum(-1)


def dimensions_per_feature(W: Tensor) -> Tensor:
    """W: (n_inst, d_hidden, n_features) -> (n_inst,): d_hidden / ||W||_F²."""
    return W.shape[1] / (W ** 2).sum(dim=(1, 2))
