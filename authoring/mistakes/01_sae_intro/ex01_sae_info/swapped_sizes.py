# Swaps d_in and d_sae.
def sae_info(sae) -> dict:
    """A summary of an SAE's config: hook_name, d_in, d_sae, expansion, architecture, unit_norm_decoder."""
    norms = sae.W_dec.detach().norm(dim=-1)
    return {
        "hook_name": sae.cfg.metadata.hook_name,
        "d_in": int(sae.cfg.d_sae),
        "d_sae": int(sae.cfg.d_in),
        "expansion": sae.cfg.d_sae / sae.cfg.d_in,
        "architecture": sae.cfg.architecture(),
        "unit_norm_decoder": bool(((norms - 1).abs() < 1e-3).all()),
    }
