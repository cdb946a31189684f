# Blames the run whose latents die under a huge penalty on the learning rate (both kill latents), and the other way round.
def curve_mistakes() -> dict:
    """{"run A": ..., ..., "run E": ...}: for each mystery run, the one mistake (from CURVE_MISTAKE_KINDS) behind it."""
    return {
        "run A": "l1_too_low",
        "run B": "l1_too_high",
        "run C": "too_few_steps",
        "run D": "lr_too_high",
        "run E": "lr_too_low",
    }
