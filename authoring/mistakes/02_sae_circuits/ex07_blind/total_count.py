# Divides every token's sum by the total number of positions.
def latent_logit_effect(model, transcoder, latent):
    with torch.no_grad():
        return transcoder.W_dec[latent] @ model.W_U


def mean_activation_by_token(model, transcoder, tokens, latent, batch_size=16):
    hook_in = transcoder.cfg.metadata.hook_name
    d_vocab = model.cfg.d_vocab
    sums = torch.zeros(d_vocab, device=tokens.device)
    counts = torch.zeros(d_vocab, device=tokens.device)
    with torch.no_grad():
        for i in range(0, len(tokens), batch_size):
            batch = tokens[i:i + batch_size]
            _, cache = model.run_with_cache(batch, names_filter=hook_in)
            acts = transcoder.encode(cache[hook_in])[..., latent]
            ids = batch.flatten()
            vals = acts.flatten()
            sums.index_add_(0, ids, vals.to(sums.dtype))
            counts.index_add_(0, ids, torch.ones(ids.numel(), device=counts.device))
    return torch.where(counts > 0, sums / counts.sum().clamp(min=1), torch.zeros_like(sums)), counts
