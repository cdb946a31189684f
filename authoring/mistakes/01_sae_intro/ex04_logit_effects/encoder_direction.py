# Uses the latent's encoder column instead of its decoder row.
def latent_logit_effects(model, sae, latent: int, k: int = 10):
    """(top_values, top_ids, bottom_values, bottom_ids), each [k], of W_dec[latent] @ W_U."""
    with torch.no_grad():
        effects = sae.W_enc[:, latent] @ model.W_U
    top = effects.topk(k)
    bottom = effects.topk(k, largest=False)
    return top.values, top.indices, bottom.values, bottom.indices
