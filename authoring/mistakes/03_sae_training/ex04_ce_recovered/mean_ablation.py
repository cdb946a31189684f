# Ablates with the mean activation instead of zeros.
@torch.no_grad()
def ce_loss_recovered(model, sae, tokens) -> dict:
    """Mean next-token CE of the clean, spliced and zero-ablated model, and the fraction recovered."""
    hook = sae.cfg.metadata.hook_name

    def splice(act, hook):
        return sae(act).to(act.dtype)

    def zero(act, hook):
        return act.mean(dim=(0, 1), keepdim=True).expand_as(act)

    clean = model(tokens, return_type="loss").item()
    spliced = model.run_with_hooks(tokens, return_type="loss", fwd_hooks=[(hook, splice)]).item()
    zero_ablated = model.run_with_hooks(tokens, return_type="loss", fwd_hooks=[(hook, zero)]).item()
    recovered = (zero_ablated - spliced) / (zero_ablated - clean)
    return {"clean": clean, "spliced": spliced, "zero_ablated": zero_ablated, "recovered": recovered}
