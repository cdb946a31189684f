# Normalises the steering direction in place: the SAE's decoder row itself changes.
def steering_tradeoff(model, sae, latent: int, coeffs, prompt_tokens, target_ids, text_tokens):
    """(effect [n], cost [n]) for the coefficients in ``coeffs``.

    prompt_tokens: [n_prompts, seq] (all the same length); target_ids: [n_targets] token ids;
    text_tokens: [n_windows, seq_text]. effect[j]: mean over prompts of the softmax probability summed over
    target_ids at the last position; cost[j]: mean cross-entropy on text_tokens steered minus unsteered.
    """
    hook = sae.cfg.metadata.hook_name
    direction = sae.W_dec[latent].detach()
    direction /= direction.norm()  # coefficients in units of a unit vector
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
    """The coefficient to use when the fluency cost may be at most ``budget`` (coeffs, effect, cost: [n])."""
    effect, cost = torch.as_tensor(effect), torch.as_tensor(cost)
    allowed = torch.where(cost <= budget, effect, torch.full_like(effect, -float("inf")))
    return float(torch.as_tensor(coeffs)[allowed.argmax()])
