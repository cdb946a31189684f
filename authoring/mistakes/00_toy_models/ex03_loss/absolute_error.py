# Mistake: uses the absolute error instead of the squared error.
def calculate_loss(out: Tensor, batch: Tensor, importance: Tensor) -> Tensor:
    """out, batch: (batch, n_inst, n_features); importance: (n_inst, n_features). Returns a 0-d tensor."""
    error = importance * (batch - out).abs()
    return einops.reduce(error, "batch inst feat -> inst", "mean").sum()
