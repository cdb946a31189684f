# Reads the best scale right but expects the self-similarity pick to do worse than the best single scale.
def scope_prediction() -> dict:
    """{"best_scale": a number from SCALES, "picked": "more" | "less" | "same"}."""
    return {"best_scale": 0.3, "picked": "less"}
