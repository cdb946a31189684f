# Counts a point as dominated only when another is strictly better on both counts (keeps ties).
def pareto_frontier(l0, ev) -> list:
    """Indices of the points that no other point dominates (lower-or-equal L0 and higher-or-equal EV), by L0."""
    l0 = [float(v) for v in l0]
    ev = [float(v) for v in ev]
    keep = []
    for i in range(len(l0)):
        dominated = any(
            l0[j] < l0[i] and ev[j] > ev[i] for j in range(len(l0))
        )
        if not dominated:
            keep.append(i)
    return sorted(keep, key=lambda i: (l0[i], -ev[i], i))


def ev_at_l0(l0, ev, target: float) -> float:
    """EV of the frontier at L0 = target, interpolated linearly in log10(L0); nan outside its range."""
    front = pareto_frontier(l0, ev)
    xs = [math.log10(float(l0[i])) for i in front]
    ys = [float(ev[i]) for i in front]
    t = math.log10(target)
    if not front or t < xs[0] or t > xs[-1]:
        return float("nan")
    for a in range(len(xs)):
        if xs[a] == t:
            return ys[a]
        if xs[a] < t < xs[a + 1]:
            w = (t - xs[a]) / (xs[a + 1] - xs[a])
            return ys[a] + w * (ys[a + 1] - ys[a])
    return float("nan")
