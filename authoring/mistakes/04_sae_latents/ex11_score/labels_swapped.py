# Lists the negative windows first but keeps the positives' labels first.
def score_explanation(backend, explanation: str, positives: list, negatives: list) -> dict:
    """{"detection": float, "simulation": float}."""
    windows = list(negatives) + list(positives)
    said = backend.detect(explanation, [toks for toks, _ in windows])
    detection = detection_score(said, [True] * len(positives) + [False] * len(negatives))
    guessed, actual = [], []
    for toks, acts in windows:
        guessed += list(backend.simulate(explanation, toks))
        actual += list(acts)
    return {"detection": detection, "simulation": simulation_score(guessed, actual)}
