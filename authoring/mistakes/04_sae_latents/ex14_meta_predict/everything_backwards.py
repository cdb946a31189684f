# Siblings share fewer meta-latents, and meta-latents ignore word categories: both backwards.
def meta_prediction() -> dict:
    """{"siblings": ..., "category": ...}."""
    return {"siblings": "fewer", "category": "less"}
