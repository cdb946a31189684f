# Reports the slope per step as the remaining gain, without multiplying by the run's length.
def run_gain(run: dict) -> float:
    """EV a run would still gain if trained as long again at the rate it ends with (see the text)."""
    steps = [float(v) for v in run["step"]]
    evs = [float(v) for v in run["explained_variance"]]
    n = max(3, len(steps) // 4)
    xs, ys = steps[-n:], evs[-n:]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    return slope


def frontier_verdict(ev_at_target: dict, histories: dict) -> dict:
    """{"winner": str, "still_improving": bool, "decided": bool} (see the text).

    ev_at_target: {architecture: EV of its frontier at the target L0, nan if out of its range};
    histories: {architecture: [run, ...]}, each run {"step": [...], "explained_variance": [...]}.
    """
    scored = {a: float(v) for a, v in ev_at_target.items() if not math.isnan(float(v))}
    winner = max(scored, key=scored.get)
    gains = {a: max(run_gain(r) for r in runs) for a, runs in histories.items()}
    still = any(g > 0.01 for g in gains.values())
    decided = all(scored[winner] - scored[a] > gains[a] for a in scored if a != winner)
    return {"winner": winner, "still_improving": still, "decided": decided}
