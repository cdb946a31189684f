# Takes the largest |cosine|: an opposite direction (cosine near -1) counts as a match.
def match_latents(dec_narrow: Tensor, dec_wide: Tensor) -> tuple[Tensor, Tensor]:
    """For every latent of the wider SAE, its closest latent of the narrower SAE by decoder direction."""
    narrow = dec_narrow / dec_narrow.norm(dim=-1, keepdim=True)
    wide = dec_wide / dec_wide.norm(dim=-1, keepdim=True)
    cos, parent = (wide @ narrow.T).abs().max(dim=-1)
    return parent, cos
