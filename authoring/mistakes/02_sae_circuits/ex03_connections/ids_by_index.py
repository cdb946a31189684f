# Sorts the upstream latent ids by index instead of by activation.
def latent_connections(model, sae_up, sae_down, tokens, pos, k):
    hook_up, hook_down = sae_up.cfg.metadata.hook_name, sae_down.cfg.metadata.hook_name
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens.reshape(1, -1), names_filter=[hook_up, hook_down])
        acts_up = sae_up.encode(cache[hook_up][0, pos])
        acts_down = sae_down.encode(cache[hook_down][0, pos])
    up_ids = acts_up.topk(k).indices.sort().values
    down_ids = acts_down.topk(k).indices
    jac = latent_to_latent_jacobian(model, sae_up, sae_down, tokens, pos, up_ids, down_ids)
    return jac * acts_up[up_ids], down_ids, up_ids


def top_pairs(attr, down_ids, up_ids, n):
    order = attr.flatten().abs().argsort(descending=True)[:n]
    pairs = []
    for idx in order.tolist():
        i, j = divmod(idx, attr.shape[1])
        pairs.append((int(down_ids[i]), int(up_ids[j]), float(attr[i, j])))
    return pairs
