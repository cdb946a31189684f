# Averages one correlation per window instead of correlating over all tokens at once.
def score_explanation(backend, explanation: str, positives: list, negatives: list) -> dict:
    """{"detection": float, "simulation": float}."""
    windows = list(positives) + list(negatives)
    said = backend.detect(explanation, [toks for toks, _ in windows])
    detection = detection_score(said, [True] * len(positives) + [False] * len(negatives))
    sims = [simulation_score(list(backend.simulate(explanation, toks)), list(acts)) for toks, acts in windows]
    return {"detection": detection, "simulation": sum(sims) / len(sims)}
