# Gets the narrower token set right but thinks the children, being many, each fire more often.
def split_prediction() -> dict:
    """{"tokens": ..., "frequency": ...}."""
    return {"tokens": "narrower", "frequency": "more"}
