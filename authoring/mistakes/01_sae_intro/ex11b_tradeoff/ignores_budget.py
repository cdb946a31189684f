# Chooses the coefficient with the largest effect, whatever it costs.
def steering_tradeoff(model, sae, latent: int, coeffs, prompt_tokens, target_ids, text_tokens):
    """(effect [n], cost [n]) for the coefficients in ``coeffs``."""
    hook = sae.cfg.metadata.hook_name
    direction = sae.W_dec[latent].detach()
    targets = torch.as_tensor(target_ids, dtype=torch.long)
    effect, cost = [], []
    with torch.no_grad():
        base = model(text_tokens, return_type="loss").item()
        for coeff in torch.as_tensor(coeffs).tolist():
            with model.hooks(fwd_hooks=[(hook, steering_hook(direction, coeff))]):
                probs = model(prompt_tokens)[:, -1].softmax(-1)
                effect.append(probs[:, targets].sum(-1).mean().item())
                cost.append(model(text_tokens, return_type="loss").item() - base)
    return torch.tensor(effect), torch.tensor(cost)


def choose_coefficient(coeffs, effect, cost, budget: float) -> float:
    """The coefficient to use when the fluency cost may be at most ``budget``."""
    effect, cost = torch.as_tensor(effect), torch.as_tensor(cost)
    allowed = effect
    return float(torch.as_tensor(coeffs)[allowed.argmax()])
