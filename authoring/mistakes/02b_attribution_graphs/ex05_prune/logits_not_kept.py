# Does not force the logit nodes into the kept set.
def prune_graph(A: Tensor, logit_weights: Tensor, node_share: float = 0.8, edge_share: float = 0.98):
    """Returns (node_mask [n] bool, edge_mask [n, n] bool)."""
    n = A.shape[0]
    is_logit = logit_weights > 0
    inf = node_influence(A, logit_weights)
    inf_other = torch.where(is_logit, torch.zeros_like(inf), inf)
    order = inf_other.argsort(descending=True)
    cum = inf_other[order].cumsum(0)
    k = int((cum < node_share * inf_other.sum()).sum()) + 1
    node_mask = torch.zeros_like(is_logit)
    node_mask[order[:k]] = True

    A2 = A.double() * (node_mask[:, None] & node_mask[None, :])
    An2 = normalise_adjacency(A2)
    inf2 = node_influence(A2, logit_weights)
    score = (logit_weights.double() + inf2)[:, None] * An2
    flat = score.flatten()
    e_order = flat.argsort(descending=True)
    e_cum = flat[e_order].cumsum(0)
    ke = int((e_cum < edge_share * flat.sum()).sum()) + 1
    edge_mask = torch.zeros(n * n, dtype=torch.bool)
    edge_mask[e_order[:ke]] = True
    edge_mask = edge_mask.reshape(n, n) & (A2 != 0)
    return node_mask, edge_mask
