# Reads the first point of the curve as the best: thinks patching only disturbs the model.
def scope_prediction() -> dict:
    """{"best_scale": a number from SCALES, "picked": "more" | "less" | "same"}."""
    return {"best_scale": 0.0, "picked": "less"}
