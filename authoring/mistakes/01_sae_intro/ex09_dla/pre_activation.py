# Uses the encoder's linear output (no b_dec, no ReLU) as the activation.
def latent_logit_diff_attribution(model, sae, tokens, io, s):
    """[batch, d_sae]: each latent's direct contribution to logit(IO) - logit(S) at the last position."""
    hook = sae.cfg.metadata.hook_name
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens, names_filter=[hook, "ln_final.hook_scale"])
        acts = (cache[hook] @ sae.W_enc + sae.b_enc)[:, -1]                      # [batch, d_sae]
        w_dec = sae.W_dec - sae.W_dec.mean(-1, keepdim=True)         # [d_sae, d_model]
        directions = model.W_U[:, io] - model.W_U[:, s]              # [d_model, batch]
        scale = cache["ln_final.hook_scale"][:, -1, 0]               # [batch]
        return acts * (w_dec @ directions).T / scale[:, None]
