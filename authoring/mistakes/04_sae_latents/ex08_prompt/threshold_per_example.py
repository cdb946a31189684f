# Marks tokens against each example's own maximum instead of one threshold from the top examples.
def explainer_prompt(top: list, quantile: list, threshold: float = 0.3) -> str:
    """The explainer prompt."""
    def text(toks, acts):
        cut = threshold * max(acts)
        return join_tokens([MARK_OPEN + t + MARK_CLOSE if a > cut else t for t, a in zip(toks, acts)])

    lines = [PROMPT_INTRO, PROMPT_TOP] + [f"{i + 1}. {text(*ex)}" for i, ex in enumerate(top)]
    if quantile:
        lines += [PROMPT_QUANTILE] + [f"{i + 1}. {text(*ex)}" for i, ex in enumerate(quantile)]
    return "\n".join(lines + [PROMPT_TASK])
