# Averages precision and recall instead of the two classes' rates.
def detection_score(predicted: list[bool], truth: list[bool]) -> float:
    """Balanced accuracy."""
    tp = sum(1 for p, t in zip(predicted, truth) if p and t)
    n_pred, n_true = sum(bool(p) for p in predicted), sum(bool(t) for t in truth)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_true if n_true else 0.0
    return float((precision + recall) / 2)
