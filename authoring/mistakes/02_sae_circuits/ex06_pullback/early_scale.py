# Divides by the early block's layer-norm scale instead of the late block's.
def pullback(tc_early, tc_late, latent):
    with torch.no_grad():
        return tc_early.W_dec @ tc_late.W_enc[:, latent]


def pullback_contributions(model, tc_early, tc_late, tokens, pos, latent):
    hook_in = tc_early.cfg.metadata.hook_name
    hook_scale = f"blocks.{layer_of(tc_early.cfg.metadata.hook_name)}.ln2.hook_scale"
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens.reshape(1, -1), names_filter=[hook_in, hook_scale])
        acts = tc_early.encode(cache[hook_in][0, pos])
        scale = cache[hook_scale][0, pos]
        centred = tc_early.W_dec - tc_early.W_dec.mean(-1, keepdim=True)
        return acts * (centred @ tc_late.W_enc[:, latent]) / scale
