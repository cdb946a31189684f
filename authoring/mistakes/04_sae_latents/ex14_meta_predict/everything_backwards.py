# Siblings share fewer meta-latents, and meta-latents follow word categories.
def meta_prediction() -> dict:
    """{"siblings": ..., "category": ...}."""
    return {"siblings": "fewer", "category": "more"}
