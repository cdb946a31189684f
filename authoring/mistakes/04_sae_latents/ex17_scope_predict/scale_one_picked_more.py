# Takes scale 1 (one typical residual norm) as the natural best and expects the per-latent pick to beat it.
def scope_prediction() -> dict:
    """{"best_scale": a number from SCALES, "picked": "more" | "less" | "same"}."""
    return {"best_scale": 1.0, "picked": "more"}
