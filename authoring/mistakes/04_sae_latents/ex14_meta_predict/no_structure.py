# Expects the meta-latents to group latents at random: siblings and categories no different from chance.
def meta_prediction() -> dict:
    """{"siblings": ..., "category": ...}."""
    return {"siblings": "same", "category": "same"}
