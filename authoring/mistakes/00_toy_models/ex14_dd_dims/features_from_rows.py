# Mistake: measures the rows of W (one per hidden dimension) instead of its columns (one per feature).
def vector_dimensionality(V: Tensor, n_valid: Tensor | None = None, eps: float = 1e-8) -> Tensor:
    """V: (n_inst, n_vectors, d); n_valid: (n_inst,) or None -> D: (n_inst, n_vectors), 0 past n_valid[k]."""
    if n_valid is not None:
        n_valid = torch.as_tensor(n_valid, device=V.device)
        keep = torch.arange(V.shape[1], device=V.device)[None, :] < n_valid[:, None]
        V = V * keep.unsqueeze(-1).to(V.dtype)
    norms = V.norm(dim=-1)
    V_hat = V / norms.clamp_min(eps).unsqueeze(-1)
    overlaps = einops.einsum(V_hat, V, "inst vi d, inst vj d -> inst vi vj")
    return norms ** 2 / (overlaps ** 2).sum(-1).clamp_min(eps)


def dd_dimensionalities(model: ToyModel, data: Tensor, n_points: Tensor) -> tuple[Tensor, Tensor]:
    """-> (features: (n_inst, n_features), data points: (n_inst, T_max), 0 past n_points[k])."""
    W = model.W.detach()
    feature_dims = vector_dimensionality(W)
    hidden = einops.einsum(data, W, "point inst feat, inst hid feat -> inst point hid")
    return feature_dims, vector_dimensionality(hidden, n_points)
