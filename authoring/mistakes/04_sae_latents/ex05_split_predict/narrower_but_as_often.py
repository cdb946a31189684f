# Gets the narrower token set right but thinks each child still fires as often as its parent.
def split_prediction() -> dict:
    """{"tokens": ..., "frequency": ...}."""
    return {"tokens": "narrower", "frequency": "same"}
