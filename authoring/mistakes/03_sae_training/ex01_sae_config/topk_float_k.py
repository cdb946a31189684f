# Passes sparsity to TopK as it comes: a float k (16.0 from a sweep) stays a float.
def make_sae_config(architecture: str, d_in: int, expansion_factor: int, sparsity: float, warm_up_steps: int = 0):
    """The SAELens *training* config of one SAE.

    architecture: "standard" | "gated" | "jumprelu" | "topk"
    d_in: width of the activations; d_sae = expansion_factor * d_in latents
    sparsity: l1_coefficient (standard, gated), l0_coefficient (jumprelu) or k (topk, an int)
    warm_up_steps: optimizer steps over which the sparsity penalty ramps up (not for topk)
    """
    common = dict(d_in=int(d_in), d_sae=int(expansion_factor * d_in), normalize_activations="expected_average_only_in")
    if architecture == "standard":
        return StandardTrainingSAEConfig(**common, l1_coefficient=float(sparsity), l1_warm_up_steps=int(warm_up_steps))
    if architecture == "gated":
        return GatedTrainingSAEConfig(**common, l1_coefficient=float(sparsity), l1_warm_up_steps=int(warm_up_steps))
    if architecture == "jumprelu":
        return JumpReLUTrainingSAEConfig(**common, l0_coefficient=float(sparsity), l0_warm_up_steps=int(warm_up_steps))
    if architecture == "topk":
        return TopKTrainingSAEConfig(**common, k=sparsity)
    raise ValueError(f"unknown architecture {architecture!r}: expected standard, gated, jumprelu or topk")
