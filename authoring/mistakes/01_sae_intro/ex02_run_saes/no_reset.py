# Forgets to remove the SAE attached with add_sae.
def sae_acts_and_recon(model, sae, tokens):
    """Latent activations [batch, seq, d_sae] and reconstruction [batch, seq, d_in] of ``sae`` on ``tokens``."""
    hook = sae.cfg.metadata.hook_name
    with torch.no_grad():
        _, cache = model.run_with_cache_with_saes(tokens, saes=[sae])
    return cache[f"{hook}.hook_sae_acts_post"], cache[f"{hook}.hook_sae_recons"]


def ce_losses(model, sae, tokens) -> dict:
    """Mean cross-entropy loss: {"clean": ..., "spliced": ..., "with_error_term": ...} (floats)."""
    with torch.no_grad():
        clean = model(tokens, return_type="loss").item()
        spliced = model.run_with_saes(tokens, saes=[sae], return_type="loss").item()
        model.add_sae(sae, use_error_term=True)
        try:
            with_error = model(tokens, return_type="loss").item()
        finally:
            pass
    return {"clean": clean, "spliced": spliced, "with_error_term": with_error}
