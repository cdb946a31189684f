# Mistake: creates a new Adam optimiser at every step (its moment estimates restart each time).
def train_sae(sae: nn.Module, sample_h, steps: int = 10_000, batch_size: int = 1024, lr: float = 1e-3,
              resample_fn=None, resample_every: int = 2_500, progress: bool = True) -> dict[str, list[float]]:
    """Train ``sae`` on batches from ``sample_h``; returns {"loss": [...], "L_reconstruction": [...], "L0": [...]}.

    sample_h(batch_size) -> h: (batch_size, n_inst, d_in). sae(h) -> (loss_dict, loss, acts (batch, n_inst, d_sae), h_rec).
    At a step t > 0 with t % resample_every == 0 (after drawing h, before the update), call
    resample_fn(sae, frac_active, h) with frac_active: (n_inst, d_sae), the mean over the batches of steps
    t - resample_every, ..., t - 1 of the fraction of inputs on which each latent was > 0.
    Each log list has ``steps`` floats: loss.item(); L_reconstruction averaged over the batch, summed over instances;
    L0 = active latents per input, averaged over batch and instances.
    """
    log = {"loss": [], "L_reconstruction": [], "L0": []}
    window = []  # per-step (n_inst, d_sae) fraction of inputs on which each latent fired
    for step in tqdm(range(steps), disable=not progress):
        optimizer = torch.optim.Adam(sae.parameters(), lr=lr)
        h = sample_h(batch_size)
        if resample_fn is not None and step > 0 and step % resample_every == 0:
            frac_active = torch.stack(window).mean(0)
            resample_fn(sae, frac_active, h)
            window = []
        loss_dict, loss, acts, _ = sae(h)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        active = (acts > 0).float()
        window.append(active.mean(0).detach())
        log["loss"].append(loss.item())
        log["L_reconstruction"].append(loss_dict["L_reconstruction"].mean(0).sum().item())
        log["L0"].append(active.sum(-1).mean().item())
    return log
