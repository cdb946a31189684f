# The true positive rate alone: saying "yes" to everything scores 1.
def detection_score(predicted: list[bool], truth: list[bool]) -> float:
    """Balanced accuracy."""
    pos = [bool(p) for p, t in zip(predicted, truth) if t]
    return float(sum(pos) / len(pos)) if pos else 0.0
