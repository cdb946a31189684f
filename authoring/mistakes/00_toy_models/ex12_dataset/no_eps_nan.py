# Mistake: divides by the norm without the eps floor, so a point with no feature present becomes NaN (0 / 0).
def make_dataset(feature_probability: Tensor, n_points: int, eps: float = 1e-8) -> Tensor:
    """feature_probability: (n_inst, n_features) -> (n_points, n_inst, n_features)."""
    shape = (n_points, *feature_probability.shape)
    present = torch.rand(shape, device=feature_probability.device) < feature_probability
    points = torch.rand(shape, device=feature_probability.device) * present
    return points / points.norm(dim=-1, keepdim=True)
