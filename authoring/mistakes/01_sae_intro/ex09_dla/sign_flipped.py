# Computes logit(S) - logit(IO).
def latent_logit_diff_attribution(model, sae, tokens, io, s):
    """[batch, d_sae]: each latent's direct contribution to logit(IO) - logit(S) at the last position."""
    hook = sae.cfg.metadata.hook_name
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens, names_filter=[hook, "ln_final.hook_scale"])
        acts = sae.encode(cache[hook])[:, -1]                      # [batch, d_sae]
        w_dec = sae.W_dec - sae.W_dec.mean(-1, keepdim=True)         # [d_sae, d_model]
        directions = model.W_U[:, s] - model.W_U[:, io]              # [d_model, batch]
        scale = cache["ln_final.hook_scale"][:, -1, 0]               # [batch]
        return acts * (w_dec @ directions).T / scale[:, None]
