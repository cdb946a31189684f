# Confuses 'not converged because it stopped early' with 'not converged because it learns too slowly'.
def curve_mistakes() -> dict:
    """{"run A": ..., ..., "run E": ...}: for each mystery run, the one mistake (from CURVE_MISTAKE_KINDS) behind it."""
    return {
        "run A": "l1_too_low",
        "run B": "lr_too_high",
        "run C": "lr_too_low",
        "run D": "l1_too_high",
        "run E": "too_few_steps",
    }
