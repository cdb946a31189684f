# Returns the covariance, not normalised by the two standard deviations.
def simulation_score(predicted: list[float], actual: list[float]) -> float:
    """Pearson correlation."""
    p = torch.tensor(predicted, dtype=torch.float64)
    a = torch.tensor(actual, dtype=torch.float64)
    return float(((p - p.mean()) * (a - a.mean())).mean().item())
