# Mistake: never sets the learning rate from the schedule: the rate stays at lr for the whole run.
def dataset_loss(out: Tensor, data: Tensor, n_points: Tensor) -> Tensor:
    """out, data: (T_max, n_inst, n_features); n_points: (n_inst,) ints -> (n_inst,)."""
    n_points = torch.as_tensor(n_points, device=data.device)
    own = (torch.arange(data.shape[0], device=data.device)[:, None] < n_points).to(data.dtype)
    per_point = ((out - data) ** 2).mean(-1)
    return (per_point * own).sum(0) / n_points.to(data.dtype)


def train_on_dataset(model: ToyModel, data: Tensor, n_points: Tensor, steps: int, lr: float = 1e-2,
                     weight_decay: float = 1e-2, lr_schedule=warmup_cosine_lr, progress: bool = True) -> list[float]:
    """Full-batch AdamW on sum_k dataset_loss(...)[k]; returns the summed loss of every step."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    losses = []
    for step in tqdm(range(steps), disable=not progress):
        loss = dataset_loss(model(data), data, n_points).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
