# Always adds the error term back, so the pure reconstruction variant is the model's own Jacobian.
def sparse_latent_jacobian(model, sae_up, sae_down, tokens: Tensor, keep_error: bool = True):
    """Jacobian between every active (pos, latent) pair of two SAEs, across positions.

    tokens: [seq]. Returns (values [n_down, n_up], up_index [n_up, 2] long, down_index [n_down, 2] long).
    """
    hook_up, hook_down = sae_up.cfg.metadata.hook_name, sae_down.cfg.metadata.hook_name
    toks = tokens.reshape(1, -1)
    with torch.no_grad():
        _, cache = model.run_with_cache(toks, names_filter=[hook_up, hook_down])
        x_up = cache[hook_up][0]
        acts_up = sae_up.encode(x_up)
        error = x_up - sae_up.decode(acts_up)
        up_index = (acts_up > 0).nonzero()
        down_index = (sae_down.encode(cache[hook_down][0]) > 0).nonzero()
    stop = layer_of(hook_down) + 1

    def downstream(values: Tensor) -> Tensor:
        acts = acts_up.index_put((up_index[:, 0], up_index[:, 1]), values)
        x = sae_up.decode(acts) + error
        box = {}

        def splice(act, hook):
            return x.unsqueeze(0)

        def grab(act, hook):
            box["x"] = act[0]

        model.run_with_hooks(toks, fwd_hooks=[(hook_up, splice), (hook_down, grab)],
                             stop_at_layer=stop if stop <= model.cfg.n_layers else None)
        return sae_down.encode(box["x"])[down_index[:, 0], down_index[:, 1]]

    values = torch.func.jacrev(downstream)(acts_up[up_index[:, 0], up_index[:, 1]])
    return values.detach(), up_index, down_index
