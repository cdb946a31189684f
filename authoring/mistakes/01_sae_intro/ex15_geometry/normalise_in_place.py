# Normalises the decoder rows in place (W_dec.detach() shares its storage): right cosines, broken SAE.
def nearest_latents(sae, latent: int, k: int = 5):
    """(ids [k], cos [k]) of the other latents most similar to ``latent`` (decoder cosine similarity)."""
    w = sae.W_dec.detach()
    w /= w.norm(dim=-1, keepdim=True)
    sims = w @ w[latent]
    sims[latent] = -float("inf")
    top = sims.topk(k)
    return top.indices, top.values


def best_matches(sae_a, sae_b, latents):
    """(ids [n], cos [n]): for each latent of sae_a, the most similar decoder direction of sae_b."""
    wa = torch.nn.functional.normalize(sae_a.W_dec.detach()[torch.as_tensor(latents, dtype=torch.long)], dim=-1)
    wb = torch.nn.functional.normalize(sae_b.W_dec.detach(), dim=-1)
    best = (wa @ wb.T).max(dim=-1)
    return best.indices, best.values
