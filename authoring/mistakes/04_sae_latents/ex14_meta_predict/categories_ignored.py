# Gets the siblings right but expects the meta-latents to cut across word categories.
def meta_prediction() -> dict:
    """{"siblings": ..., "category": ...}."""
    return {"siblings": "more", "category": "same"}
