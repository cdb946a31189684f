# Splices the SAE in without its error term (the ablations and gradients are of a different model).
def s2_effects(model, attn_sae, batch: dict, metric, latents):
    """(ablation [n], estimate [n]) for the latents at the S2 position (see the text).

    batch["tokens"]: [n_prompts, seq]; batch["s2_pos"]: [n_prompts]; latents: [n] ids of attn_sae's latents.
    Activations at f"{hook_z}.hook_sae_acts_post": [n_prompts, seq, d_sae].
    """
    toks = batch["tokens"]
    rows = torch.arange(len(toks), device=toks.device)
    s2 = batch["s2_pos"]
    lats = torch.as_tensor(latents, dtype=torch.long).tolist()
    hook = f"{attn_sae.cfg.metadata.hook_name}.hook_sae_acts_post"
    store = {}

    def keep(act, hook):
        act = act.detach().requires_grad_(True)
        store["acts"] = act
        return act

    model.add_sae(attn_sae, use_error_term=False)
    try:
        with torch.enable_grad():
            logits = model.run_with_hooks(toks, fwd_hooks=[(hook, keep)])
            clean = metric(logits)
            grad, = torch.autograd.grad(clean, store["acts"])
        f_s2, g_s2 = store["acts"][rows, s2].detach(), grad[rows, s2]           # [n_prompts, d_sae]
        estimate = -(f_s2 * g_s2).sum(0)[lats]
        ablation = []
        with torch.no_grad():
            for lat in lats:
                def zero_at_s2(act, hook, lat=lat):
                    act = act.clone()
                    act[rows, s2, lat] = 0.0
                    return act
                ablation.append(metric(model.run_with_hooks(toks, fwd_hooks=[(hook, zero_at_s2)])).item() - clean.item())
    finally:
        model.reset_saes()
    return torch.tensor(ablation), estimate.detach().cpu()


def agreement(ablation, estimate) -> float:
    """Pearson correlation of two [n] tensors."""
    a, b = torch.as_tensor(ablation).double(), torch.as_tensor(estimate).double()
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / (a.norm() * b.norm()))
