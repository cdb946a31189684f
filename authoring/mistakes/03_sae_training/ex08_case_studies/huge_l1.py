# A standard SAE with a very large L1 coefficient at every site: too sparse to reconstruct.
def case_study_settings(site: str) -> dict:
    """Hyperparameters for the SAE at one site ("resid", "attn_z" or "mlp_out"):
    {"architecture": ..., "expansion_factor": ..., "sparsity": ..., "lr": ..., "warm_up_frac": ...}"""
    return dict(architecture="standard", expansion_factor=4, sparsity=60.0, lr=2e-3, warm_up_frac=0.05)
