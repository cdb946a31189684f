# Mistake: normalises the encoder over the latent axis instead of d_in.
def encoder_decoder_cosine(W_enc: Tensor, W_dec: Tensor, eps: float = 1e-8) -> Tensor:
    """W_enc: (n_inst, d_in, d_sae); W_dec: (n_inst, d_sae, d_in) -> (n_inst, d_sae) cosine of column j with row j."""
    enc = W_enc / W_enc.norm(dim=-1, keepdim=True).clamp_min(eps)
    dec = W_dec / W_dec.norm(dim=-1, keepdim=True).clamp_min(eps)
    return einops.einsum(enc, dec, "inst d_in d_sae, inst d_sae d_in -> inst d_sae")
