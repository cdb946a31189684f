# Mistake: logs the sum of the activations (L1) as L0.
def train_sae(sae: nn.Module, sample_h, steps: int = 10_000, batch_size: int = 1024, lr: float = 1e-3,
              resample_fn=None, resample_every: int = 2_500, progress: bool = True) -> dict[str, list[float]]:
    """Train ``sae`` on batches from ``sample_h``; returns {"loss": [...], "L_reconstruction": [...], "L0": [...]}."""
    optimizer = torch.optim.Adam(sae.parameters(), lr=lr)
    log = {"loss": [], "L_reconstruction": [], "L0": []}
    window = []  # per-step (n_inst, d_sae) fraction of inputs on which each latent fired
    for step in tqdm(range(steps), disable=not progress):
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
        log["L0"].append(acts.sum(-1).mean().item())
    return log
