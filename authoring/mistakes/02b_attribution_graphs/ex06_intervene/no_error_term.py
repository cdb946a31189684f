# Splices in the bare transcoders, without their errors.
def run_with_edits(model, transcoders: dict, tokens: Tensor, edits: list) -> Tensor:
    """edits: list of (layer, pos, feature, scale). Returns logits [seq, d_vocab]."""
    toks = tokens.reshape(1, -1)
    names = [tc_in(lay) for lay in transcoders] + [tc_out(lay) for lay in transcoders]
    with torch.no_grad():
        _, cache = model.run_with_cache(toks, names_filter=names)
        errors = {lay: cache[tc_out(lay)] - tc.decode(tc.encode(cache[tc_in(lay)])) for lay, tc in transcoders.items()}
    current = {}
    hooks = []
    for lay, tc in transcoders.items():
        mine = [(p, f, s) for (el, p, f, s) in edits if el == lay]

        def remember(act, hook, lay=lay):
            current[lay] = act

        def replace(act, hook, lay=lay, tc=tc, mine=mine):
            z = tc.encode(current[lay]).clone()
            for p, f, s in mine:
                z[:, p, f] = z[:, p, f] * s
            return tc.decode(z)

        hooks += [(tc_in(lay), remember), (tc_out(lay), replace)]
    with torch.no_grad():
        return model.run_with_hooks(toks, fwd_hooks=hooks)[0]
