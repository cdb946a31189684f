# Decodes with the transposed encoder (W_enc.T) instead of W_dec.
def latent_to_latent_jacobian(model, sae_up, sae_down, tokens, pos, up_latents, down_latents):
    hook_up, hook_down = sae_up.cfg.metadata.hook_name, sae_down.cfg.metadata.hook_name
    toks = tokens.reshape(1, -1)
    up_latents = torch.as_tensor(up_latents, device=toks.device)
    down_latents = torch.as_tensor(down_latents, device=toks.device)
    with torch.no_grad():
        _, cache = model.run_with_cache(toks, names_filter=hook_up)
        x_up = cache[hook_up][0]
        acts_up = sae_up.encode(x_up)
        error = x_up - (lambda a: a @ sae_up.W_enc.T + sae_up.b_dec)(acts_up)

    def downstream(chosen):
        acts = acts_up.clone()
        acts[pos, up_latents] = chosen
        new_x = (lambda a: a @ sae_up.W_enc.T + sae_up.b_dec)(acts) + error
        store = {}

        def splice(act, hook):
            return new_x.unsqueeze(0).to(act.dtype)

        def grab(act, hook):
            store["x"] = act[0, pos]

        model.run_with_hooks(toks, fwd_hooks=[(hook_up, splice), (hook_down, grab)])
        return sae_down.encode(store["x"])[down_latents]

    return torch.autograd.functional.jacobian(downstream, acts_up[pos, up_latents])
