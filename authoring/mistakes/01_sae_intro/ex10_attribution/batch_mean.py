# Averages over the batch instead of summing.
def latent_attribution(model, sae, tokens, metric):
    """[d_sae]: sum over batch and positions of act * d metric / d act (SAE spliced in with its error term)."""
    hook = f"{sae.cfg.metadata.hook_name}.hook_sae_acts_post"
    store = {}

    def keep(act, hook):
        act = act.detach().requires_grad_(True)
        store["acts"] = act
        return act

    model.add_sae(sae, use_error_term=True)
    try:
        with torch.enable_grad():
            logits = model.run_with_hooks(tokens, fwd_hooks=[(hook, keep)])
            grad, = torch.autograd.grad(metric(logits), store["acts"])
    finally:
        model.reset_saes()
    return (store["acts"] * grad).mean(dim=0).sum(0).detach()


def latent_ablation_effects(model, sae, tokens, metric, latents):
    """[len(latents)]: metric(latent zeroed at every position) - metric(clean), error term included."""
    hook = f"{sae.cfg.metadata.hook_name}.hook_sae_acts_post"
    out = []
    model.add_sae(sae, use_error_term=True)
    try:
        with torch.no_grad():
            base = metric(model(tokens))
            for latent in latents:
                def ablate(act, hook, latent=int(latent)):
                    act = act.clone()
                    act[..., latent] = 0.0
                    return act

                out.append(metric(model.run_with_hooks(tokens, fwd_hooks=[(hook, ablate)])) - base)
    finally:
        model.reset_saes()
    return torch.stack(out)
