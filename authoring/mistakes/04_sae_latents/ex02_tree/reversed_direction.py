# Matches the wrong way round (each narrow latent's best wide latent), so the tensors are indexed by the narrow SAE.
def splitting_tree(decoders: list[Tensor], min_cos: float) -> list[Tensor]:
    """The splitting tree of a width family."""
    parents = []
    for narrow, wide in zip(decoders[:-1], decoders[1:]):
        parent, cos = match_latents(wide, narrow)
        parents.append(torch.where(cos >= min_cos, parent, torch.full_like(parent, -1)))
    return parents
