# Does not set position 0 (BOS) to zero.
def latent_activations(model, sae, tokens, latent: int, batch_size: int = 16):
    """Activations [batch, seq] of one latent on ``tokens``, position 0 set to 0."""
    hook = sae.cfg.metadata.hook_name
    out = []
    with torch.no_grad():
        for i in range(0, len(tokens), batch_size):
            _, cache = model.run_with_cache(tokens[i:i + batch_size], names_filter=hook)
            out.append(sae.encode(cache[hook])[..., latent])
    acts = torch.cat(out)
    return acts


def activation_histogram(acts, n_bins: int = 40) -> dict:
    """{"density": float, "counts": [n_bins], "edges": [n_bins + 1]} for the positive entries of ``acts``."""
    flat = acts.flatten().float()
    pos = flat[flat > 0]
    density = pos.numel() / flat.numel()
    if pos.numel() == 0:
        return {"density": 0.0, "counts": torch.zeros(n_bins), "edges": torch.linspace(0, 1, n_bins + 1)}
    top = pos.max().item()
    return {"density": density, "counts": torch.histc(pos, bins=n_bins, min=0, max=top),
            "edges": torch.linspace(0, top, n_bins + 1)}
