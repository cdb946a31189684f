# Compares the scores with each token's total activation (summed over its positions) instead of its mean.
def rank_agreement(scores: Tensor, truth: Tensor, k: int = 5) -> tuple[Tensor, Tensor]:
    """scores, truth: [n_tokens, n_latents]. Returns (rho, overlap), both [n_latents]: per column, Spearman's rank
    correlation (tied values share their average rank) and the share of the k highest scores' tokens that are
    among the k tokens with the highest truth."""
    def average_ranks(x: Tensor) -> Tensor:
        cols = x.T.contiguous()
        ordered = cols.sort(-1).values
        below = torch.searchsorted(ordered, cols, right=False)
        up_to = torch.searchsorted(ordered, cols, right=True)
        return ((below + up_to + 1).double() / 2).T  # 1-based; a tied group gets the mean of its ranks

    r_s, r_t = average_ranks(scores), average_ranks(truth)
    r_s, r_t = r_s - r_s.mean(0), r_t - r_t.mean(0)
    rho = (r_s * r_t).sum(0) / (r_s.norm(dim=0) * r_t.norm(dim=0))
    best_s = scores.topk(k, dim=0).indices  # [k, n_latents]
    best_t = truth.topk(k, dim=0).indices
    hits = (best_s[:, None, :] == best_t[None, :, :]).any(1).sum(0)
    return rho.float(), hits.float() / k


def de_embedding_truth(model, transcoder, E: Tensor, tokens: Tensor, latents, k: int = 5,
                       min_count: int = 5) -> tuple[Tensor, Tensor]:
    """rank_agreement between the de-embedding through E ([d_vocab, d_model], rows centred, times W_enc[:, latents])
    and the latents' mean activation per current token over tokens [batch, seq] (position 0 left out), over the
    tokens seen at least min_count times. Returns (rho, overlap), both [len(latents)]."""
    latents = torch.as_tensor(latents, device=tokens.device)
    hook = transcoder.cfg.metadata.hook_name
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens, names_filter=hook)
        acts = transcoder.encode(cache[hook])[:, 1:][..., latents].flatten(0, 1)
        ids = tokens[:, 1:].flatten()
        count = torch.bincount(ids, minlength=model.cfg.d_vocab)
        total = torch.zeros(model.cfg.d_vocab, len(latents), device=acts.device).index_add_(0, ids, acts)
        kept = count >= min_count
        mean_act = total[kept]
        scores = (E - E.mean(-1, keepdim=True)) @ transcoder.W_enc[:, latents]
        return rank_agreement(scores[kept], mean_act, k)
