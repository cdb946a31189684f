# Mistake: ranks the pre-activations by absolute value.
def topk_activations(pre_acts: Tensor, k: int) -> Tensor:
    """pre_acts: (..., d_sae). Keep the k largest entries along the last axis (then ReLU), zero elsewhere."""
    indices = pre_acts.abs().topk(k, dim=-1).indices
    values = pre_acts.gather(-1, indices)
    return torch.zeros_like(pre_acts).scatter(-1, indices, F.relu(values))
