# Expects a child to be a copy of its parent: same tokens, same frequency.
def split_prediction() -> dict:
    """{"tokens": ..., "frequency": ...}."""
    return {"tokens": "same", "frequency": "same"}
