# Mistake: uses the first instance's probability for every instance.
def generate_correlated_batch(feature_probability: Tensor, batch_size: int, n_pairs: int) -> Tensor:
    """feature_probability: (n_inst,). Returns (batch_size, n_inst, 2 * n_pairs); features 2m and 2m+1 fire together."""
    n_inst = feature_probability.shape[0]
    dev = feature_probability.device
    pair_on = torch.rand(batch_size, n_inst, n_pairs, device=dev) < feature_probability[0]
    present = pair_on.repeat_interleave(2, dim=-1)
    return torch.rand(batch_size, n_inst, 2 * n_pairs, device=dev) * present
