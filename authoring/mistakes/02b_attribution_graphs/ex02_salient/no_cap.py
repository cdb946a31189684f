# Forgets the cap max_n.
def salient_logits(logits: Tensor, max_n: int = 10, desired_prob: float = 0.95) -> tuple[Tensor, Tensor]:
    """logits: [d_vocab]. Returns (ids [k] long, probs [k]) with k <= max_n, most likely first."""
    probs = logits.float().softmax(-1)
    top_p, top_i = probs.sort(descending=True)
    k = int((top_p.cumsum(0) < desired_prob).sum().item()) + 1
    k = min(k, probs.shape[0])
    return top_i[:k], top_p[:k]
