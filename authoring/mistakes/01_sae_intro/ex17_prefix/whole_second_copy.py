# Averages over the whole second copy, including its first tokens whose matching prefix is short.
def prefix_scores(long_acts, long_ctrl, short_acts, short_ctrl, span: int, b2: int, long_from: int = 4):
    """(long [d_sae], short [d_sae]): each latent's rise over the control at long-prefix and one-token repeats."""
    rise = long_acts - long_ctrl
    return rise[:, 1 + span:].mean((0, 1)), (short_acts - short_ctrl)[:, b2].mean(0)


def split_induction_latents(long, short, k: int = 5):
    """(needs_long [k], one_token [k]): top-k latents by long - max(short, 0), and top-k by short, best first."""
    return (long - short.clamp(min=0)).topk(k).indices, short.topk(k).indices
