# Uses each latent's mean activation instead of its firing frequency.
def latent_density_stats(feature_acts, dense_threshold: float = 0.1, eps: float = 1e-10) -> dict:
    """Per-latent firing frequency over every token of ``feature_acts`` [..., d_sae], and dead / dense masks."""
    f = feature_acts.reshape(-1, feature_acts.shape[-1])
    density = f.float().mean(0)
    return {"density": density, "log10_density": torch.log10(density + eps),
            "dead": density == 0, "dense": density > dense_threshold}
