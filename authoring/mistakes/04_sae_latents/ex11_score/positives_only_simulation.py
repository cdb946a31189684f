# Simulates only the positive windows, where every explanation that fires somewhere looks good.
def score_explanation(backend, explanation: str, positives: list, negatives: list) -> dict:
    """{"detection": float, "simulation": float}."""
    windows = list(positives) + list(negatives)
    said = backend.detect(explanation, [toks for toks, _ in windows])
    detection = detection_score(said, [True] * len(positives) + [False] * len(negatives))
    guessed, actual = [], []
    for toks, acts in positives:
        guessed += list(backend.simulate(explanation, toks))
        actual += list(acts)
    return {"detection": detection, "simulation": simulation_score(guessed, actual)}
