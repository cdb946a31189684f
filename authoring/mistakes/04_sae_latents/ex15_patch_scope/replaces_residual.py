# Replaces the placeholder's residual with the scaled direction instead of adding it.
def patch_scope(direction: Tensor, scales: list[float]) -> tuple[Tensor, Tensor]:
    """direction: [d_model] (any norm). Returns (probs [n_scales, d_vocab], self_sim [n_scales])."""
    unit = direction.float() / direction.float().norm().clamp_min(1e-12)
    added = torch.tensor(scales, dtype=unit.dtype, device=unit.device)[:, None] * RESID_NORM * unit
    kept = {}

    def add_fn(act, hook):
        act = act.clone()
        act[:, PATCH_POS] = added.to(act.dtype)
        return act

    def keep_fn(act, hook):
        kept["resid"] = act[:, PATCH_POS].float()

    with torch.no_grad():
        logits = model.run_with_hooks(PATCH_TOKENS.expand(len(scales), -1), fwd_hooks=[(HOOK, add_fn), (LAST_HOOK, keep_fn)])
    probs = logits[:, -1].float().softmax(dim=-1)
    self_sim = torch.nn.functional.cosine_similarity(kept["resid"], unit[None, :], dim=-1)
    return probs, self_sim
