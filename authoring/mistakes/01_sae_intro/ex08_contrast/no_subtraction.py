# Ranks latents by how much they fire on prompts_a alone, forgetting to subtract prompts_b (a latent that barely separates the sets).
def max_latent_acts(model, sae, prompts: list):
    """[n_prompts, d_sae]: each latent's largest activation over the positions of each prompt (BOS excluded)."""
    hook = sae.cfg.metadata.hook_name
    toks = model.to_tokens(prompts)
    with torch.no_grad():
        _, cache = model.run_with_cache(toks, names_filter=hook)
        acts = sae.encode(cache[hook])[:, 1:]
    return acts.max(dim=1).values


def contrast_latents(model, sae, prompts_a: list, prompts_b: list, k: int = 10):
    """(ids [k], scores [k]) of the latents that fire more on prompts_a than on prompts_b, best first."""
    score = max_latent_acts(model, sae, prompts_a).mean(0)
    top = score.topk(k)
    return top.indices, top.values
