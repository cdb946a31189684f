# Stores the position in the sequence as the target instead of its index in the window.
def latent_dashboard(model, sae, tokens, latent: int, k: int = 8, n_groups: int = 4, per_group: int = 3,
                     left: int = 8, right: int = 4, n_bins: int = 40) -> dict:
    """Every part of a latent's dashboard, as a dict (see the table above)."""
    acts = latent_activations(model, sae, tokens, latent)
    hist = activation_histogram(acts, n_bins)
    tv, ti, bv, bi = latent_logit_effects(model, sae, latent, k)

    def example(value, seq, pos):
        seq, pos = int(seq), int(pos)
        window, target = context_window(tokens, seq, pos, left, right)
        start = pos - target
        return {"value": float(value), "seq": seq, "pos": pos, "str_tokens": model.to_str_tokens(window),
                "target": pos, "acts": acts[seq, start:start + len(window)].tolist()}

    top_v, top_i = top_activating_examples(acts, k)
    return {
        "latent": latent,
        "hook_name": sae.cfg.metadata.hook_name,
        "density": hist["density"],
        "hist_counts": hist["counts"],
        "hist_edges": hist["edges"],
        "top_logits": list(zip(model.to_str_tokens(ti), tv.tolist())),
        "bottom_logits": list(zip(model.to_str_tokens(bi), bv.tolist())),
        "top_examples": [example(v, s, p) for v, (s, p) in zip(top_v.tolist(), top_i.tolist())],
        "quantile_examples": [[example(v, s, p) for v, (s, p) in zip(gv.tolist(), gi.tolist())]
                              for gv, gi in quantile_examples(acts, n_groups, per_group)],
    }
