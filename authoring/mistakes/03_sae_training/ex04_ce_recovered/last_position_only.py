# Measures the loss at the last position of each sequence only.
@torch.no_grad()
def ce_loss_recovered(model, sae, tokens) -> dict:
    """Mean next-token CE of the clean, spliced and zero-ablated model, and the fraction recovered."""
    hook = sae.cfg.metadata.hook_name

    def splice(act, hook):
        return sae(act).to(act.dtype)

    def zero(act, hook):
        return torch.zeros_like(act)

    def last_loss(logits):
        logp = logits[:, -2].log_softmax(-1)
        return -logp.gather(-1, tokens[:, -1:]).mean().item()

    clean = last_loss(model(tokens))
    spliced = last_loss(model.run_with_hooks(tokens, fwd_hooks=[(hook, splice)]))
    zero_ablated = last_loss(model.run_with_hooks(tokens, fwd_hooks=[(hook, zero)]))
    recovered = (zero_ablated - spliced) / (zero_ablated - clean)
    return {"clean": clean, "spliced": spliced, "zero_ablated": zero_ablated, "recovered": recovered}
