# The splicing hook overwrites a local variable and returns nothing, so nothing is spliced.
@torch.no_grad()
def ce_loss_recovered(model, sae, tokens) -> dict:
    """Mean next-token CE of the clean, spliced and zero-ablated model, and the fraction recovered."""
    hook = sae.cfg.metadata.hook_name

    def splice(act, hook):
        act = sae(act).to(act.dtype)

    def zero(act, hook):
        return torch.zeros_like(act)

    clean = model(tokens, return_type="loss").item()
    spliced = model.run_with_hooks(tokens, return_type="loss", fwd_hooks=[(hook, splice)]).item()
    zero_ablated = model.run_with_hooks(tokens, return_type="loss", fwd_hooks=[(hook, zero)]).item()
    recovered = (zero_ablated - spliced) / (zero_ablated - clean)
    return {"clean": clean, "spliced": spliced, "zero_ablated": zero_ablated, "recovered": recovered}
