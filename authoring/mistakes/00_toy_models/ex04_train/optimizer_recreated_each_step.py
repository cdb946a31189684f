# Mistake: creates a new Adam optimiser at every step (its moment estimates restart each time).
def train_toy_model(model: ToyModel, steps: int = 10_000, batch_size: int = 1024, lr: float = 1e-3,
                    lr_schedule=constant_lr, batch_fn=None, progress: bool = True) -> list[float]:
    """Train every instance of ``model`` at once; returns the loss of every step (floats)."""
    losses = []
    for step in tqdm(range(steps), disable=not progress):
        optimizer = torch.optim.Adam(model.parameters(), lr=lr * lr_schedule(step, steps))
        if batch_fn is not None:
            batch = batch_fn(batch_size)
        else:
            batch = generate_batch(model.feature_probability, batch_size)
        out = model(batch)
        loss = calculate_loss(out, batch, model.importance)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
