# Picks the scale with the highest self-similarity (in practice the largest one) instead of the smallest that reaches the target.
def scope_latent(direction: Tensor, scales: list[float]) -> tuple[float, int]:
    """Patch scoping of one direction with the scale picked by self-similarity. Returns (scale, kind index)."""
    probs, self_sim = patch_scope(direction, scales)
    i = int(self_sim.argmax())
    return float(scales[i]), int(probs[i, KIND_IDS].argmax())
