# Zero-ablates the component at the last position only, not at every position.
def ioi_mechanism(model, batch: dict, metric) -> dict:
    """{"clean": float, "attn_ablated": [n_layers], "mlp_ablated": [n_layers], "attn_mass": [n_layers, 3]}.

    batch["tokens"]: [n, seq]; batch["io_pos"], ["s1_pos"], ["s2_pos"]: [n] source positions.
    attn_mass[L] = pattern[:, :, -1, pos] at those positions (one per prompt), mean over heads and prompts.
    """
    toks = batch["tokens"]
    rows = torch.arange(len(toks), device=toks.device)
    zero = lambda act, hook: torch.cat([act[:, :-1], torch.zeros_like(act[:, -1:])], 1)  # noqa: E731
    n_layers = model.cfg.n_layers
    with torch.no_grad():
        logits, cache = model.run_with_cache(toks, names_filter=lambda name: name.endswith("hook_pattern"))
        attn_ablated = torch.tensor([metric(model.run_with_hooks(toks, fwd_hooks=[(f"blocks.{L}.hook_attn_out", zero)])).item()
                                     for L in range(n_layers)])
        mlp_ablated = torch.tensor([metric(model.run_with_hooks(toks, fwd_hooks=[(f"blocks.{L}.hook_mlp_out", zero)])).item()
                                    for L in range(n_layers)])
        mass = torch.zeros(n_layers, 3)
        for L in range(n_layers):
            last = cache[f"blocks.{L}.attn.hook_pattern"][:, :, -1]              # [batch, head, src]
            for j, key in enumerate(["io_pos", "s1_pos", "s2_pos"]):
                mass[L, j] = last[rows, :, batch[key]].mean().item()
    return {"clean": metric(logits).item(), "attn_ablated": attn_ablated, "mlp_ablated": mlp_ablated, "attn_mass": mass}
