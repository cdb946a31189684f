# Stores the edge from s to t at A[s, t] instead of A[t, s].
def compute_adjacency(model, transcoders: dict, graph: Graph, cache: dict, batch_size: int = 64) -> Tensor:
    """A: [n_nodes, n_nodes]; A[t, s] = direct effect of node s on the input of node t."""
    n, n_layers = graph.n_nodes, model.cfg.n_layers
    src_hooks = ["blocks.0.hook_resid_pre"] + [tc_out(lay) for lay in range(n_layers)]
    read_hooks = [tc_in(lay) for lay in range(n_layers)] + ["ln_final.hook_normalized"]
    # Which leaf each source writes into, and which hook each target reads.
    src = torch.tensor([i for i, k in enumerate(graph.kind) if k in ("emb", "latent", "error")])
    src_site = (graph.layer[src] + 1).tolist()  # emb -> 0, layer l -> l + 1
    targets = [i for i, k in enumerate(graph.kind) if k in ("latent", "logit")]
    A = torch.zeros(n, n)
    write = graph.write[src]                                                   # [n_src, d]
    for start in tqdm(range(0, len(targets), batch_size), desc="adjacency", leave=False):
        chunk = targets[start:start + batch_size]
        B = len(chunk)
        leaves, reads = {}, {}

        def leaf(act, hook):
            leaves[hook.name] = cache[hook.name].expand(act.shape).clone().requires_grad_(True)
            return leaves[hook.name]

        def grab(act, hook):
            reads[hook.name] = act

        hooks = replacement_hooks(model, transcoders, cache) + [(h, leaf) for h in src_hooks] + [(h, grab) for h in read_hooks]
        model.run_with_hooks(graph.tokens.expand(B, -1), fwd_hooks=hooks)
        values = []
        for b, t in enumerate(chunk):
            hook = read_hooks[min(int(graph.layer[t]), n_layers)]
            values.append(reads[hook][b, int(graph.pos[t])] @ graph.read[t])
        grads = torch.autograd.grad(torch.stack(values).sum(), [leaves[h] for h in src_hooks], materialize_grads=True)
        g = torch.stack(grads)                                                 # [n_hooks, B, seq, d]
        g_src = g[torch.tensor(src_site), :, graph.pos[src]]                   # [n_src, B, d]
        A[src[:, None], torch.tensor(chunk)[None, :]] = torch.einsum("sbd,sd->sb", g_src, write).detach().float().cpu()
    return A
