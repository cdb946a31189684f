# Feeds the transcoder the residual stream before the layer norm (hook_resid_mid).
def run_with_transcoder(model, transcoder, tokens):
    hook_in, hook_out = f"blocks.{transcoder.cfg.metadata.hook_name.split('.')[1]}.hook_resid_mid", transcoder.cfg.metadata.hook_name_out
    store = {}

    def grab(act, hook):
        store["x"] = act

    def replace(act, hook):
        return transcoder(store["x"]).to(act.dtype)

    return model.run_with_hooks(tokens, fwd_hooks=[(hook_in, grab), (hook_out, replace)])


def transcoder_fidelity(model, transcoder, tokens):
    hook_in, hook_out = transcoder.cfg.metadata.hook_name, transcoder.cfg.metadata.hook_name_out

    def ce(logits):
        logp = logits[:, :-1].log_softmax(-1)
        return -logp.gather(-1, tokens[:, 1:, None]).mean().item()

    with torch.no_grad():
        logits, cache = model.run_with_cache(tokens, names_filter=[hook_in, hook_out])
        y = cache[hook_out].reshape(-1, cache[hook_out].shape[-1])
        y_hat = transcoder(cache[hook_in]).reshape(y.shape)
        ev = 1 - (y - y_hat).pow(2).sum() / (y - y.mean(0)).pow(2).sum()
        clean = ce(logits)
        spliced = ce(run_with_transcoder(model, transcoder, tokens))
        ablated = ce(model.run_with_hooks(tokens, fwd_hooks=[(hook_out, lambda act, hook: torch.zeros_like(act))]))
    return {
        "explained_variance": float(ev),
        "ce_clean": clean,
        "ce_spliced": spliced,
        "ce_ablated": ablated,
        "ce_recovered": (ablated - spliced) / (ablated - clean),
    }
