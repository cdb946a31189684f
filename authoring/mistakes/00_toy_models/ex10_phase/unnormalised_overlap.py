# Mistake: uses W_i · W_j without normalising W_i.
def classify_features(W: Tensor, norm_threshold: float = 0.5, interference_threshold: float = 0.25,
                      eps: float = 1e-8) -> Tensor:
    """W: (n_inst, d_hidden, n_features) -> (n_inst, n_features) long: 0 not represented, 1 dedicated, 2 superposed."""
    norms = W.norm(dim=1)                                   # (inst, feat)
    W_hat = W
    overlaps = einops.einsum(W_hat, W, "inst hid fi, inst hid fj -> inst fi fj") ** 2
    interference = overlaps.sum(-1) - torch.diagonal(overlaps, dim1=-2, dim2=-1)
    dedicated = interference < interference_threshold
    return torch.where(norms < norm_threshold, 0, torch.where(dedicated, 1, 2)).long()
