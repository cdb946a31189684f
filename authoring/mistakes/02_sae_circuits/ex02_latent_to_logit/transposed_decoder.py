# Decodes with the transposed encoder (W_enc.T) instead of W_dec.
def latent_to_logit_gradients(model, sae, tokens, pos, latents, token_ids):
    hook = sae.cfg.metadata.hook_name
    toks = tokens.reshape(1, -1)
    latents = torch.as_tensor(latents, device=toks.device)
    token_ids = torch.as_tensor(token_ids, device=toks.device)
    with torch.no_grad():
        _, cache = model.run_with_cache(toks, names_filter=hook)
        x = cache[hook][0]
        acts = sae.encode(x)
        error = x - (lambda a: a @ sae.W_enc.T + sae.b_dec)(acts)

    def logits_of(chosen):
        new_acts = acts.clone()
        new_acts[pos, latents] = chosen
        new_x = (lambda a: a @ sae.W_enc.T + sae.b_dec)(new_acts) + error
        logits = model.run_with_hooks(toks, fwd_hooks=[(hook, lambda act, hook: new_x.unsqueeze(0).to(act.dtype))])
        return logits[0, pos, token_ids]

    return torch.autograd.functional.jacobian(logits_of, acts[pos, latents])
