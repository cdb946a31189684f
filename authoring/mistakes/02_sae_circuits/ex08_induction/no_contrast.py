# Picks the latent most active on the second copy, without subtracting its activation on the first copy.
def induction_circuit(model, sae_early, sae_late, reps: Tensor, span: int, k: int = 3):
    """Returns (induction_latent: int, early_latents: [k] long, attribution: [d_sae_early] float)."""
    h_early, h_late = sae_early.cfg.metadata.hook_name, sae_late.cfg.metadata.hook_name
    first = torch.arange(2, span + 1, device=reps.device)
    second = torch.arange(span + 2, 2 * span + 1, device=reps.device)
    with torch.no_grad():
        _, cache = model.run_with_cache(reps, names_filter=[h_early, h_late])
        late = sae_late.encode(cache[h_late])
        contrast = late[:, second].mean((0, 1))
        induction_latent = int(contrast.argmax())
        z = cache[h_early]
        lat = sae_early.encode(z)
        error = z - sae_early.decode(lat)
    lat = lat.clone().requires_grad_(True)
    seen = {}

    def splice(act, hook):
        return (sae_early.decode(lat) + error).reshape(act.shape)

    def keep(act, hook):
        seen["z"] = act

    model.run_with_hooks(reps, fwd_hooks=[(h_early, splice), (h_late, keep)])
    target = sae_late.encode(seen["z"])[:, second, induction_latent].sum()
    (grad,) = torch.autograd.grad(target, lat)
    attribution = (lat * grad).sum((0, 1)).detach()
    return induction_latent, attribution.topk(k).indices, attribution
