# Checks shrinkage before dead latents and sparsity.
def diagnose_run(history: dict) -> str:
    """One of "dead_latents", "too_sparse", "shrinkage", "healthy" for a logged run (a dict of lists)."""
    n = max(1, len(history["l0"]) // 4)

    def end(key):
        vals = history[key][-n:]
        return sum(vals) / len(vals)

    if end("l2_ratio") < 0.8:
        return "shrinkage"
    if end("dead_frac") > 0.3:
        return "dead_latents"
    if end("l0") < 2 and end("explained_variance") < 0.6:
        return "too_sparse"
    return "healthy"
