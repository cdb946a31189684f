# Marks every token with a positive activation, ignoring the threshold.
def explainer_prompt(top: list, quantile: list, threshold: float = 0.3) -> str:
    """The explainer prompt."""
    def text(toks, acts):
        return join_tokens([MARK_OPEN + t + MARK_CLOSE if a > 0 else t for t, a in zip(toks, acts)])

    lines = [PROMPT_INTRO, PROMPT_TOP] + [f"{i + 1}. {text(*ex)}" for i, ex in enumerate(top)]
    if quantile:
        lines += [PROMPT_QUANTILE] + [f"{i + 1}. {text(*ex)}" for i, ex in enumerate(quantile)]
    return "\n".join(lines + [PROMPT_TASK])
