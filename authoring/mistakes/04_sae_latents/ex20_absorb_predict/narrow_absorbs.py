# Thinks a narrow SAE, short of latents, must absorb more than a wide one.
def absorption_prediction() -> dict:
    """{"widest_rate": float, "grows": "higher" | "lower" | "same", "frequent": "higher" | "lower" | "same"}."""
    return {"widest_rate": 0.0, "grows": "lower", "frequent": "higher"}
