# Mistake: seeds a fresh generator inside the function, so every call returns the same batch.
def generate_batch(feature_probability: Tensor, batch_size: int) -> Tensor:
    """feature_probability: (n_inst, n_features), entries in [0, 1].

    Returns (batch_size, n_inst, n_features): each entry is present with its probability, present entries are
    uniform on [0, 1), absent ones are 0.
    """
    g = torch.Generator(device=feature_probability.device).manual_seed(0)
    shape = (batch_size, *feature_probability.shape)
    present = torch.rand(shape, generator=g, device=feature_probability.device) < feature_probability
    values = torch.rand(shape, generator=g, device=feature_probability.device)
    return values * present
