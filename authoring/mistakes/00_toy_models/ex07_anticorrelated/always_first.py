# Mistake: always picks the first feature of an active pair.
def generate_anticorrelated_batch(feature_probability: Tensor, batch_size: int, n_pairs: int) -> Tensor:
    """feature_probability: (n_inst,), entries <= 0.5. Returns (batch_size, n_inst, 2 * n_pairs); never both of a pair."""
    n_inst = feature_probability.shape[0]
    dev = feature_probability.device
    pair_on = torch.rand(batch_size, n_inst, n_pairs, device=dev) < 2 * feature_probability[:, None]
    first = torch.ones(batch_size, n_inst, n_pairs, dtype=torch.bool, device=dev)
    present = torch.stack([pair_on & first, pair_on & ~first], dim=-1).flatten(-2)
    return torch.rand(batch_size, n_inst, 2 * n_pairs, device=dev) * present
