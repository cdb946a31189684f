# The untuned demo recipe of 3.1b (standard SAE, L1 = 2, lr 1e-3) at every site: still too dense for the budget.
def case_study_settings(site: str) -> dict:
    """Hyperparameters for the SAE at one site ("resid", "attn_z" or "mlp_out"):
    {"architecture": ..., "expansion_factor": ..., "sparsity": ..., "lr": ..., "warm_up_frac": ...}"""
    return dict(architecture="standard", expansion_factor=4, sparsity=2.0, lr=1e-3, warm_up_frac=0.05)
