# Differentiates log-probabilities instead of logits.
def latent_to_logit_gradients(model, sae, tokens, pos, latents, token_ids):
    hook = sae.cfg.metadata.hook_name
    toks = tokens.reshape(1, -1)
    latents = torch.as_tensor(latents, device=toks.device)
    token_ids = torch.as_tensor(token_ids, device=toks.device)
    with torch.no_grad():
        _, cache = model.run_with_cache(toks, names_filter=hook)
        x = cache[hook][0]
        acts = sae.encode(x)
        error = x - sae.decode(acts)

    def logits_of(chosen):
        new_acts = acts.clone()
        new_acts[pos, latents] = chosen
        new_x = sae.decode(new_acts) + error
        logits = model.run_with_hooks(toks, fwd_hooks=[(hook, lambda act, hook: new_x.unsqueeze(0).to(act.dtype))])
        return logits[0, pos].log_softmax(-1)[token_ids]

    return torch.autograd.functional.jacobian(logits_of, acts[pos, latents])
