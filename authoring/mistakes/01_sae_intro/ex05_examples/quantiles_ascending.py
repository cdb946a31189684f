# Sorts the activations smallest first.
def top_activating_examples(acts, k: int):
    """(values [k], indices [k, 2]) of the k largest entries of acts [batch, seq], largest first."""
    top = acts.flatten().topk(k)
    seq_len = acts.shape[1]
    return top.values, torch.stack([top.indices // seq_len, top.indices % seq_len], dim=-1)


def context_window(tokens, seq: int, pos: int, left: int = 8, right: int = 4):
    """(window tokens [w], index of ``pos`` in the window) for tokens[seq, pos - left : pos + right + 1]."""
    start = max(0, pos - left)
    end = min(tokens.shape[1], pos + right + 1)
    return tokens[seq, start:end], pos - start


def quantile_examples(acts, n_groups: int = 4, per_group: int = 3) -> list:
    """[(values [p], indices [p, 2])] for n_groups rank groups of the positive entries of acts [batch, seq]."""
    flat = acts.flatten()
    where = (flat > 0).nonzero().flatten()
    values, order = flat[where].sort(stable=True)
    where = where[order]
    seq_len = acts.shape[1]
    out = []
    for g_vals, g_where in zip(values.tensor_split(n_groups), where.tensor_split(n_groups)):
        m = len(g_vals)
        pick = torch.linspace(0, max(m - 1, 0), min(per_group, m)).round().long()
        w = g_where[pick]
        out.append((g_vals[pick], torch.stack([w // seq_len, w % seq_len], dim=-1)))
    return out
