# Reads the first S position for s2.
def attn_latent_dla(model, attn_sae, layer: int, tokens, io, s):
    """[batch, d_sae]: direct attribution of attention-SAE latents to logit(IO) - logit(S) at the last position."""
    hook = attn_sae.cfg.metadata.hook_name
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens, names_filter=[hook, "ln_final.hook_scale"])
        acts = attn_sae.encode(cache[hook])[:, -1]                                       # [batch, d_sae]
        w_dec = attn_sae.W_dec.reshape(attn_sae.cfg.d_sae, model.cfg.n_heads, model.cfg.d_head)
        out_dirs = einops.einsum(w_dec, model.W_O[layer], "l h d, h d m -> l m")        # [d_sae, d_model]
        out_dirs = out_dirs - out_dirs.mean(-1, keepdim=True)
        directions = model.W_U[:, io] - model.W_U[:, s]                                 # [d_model, batch]
        scale = cache["ln_final.hook_scale"][:, -1, 0]
        return acts * (out_dirs @ directions).T / scale[:, None]


def last_position_attribution(model, attn_sae, tokens, metric):
    """[batch, d_sae]: act * d metric / d act at the last position (SAE spliced in with its error term)."""
    hook = f"{attn_sae.cfg.metadata.hook_name}.hook_sae_acts_post"
    store = {}

    def keep(act, hook):
        act = act.detach().requires_grad_(True)
        store["acts"] = act
        return act

    model.add_sae(attn_sae, use_error_term=True)
    try:
        with torch.enable_grad():
            logits = model.run_with_hooks(tokens, fwd_hooks=[(hook, keep)])
            grad, = torch.autograd.grad(metric(logits), store["acts"])
    finally:
        model.reset_saes()
    return (store["acts"][:, -1] * grad[:, -1]).detach()


def top_ioi_latents(attr, k: int = 5):
    """[k] latent ids with the largest mean attribution over the batch, best first."""
    return attr.mean(0).topk(k).indices


def ioi_latent_sources(model, attn_sae, layer: int, batch: dict, latents) -> dict:
    """{"head", "io", "s1", "s2"}: tensors [len(latents)] (see the text above)."""
    shares = head_attribution(attn_sae, model.cfg.n_heads)
    rows = torch.arange(len(batch["tokens"]), device=batch["tokens"].device)
    out = {"head": [], "io": [], "s1": [], "s2": []}
    for latent in latents:
        latent = int(latent)
        dfa = dfa_by_source(model, attn_sae, layer, batch["tokens"], latent, dest=-1).sum(1)   # [batch, src]
        out["head"].append(int(shares[latent].argmax()))
        for key, pos in [("io", "io_pos"), ("s1", "s1_pos"), ("s2", "s1_pos")]:
            out[key].append(dfa[rows, batch[pos]].mean().item())
    return {"head": torch.tensor(out["head"]), "io": torch.tensor(out["io"]), "s1": torch.tensor(out["s1"]),
            "s2": torch.tensor(out["s2"])}


def ablated_logit_diff(model, attn_sae, tokens, metric, latents):
    """(clean, ablated): the metric with the SAE + error term, before and after zeroing ``latents``."""
    hook = f"{attn_sae.cfg.metadata.hook_name}.hook_sae_acts_post"
    idx = torch.as_tensor(latents, dtype=torch.long)

    def ablate(act, hook):
        act = act.clone()
        act[..., idx] = 0.0
        return act

    model.add_sae(attn_sae, use_error_term=True)
    try:
        with torch.no_grad():
            clean = metric(model(tokens)).item()
            ablated = metric(model.run_with_hooks(tokens, fwd_hooks=[(hook, ablate)])).item()
    finally:
        model.reset_saes()
    return clean, ablated
