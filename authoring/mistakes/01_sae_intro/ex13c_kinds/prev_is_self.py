# Takes the destination itself as the previous-token source (dest, not dest - 1).
def latent_kind_scores(model, attn_sae, layer: int, rep_tokens, batch: dict) -> dict:
    """{"previous_token", "induction", "name_copying"}: tensors [d_sae] (see the table above).

    rep_tokens: [n, 1 + 2 * span] (BOS, a span, the span again); batch: an ioi_batch dict (tokens [m, seq_ioi],
    io_pos / s1_pos / s2_pos [m]). Positions are destinations; sources are given per destination to dfa_from.
    """
    def score(acts, pre, dfa, keep):
        share = torch.where(pre > 0, dfa / pre.clamp(min=1e-6), torch.zeros_like(dfa)).clamp(-1, 1)
        weight = acts * keep[..., None]
        out = (weight * share).sum((0, 1)) / weight.sum((0, 1)).clamp(min=1e-6)
        return torch.where((weight > 0).sum((0, 1)) >= 3, out, torch.zeros_like(out))

    n, seq = rep_tokens.shape
    span = (seq - 1) // 2
    dest = torch.arange(seq, device=rep_tokens.device).expand(n, seq)
    acts, pre, dfa_from = dfa_parts(model, attn_sae, layer, rep_tokens)
    previous = score(acts, pre, dfa_from(dest), (dest >= 2).float())
    second = dest >= span + 2
    induction = score(acts, pre, dfa_from(torch.where(second, dest - span + 1, dest)), second.float())
    toks = batch["tokens"]
    m, seq_ioi = toks.shape
    acts, pre, dfa_from = dfa_parts(model, attn_sae, layer, toks)
    names = sum(dfa_from(batch[key][:, None].expand(m, seq_ioi)) for key in ("io_pos", "s1_pos", "s2_pos"))
    last = torch.zeros(m, seq_ioi, device=toks.device)
    last[:, -1] = 1.0
    return {"previous_token": previous, "induction": induction, "name_copying": score(acts, pre, names, last)}


def pick_kind_latents(scores_by_layer: dict) -> dict:
    """{kind: (layer, latent)}: the highest-scoring latent of each kind over every layer in scores_by_layer."""
    picks = {}
    for kind in ("previous_token", "induction", "name_copying"):
        best = max(((float(scores[kind].max()), layer, int(scores[kind].argmax())) for layer, scores in scores_by_layer.items()))
        picks[kind] = (best[1], best[2])
    return picks
