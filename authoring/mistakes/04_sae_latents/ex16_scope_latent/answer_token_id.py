# Returns the token id of the answer word instead of its index in KIND_NAMES.
def scope_latent(direction: Tensor, scales: list[float]) -> tuple[float, int]:
    """Patch scoping of one direction with the scale picked by self-similarity. Returns (scale, kind index)."""
    probs, self_sim = patch_scope(direction, scales)
    ok = [i for i in range(len(scales)) if float(self_sim[i]) >= SELF_SIM_TARGET]
    i = min(ok, key=lambda j: scales[j]) if ok else max(range(len(scales)), key=lambda j: scales[j])
    return float(scales[i]), int(KIND_IDS[probs[i, KIND_IDS].argmax()])
