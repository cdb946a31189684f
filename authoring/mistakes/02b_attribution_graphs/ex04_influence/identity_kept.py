# Uses (I - A)^-1 without subtracting the identity (counts each node's path to itself).
def normalise_adjacency(A: Tensor) -> Tensor:
    """|A| with each row divided by its sum; all-zero rows stay zero. [n, n] -> [n, n]."""
    W = A.double().abs()
    s = W.sum(1, keepdim=True)
    return torch.where(s > 0, W / s.clamp(min=1e-300), torch.zeros_like(W))


def node_influence(A: Tensor, logit_weights: Tensor) -> Tensor:
    """Influence of every node on the output. A: [n, n] raw adjacency; logit_weights: [n]. Returns [n]."""
    An = normalise_adjacency(A)
    eye = torch.eye(An.shape[0], dtype=torch.float64)
    B = torch.linalg.inv(eye - An)
    return logit_weights.double() @ B
