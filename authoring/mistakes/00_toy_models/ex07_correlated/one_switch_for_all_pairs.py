# Mistake: uses one switch per example for all pairs, so different pairs are correlated too.
def generate_correlated_batch(feature_probability: Tensor, batch_size: int, n_pairs: int) -> Tensor:
    """feature_probability: (n_inst,). Returns (batch_size, n_inst, 2 * n_pairs); features 2m and 2m+1 fire together."""
    n_inst = feature_probability.shape[0]
    dev = feature_probability.device
    pair_on = torch.rand(batch_size, n_inst, 1, device=dev).expand(-1, -1, n_pairs) < feature_probability[:, None]
    present = pair_on.repeat_interleave(2, dim=-1)
    return torch.rand(batch_size, n_inst, 2 * n_pairs, device=dev) * present
