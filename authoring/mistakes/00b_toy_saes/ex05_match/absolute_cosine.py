# Mistake: ranks latents by the absolute cosine, so an opposite latent counts as a match.
def match_features(W_dec: Tensor, W_feat: Tensor, eps: float = 1e-8):
    """W_dec: (n_inst, d_sae, d_in) decoder rows; W_feat: (n_inst, d_in, n_features) feature directions (columns).

    Returns cos (n_inst, n_features, d_sae), best_cos (n_inst, n_features), best_latent (n_inst, n_features).
    """
    dec = W_dec / W_dec.norm(dim=-1, keepdim=True).clamp_min(eps)
    feat = W_feat / W_feat.norm(dim=1, keepdim=True).clamp_min(eps)
    cos = einops.einsum(feat, dec, "inst d_in feat, inst d_sae d_in -> inst feat d_sae")
    best_cos, best_latent = cos.abs().max(dim=-1)
    return cos, best_cos, best_latent


def fraction_recovered(best_cos: Tensor, threshold: float = 0.95) -> Tensor:
    """best_cos: (n_inst, n_features) -> (n_inst,) fraction of features whose best cosine exceeds ``threshold``."""
    return (best_cos > threshold).float().mean(-1)
