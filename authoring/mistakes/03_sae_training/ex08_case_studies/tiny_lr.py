# A learning rate so small that the SAEs barely move from their initialisation.
def case_study_settings(site: str) -> dict:
    """Hyperparameters for the SAE at one site ("resid", "attn_z" or "mlp_out"):
    {"architecture": ..., "expansion_factor": ..., "sparsity": ..., "lr": ..., "warm_up_frac": ...}"""
    return dict(architecture="gated", expansion_factor=4, sparsity=2.0, lr=1e-6, warm_up_frac=0.05)
