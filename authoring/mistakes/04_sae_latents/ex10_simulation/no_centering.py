# Cosine similarity of the raw lists: forgets to subtract the means.
def simulation_score(predicted: list[float], actual: list[float]) -> float:
    """Pearson correlation."""
    p = torch.tensor(predicted, dtype=torch.float64)
    a = torch.tensor(actual, dtype=torch.float64)
    den = (p.norm() * a.norm()).item()
    return float((p @ a).item() / den) if den > 1e-12 else 0.0
