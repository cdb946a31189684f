# Reads the dense run (L1 far too small) as unnormalised activations.
def curve_mistakes() -> dict:
    """{"run A": ..., ..., "run E": ...}: for each mystery run, the one mistake (from CURVE_MISTAKE_KINDS) behind it."""
    return {
        "run A": "no_normalisation",
        "run B": "lr_too_high",
        "run C": "too_few_steps",
        "run D": "l1_too_high",
        "run E": "lr_too_low",
    }
