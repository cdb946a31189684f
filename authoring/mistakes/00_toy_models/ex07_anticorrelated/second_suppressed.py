# Mistake: draws both features with probability p and drops the second when both fire.
def generate_anticorrelated_batch(feature_probability: Tensor, batch_size: int, n_pairs: int) -> Tensor:
    """feature_probability: (n_inst,), entries <= 0.5. Returns (batch_size, n_inst, 2 * n_pairs); never both of a pair."""
    n_inst = feature_probability.shape[0]
    dev = feature_probability.device
    first = torch.rand(batch_size, n_inst, n_pairs, device=dev) < feature_probability[:, None]
    second = torch.rand(batch_size, n_inst, n_pairs, device=dev) < feature_probability[:, None]
    present = torch.stack([first, second & ~first], dim=-1).flatten(-2)
    return torch.rand(batch_size, n_inst, 2 * n_pairs, device=dev) * present
