# Reads the share of fruit words the general latent fires on (0.72) as the absorption rate.
def absorption_prediction() -> dict:
    """{"widest_rate": float, "grows": "higher" | "lower" | "same", "frequent": "higher" | "lower" | "same"}."""
    return {"widest_rate": 0.72, "grows": "higher", "frequent": "same"}
