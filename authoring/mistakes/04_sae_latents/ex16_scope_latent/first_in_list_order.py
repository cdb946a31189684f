# Takes the first scale in the list that reaches the target, as if the scales were always sorted.
def scope_latent(direction: Tensor, scales: list[float]) -> tuple[float, int]:
    """Patch scoping of one direction with the scale picked by self-similarity. Returns (scale, kind index)."""
    probs, self_sim = patch_scope(direction, scales)
    reached = (self_sim >= SELF_SIM_TARGET).nonzero().flatten()
    i = int(reached[0]) if len(reached) else len(scales) - 1
    return float(scales[i]), int(probs[i, KIND_IDS].argmax())
