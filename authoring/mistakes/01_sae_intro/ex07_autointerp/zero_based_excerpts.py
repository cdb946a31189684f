# Numbers the excerpts from 0.
def autointerp_prompt(dash: dict, n_examples: int = 5, n_logits: int = 5) -> str:
    """The auto-interpretation prompt for a dashboard, in exactly the format above."""
    examples = dash["top_examples"][:n_examples]
    vmax = max(e["value"] for e in examples)
    lines = [
        f"We are studying latent {dash['latent']} of a sparse autoencoder trained on {dash['hook_name']}.",
        "Below are text excerpts where the latent fires. In each excerpt the token where it fires is marked "
        "<<like this>>, and its activation, scaled so that the strongest excerpt is 10, follows in brackets.",
        "",
    ]
    for i, e in enumerate(examples):
        toks = list(e["str_tokens"])
        toks[e["target"]] = f"<<{toks[e['target']]}>>"
        lines.append(f"Excerpt {i}: {join_tokens(toks)} [{round(10 * e['value'] / vmax)}]")
    lines += [
        "",
        "Tokens the latent promotes: " + ", ".join(repr(t) for t, _ in dash["top_logits"][:n_logits]),
        "Tokens the latent suppresses: " + ", ".join(repr(t) for t, _ in dash["bottom_logits"][:n_logits]),
        "",
        "In a few words, what does this latent detect?",
    ]
    return "\n".join(lines)
