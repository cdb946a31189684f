# Runs the transcoder on the cached clean MLP input, so its latents never respond to the input.
def replacement_hooks(model, transcoders: dict, cache: dict) -> list:
    """Forward hooks making ``model`` the local replacement model of the prompt cached in ``cache``.

    transcoders: {layer: Transcoder}; layers without one keep their clean MLP output.
    Returns a list of (hook_name, hook_fn).
    """
    def freeze(act, hook):
        return cache[hook.name].expand(act.shape)

    hooks = [(name, freeze) for name in frozen_hook_names(model.cfg.n_layers)]
    current = {}
    for layer in range(model.cfg.n_layers):
        if layer not in transcoders:
            hooks.append((tc_out(layer), freeze))
            continue
        tc = transcoders[layer]
        with torch.no_grad():
            error = cache[tc_out(layer)] - tc(cache[tc_in(layer)])

        def remember(act, hook, layer=layer):
            current[layer] = act

        def replace(act, hook, tc=tc, error=error, layer=layer):
            return tc(cache[tc_in(layer)]).expand(act.shape) + error.expand(act.shape)

        hooks += [(tc_in(layer), remember), (tc_out(layer), replace)]
    return hooks
