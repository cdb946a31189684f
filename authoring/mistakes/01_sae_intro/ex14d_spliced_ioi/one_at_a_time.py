# Splices the SAEs in one at a time and averages the results, instead of all together.
def ioi_with_saes(model, saes: list, tokens, metric) -> dict:
    """{"clean", "spliced", "with_error_term", "retained"} (floats) for the SAEs in ``saes`` spliced in together.

    tokens: [batch, seq]; metric: logits [batch, seq, d_vocab] -> scalar tensor.
    """
    with torch.no_grad():
        clean = metric(model(tokens)).item()
        spliced = sum(metric(model.run_with_saes(tokens, saes=[one])).item() for one in saes) / len(saes)
        try:
            for one in saes:
                model.add_sae(one, use_error_term=True)
            with_error = metric(model(tokens)).item()
        finally:
            model.reset_saes()
    return {"clean": clean, "spliced": spliced, "with_error_term": with_error, "retained": spliced / clean}
