# Takes the softmax over the top max_n logits only, so the probabilities are renormalised.
def salient_logits(logits: Tensor, max_n: int = 10, desired_prob: float = 0.95) -> tuple[Tensor, Tensor]:
    """logits: [d_vocab]. Returns (ids [k] long, probs [k]) with k <= max_n, most likely first."""
    probs = torch.full_like(logits.float(), -float('inf')).scatter(0, logits.float().topk(min(max_n, logits.shape[0])).indices, logits.float().topk(min(max_n, logits.shape[0])).values).softmax(-1)
    top_p, top_i = probs.sort(descending=True)
    k = int((top_p.cumsum(0) < desired_prob).sum().item()) + 1
    k = min(k, max_n, probs.shape[0])
    return top_i[:k], top_p[:k]
