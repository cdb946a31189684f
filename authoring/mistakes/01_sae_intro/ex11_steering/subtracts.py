# Subtracts the steering vector.
def steering_hook(direction, coeff: float):
    """A hook function that adds coeff * direction to the activation at every position."""
    def hook_fn(act, hook):
        return act - coeff * direction
    return hook_fn


def steered_logits(model, sae, latent: int, coeff: float, tokens):
    """Logits [batch, seq, d_vocab] with coeff * W_dec[latent] added at the SAE's hook."""
    with torch.no_grad():
        fn = steering_hook(sae.W_dec[latent], coeff)
        return model.run_with_hooks(tokens, fwd_hooks=[(sae.cfg.metadata.hook_name, fn)])


def generate_steered(model, sae, latent: int, coeff: float, prompt: str, max_new_tokens: int = 10) -> str:
    """Greedy generation from ``prompt`` with the steering hook active."""
    fn = steering_hook(sae.W_dec[latent].detach(), coeff)
    with torch.no_grad(), model.hooks(fwd_hooks=[(sae.cfg.metadata.hook_name, fn)]):
        return model.generate(prompt, max_new_tokens=max_new_tokens, do_sample=False, verbose=False)
