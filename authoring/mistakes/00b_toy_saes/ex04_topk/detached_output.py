# Mistake: builds the output from detached values, so no gradient reaches pre_acts.
def topk_activations(pre_acts: Tensor, k: int) -> Tensor:
    """pre_acts: (..., d_sae). Keep the k largest entries along the last axis (then ReLU), zero elsewhere."""
    values, indices = pre_acts.topk(k, dim=-1)
    return torch.zeros_like(pre_acts).scatter(-1, indices, F.relu(values).detach())
