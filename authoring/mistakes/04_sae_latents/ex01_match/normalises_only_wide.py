# Normalises the wide decoder rows but forgets the narrow ones.
def match_latents(dec_narrow: Tensor, dec_wide: Tensor) -> tuple[Tensor, Tensor]:
    """For every latent of the wider SAE, its closest latent of the narrower SAE by decoder direction."""
    wide = dec_wide / dec_wide.norm(dim=-1, keepdim=True)
    cos, parent = (wide @ dec_narrow.T).max(dim=-1)
    return parent, cos
