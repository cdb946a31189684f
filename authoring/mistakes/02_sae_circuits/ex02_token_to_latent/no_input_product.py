# Attribution sums the gradient's entries without multiplying by the embedding.
def token_to_latent_gradients(model, sae, tokens, pos, latent):
    hook = sae.cfg.metadata.hook_name
    store = {}

    def leaf_embed(act, hook):
        act = act.detach().requires_grad_(True)
        store["embed"] = act
        return act

    def grab(act, hook):
        store["x"] = act[0, pos]

    model.run_with_hooks(tokens.reshape(1, -1), fwd_hooks=[("hook_embed", leaf_embed), (hook, grab)])
    act = sae.encode(store["x"])[latent]
    if not act.requires_grad:
        grads = torch.zeros_like(store["embed"][0])
    else:
        grads = torch.autograd.grad(act, store["embed"])[0][0]
    return grads, grads.sum(-1)
