# Mistake: averages over instances instead of summing.
def calculate_loss(out: Tensor, batch: Tensor, importance: Tensor) -> Tensor:
    """out, batch: (batch, n_inst, n_features); importance: (n_inst, n_features). Returns a 0-d tensor."""
    error = importance * (batch - out) ** 2
    return einops.reduce(error, "batch inst feat -> inst", "mean").mean()
