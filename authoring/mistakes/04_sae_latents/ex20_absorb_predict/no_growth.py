# Reads the rate right but thinks width does not change absorption.
def absorption_prediction() -> dict:
    """{"widest_rate": float, "grows": "higher" | "lower" | "same", "frequent": "higher" | "lower" | "same"}."""
    return {"widest_rate": 0.28, "grows": "same", "frequent": "same"}
