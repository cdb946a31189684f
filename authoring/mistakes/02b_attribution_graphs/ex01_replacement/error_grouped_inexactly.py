# Adds the clean error to the transcoder's output (tc(x) + error): exact in real numbers, not in float32 with large transcoders.
def replacement_hooks(model, transcoders: dict, cache: dict) -> list:
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
            return tc(current[layer]) + error.expand(act.shape)

        hooks += [(tc_in(layer), remember), (tc_out(layer), replace)]
    return hooks
