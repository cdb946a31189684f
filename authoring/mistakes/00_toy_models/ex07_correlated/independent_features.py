# Mistake: switches each feature independently (no correlation within a pair).
def generate_correlated_batch(feature_probability: Tensor, batch_size: int, n_pairs: int) -> Tensor:
    """feature_probability: (n_inst,). Returns (batch_size, n_inst, 2 * n_pairs); features 2m and 2m+1 fire together."""
    n_inst = feature_probability.shape[0]
    dev = feature_probability.device
    present = torch.rand(batch_size, n_inst, 2 * n_pairs, device=dev) < feature_probability[:, None]
    return torch.rand(batch_size, n_inst, 2 * n_pairs, device=dev) * present
