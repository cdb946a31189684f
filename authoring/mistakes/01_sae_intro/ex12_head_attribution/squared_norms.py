# Uses squared norms.
def head_attribution(attn_sae, n_heads: int):
    """[d_sae, n_heads]: per-head decoder norm of each latent, normalised to sum to 1 over heads."""
    w = attn_sae.W_dec.detach().reshape(attn_sae.cfg.d_sae, n_heads, -1)
    norms = w.pow(2).sum(dim=-1)
    return norms / norms.sum(-1, keepdim=True)
