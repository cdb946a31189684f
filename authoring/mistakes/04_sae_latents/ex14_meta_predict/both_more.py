# Expects meta-latents to group latents of one word category, on top of grouping siblings.
def meta_prediction() -> dict:
    """{"siblings": ..., "category": ...}."""
    return {"siblings": "more", "category": "more"}
