# Mistake: calls a neuron polysemantic only when it carries more than two features.
def neuron_feature_counts(W: Tensor, threshold: float = 0.3) -> Tensor:
    """W: (n_inst, d_hidden, n_features) -> (n_inst, d_hidden) number of features i with W[k, n, i] > threshold."""
    return (W > threshold).sum(-1)


def fraction_polysemantic(W: Tensor, threshold: float = 0.3) -> Tensor:
    """W: (n_inst, d_hidden, n_features) -> (n_inst,): among neurons carrying >= 1 feature, the share carrying >= 2."""
    counts = neuron_feature_counts(W, threshold)
    carrying = (counts >= 1).sum(-1)
    poly = (counts > 2).sum(-1)
    return poly.float() / carrying.clamp_min(1).float()
