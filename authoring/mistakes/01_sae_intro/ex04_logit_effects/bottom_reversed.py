# Returns the bottom tokens least negative first.
def latent_logit_effects(model, sae, latent: int, k: int = 10):
    """(top_values, top_ids, bottom_values, bottom_ids), each [k], of W_dec[latent] @ W_U."""
    with torch.no_grad():
        effects = sae.W_dec[latent] @ model.W_U
    top = effects.topk(k)
    bottom = effects.topk(k, largest=False)
    return top.values, top.indices, bottom.values.flip(0), bottom.indices.flip(0)
