# Gets the frequency right but thinks a rarer latent must cover more kinds of token.
def split_prediction() -> dict:
    """{"tokens": ..., "frequency": ...}."""
    return {"tokens": "broader", "frequency": "less"}
