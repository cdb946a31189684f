# Mistake: normalises the uniform values before switching features off, so the kept point is shorter than 1.
def make_dataset(feature_probability: Tensor, n_points: int, eps: float = 1e-8) -> Tensor:
    """feature_probability: (n_inst, n_features) -> (n_points, n_inst, n_features)."""
    shape = (n_points, *feature_probability.shape)
    present = torch.rand(shape, device=feature_probability.device) < feature_probability
    values = torch.rand(shape, device=feature_probability.device)
    return values / values.norm(dim=-1, keepdim=True).clamp_min(eps) * present
