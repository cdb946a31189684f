# Expects the planted frequencies to decide: frequent fruit words absorbed more than rare ones.
def absorption_prediction() -> dict:
    """{"widest_rate": float, "grows": "higher" | "lower" | "same", "frequent": "higher" | "lower" | "same"}."""
    return {"widest_rate": 0.28, "grows": "higher", "frequent": "higher"}
