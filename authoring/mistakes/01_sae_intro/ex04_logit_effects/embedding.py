# Goes through the embedding matrix instead of the unembedding.
def latent_logit_effects(model, sae, latent: int, k: int = 10):
    """(top_values, top_ids, bottom_values, bottom_ids), each [k], of W_dec[latent] @ W_U."""
    with torch.no_grad():
        effects = sae.W_dec[latent] @ model.W_E.T
    top = effects.topk(k)
    bottom = effects.topk(k, largest=False)
    return top.values, top.indices, bottom.values, bottom.indices
