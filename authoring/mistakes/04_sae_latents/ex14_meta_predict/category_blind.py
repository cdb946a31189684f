# Expects meta-latents to group siblings but to cut across word categories (a shared part, never a topic).
def meta_prediction() -> dict:
    """{"siblings": ..., "category": ...}."""
    return {"siblings": "more", "category": "less"}
