# Matches every wider SAE against the narrowest one instead of the next narrower one.
def splitting_tree(decoders: list[Tensor], min_cos: float) -> list[Tensor]:
    """The splitting tree of a width family."""
    parents = []
    for wide in decoders[1:]:
        parent, cos = match_latents(decoders[0], wide)
        parents.append(torch.where(cos >= min_cos, parent, torch.full_like(parent, -1)))
    return parents
