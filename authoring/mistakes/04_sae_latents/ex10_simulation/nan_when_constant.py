# Correct correlation, but NaN (not 0) when a list is constant.
def simulation_score(predicted: list[float], actual: list[float]) -> float:
    """Pearson correlation."""
    p = torch.tensor(predicted, dtype=torch.float64)
    a = torch.tensor(actual, dtype=torch.float64)
    return float(torch.corrcoef(torch.stack([p, a]))[0, 1].item())
