# Reads the learning-rate runs the wrong way round: the crawling run as too high, the wild one as too low.
def curve_mistakes() -> dict:
    """{"run A": ..., ..., "run E": ...}: for each mystery run, the one mistake (from CURVE_MISTAKE_KINDS) behind it."""
    return {
        "run A": "l1_too_low",
        "run B": "lr_too_low",
        "run C": "too_few_steps",
        "run D": "l1_too_high",
        "run E": "lr_too_high",
    }
