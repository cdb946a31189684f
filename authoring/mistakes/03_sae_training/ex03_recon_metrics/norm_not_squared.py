# Wrong power: averages the error's norm ‖x - x̂‖ (and the deviation's norm) instead of their squares.
def reconstruction_metrics(x, feature_acts, x_hat) -> dict:
    """x, x_hat: [..., d_in]; feature_acts: [..., d_sae]. Returns floats l0, mse, explained_variance."""
    x = x.reshape(-1, x.shape[-1]).double()
    x_hat = x_hat.reshape(-1, x_hat.shape[-1]).double()
    f = feature_acts.reshape(-1, feature_acts.shape[-1])
    l0 = (f != 0).double().sum(-1).mean()
    mse = (x - x_hat).norm(dim=-1).mean()
    var = (x - x.mean(0)).norm(dim=-1).mean()
    return {"l0": l0.item(), "mse": mse.item(), "explained_variance": (1 - mse / var).item()}
