# Returns the clean loss as the loss with the error term, without attaching the SAE (numerically the same).
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
        with_error = clean
    return {"clean": clean, "spliced": spliced, "with_error_term": with_error}
