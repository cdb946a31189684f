# Thinks siblings must differ (they split apart), so they share fewer meta-latents; gets the categories right.
def meta_prediction() -> dict:
    """{"siblings": ..., "category": ...}."""
    return {"siblings": "fewer", "category": "more"}
