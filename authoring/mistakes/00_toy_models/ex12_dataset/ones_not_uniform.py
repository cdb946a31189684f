# Mistake: present features all get the value 1 before scaling (no uniform draw), so every point is 1/sqrt(count) per feature.
def make_dataset(feature_probability: Tensor, n_points: int, eps: float = 1e-8) -> Tensor:
    """feature_probability: (n_inst, n_features) -> (n_points, n_inst, n_features)."""
    shape = (n_points, *feature_probability.shape)
    points = (torch.rand(shape, device=feature_probability.device) < feature_probability).float()
    return points / points.norm(dim=-1, keepdim=True).clamp_min(eps)
