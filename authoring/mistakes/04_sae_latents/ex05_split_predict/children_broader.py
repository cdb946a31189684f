# Thinks a wider SAE's latents are more general than the narrow ones, and fire more.
def split_prediction() -> dict:
    """{"tokens": ..., "frequency": ...}."""
    return {"tokens": "broader", "frequency": "more"}
