# Never zeroes the gradients: each step adds to the gradients of all the steps before it.
def train_meta_sae(directions: Tensor, d_meta: int, l1_coeff: float, steps: int, lr: float = 3e-3, seed: int = 0) -> MetaSAE:
    """Returns the trained MetaSAE."""
    x = directions / directions.norm(dim=-1, keepdim=True)
    meta = MetaSAE(x.shape[1], d_meta, seed)
    opt = torch.optim.Adam(meta.parameters(), lr=lr)
    for _ in tqdm(range(steps), desc="meta-SAE"):
        z = meta.encode(x)
        loss = (meta.decode(z) - x).pow(2).sum(-1).mean() + l1_coeff * (z * meta.W_dec.norm(dim=-1)).sum(-1).mean()
        loss.backward()
        opt.step()
    return meta
