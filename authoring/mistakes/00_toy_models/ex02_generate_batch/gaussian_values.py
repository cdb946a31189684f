# Mistake: draws the values from a standard normal instead of uniform [0, 1).
def generate_batch(feature_probability: Tensor, batch_size: int) -> Tensor:
    """feature_probability: (n_inst, n_features), entries in [0, 1].

    Returns (batch_size, n_inst, n_features): each entry is present with its probability, present entries are
    uniform on [0, 1), absent ones are 0.
    """
    shape = (batch_size, *feature_probability.shape)
    present = torch.rand(shape, device=feature_probability.device) < feature_probability
    values = torch.randn(shape, device=feature_probability.device)
    return values * present
