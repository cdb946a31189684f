# Centres the decoder rows in place (sae.W_dec.data -= mean): right numbers, changed SAE.
def latent_logit_diff_attribution(model, sae, tokens, io, s):
    """[batch, d_sae]: each latent's direct contribution to logit(IO) - logit(S) at the last position."""
    hook = sae.cfg.metadata.hook_name
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens, names_filter=[hook, "ln_final.hook_scale"])
        acts = sae.encode(cache[hook])[:, -1]                      # [batch, d_sae]
        w_dec = sae.W_dec.data
        w_dec -= w_dec.mean(-1, keepdim=True)
        directions = model.W_U[:, io] - model.W_U[:, s]              # [d_model, batch]
        scale = cache["ln_final.hook_scale"][:, -1, 0]               # [batch]
        return acts * (w_dec @ directions).T / scale[:, None]
