# Ignores min_cos: every wide latent gets a parent, however poor the match.
def splitting_tree(decoders: list[Tensor], min_cos: float) -> list[Tensor]:
    """The splitting tree of a width family."""
    parents = []
    for narrow, wide in zip(decoders[:-1], decoders[1:]):
        parent, cos = match_latents(narrow, wide)
        parents.append(parent)
    return parents
