# Thinks siblings must differ (they split apart), so they share fewer meta-latents.
def meta_prediction() -> dict:
    """{"siblings": ..., "category": ...}."""
    return {"siblings": "fewer", "category": "less"}
