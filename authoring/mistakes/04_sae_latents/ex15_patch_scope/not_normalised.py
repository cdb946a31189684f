# Adds the direction as given (its own norm times the scale), without scaling it to unit length first.
def patch_scope(direction: Tensor, scales: list[float]) -> tuple[Tensor, Tensor]:
    """direction: [d_model] (any norm). Returns (probs [n_scales, d_vocab], self_sim [n_scales])."""
    vec = direction.float()
    added = torch.tensor(scales, dtype=vec.dtype, device=vec.device)[:, None] * RESID_NORM * vec
    kept = {}

    def add_fn(act, hook):
        act = act.clone()
        act[:, PATCH_POS] += added.to(act.dtype)
        return act

    def keep_fn(act, hook):
        kept["resid"] = act[:, PATCH_POS].float()

    with torch.no_grad():
        logits = model.run_with_hooks(PATCH_TOKENS.expand(len(scales), -1), fwd_hooks=[(HOOK, add_fn), (LAST_HOOK, keep_fn)])
    probs = logits[:, -1].float().softmax(dim=-1)
    self_sim = torch.nn.functional.cosine_similarity(kept["resid"], vec[None, :], dim=-1)
    return probs, self_sim
