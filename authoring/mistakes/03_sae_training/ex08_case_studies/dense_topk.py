# TopK with k = d_in / 2 at every site: a fine reconstruction, but hardly sparse.
def case_study_settings(site: str) -> dict:
    """Hyperparameters for the SAE at one site ("resid", "attn_z" or "mlp_out"):
    {"architecture": ..., "expansion_factor": ..., "sparsity": ..., "lr": ..., "warm_up_frac": ...}"""
    return dict(architecture="topk", expansion_factor=4, sparsity=training.hook_width(model, HOOKS[site]) // 2, lr=2e-3,
                warm_up_frac=0.05)
