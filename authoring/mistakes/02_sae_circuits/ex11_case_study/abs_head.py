# Names the head with the largest |attribution| instead of the most positive one.
def head_attribution(model, transcoder, tokens: Tensor, latent: int) -> Tensor:
    """[L + 1, n_heads]: each head's direct contribution to the latent's pre-activation, summed over the positions
    of tokens ([batch, seq]) where the latent is on, position 0 left out (L: the transcoder's block)."""
    hook_in = transcoder.cfg.metadata.hook_name
    block = layer_of(hook_in)
    hook_scale = f"blocks.{block}.ln2.hook_scale"
    z_hooks = [f"blocks.{l}.attn.hook_z" for l in range(block + 1)]
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens, names_filter=[hook_in, hook_scale, *z_hooks])
        on = transcoder.encode(cache[hook_in])[..., latent] > 0
        on[:, 0] = False
        enc = transcoder.W_enc[:, latent]
        scale = cache[hook_scale][on]  # [n_on, 1]
        rows = []
        for l, name in enumerate(z_hooks):
            written = torch.einsum("nhd,hdm->nhm", cache[name][on], model.W_O[l])  # [n_on, n_heads, d_model]
            written = written - written.mean(-1, keepdim=True)
            rows.append(((written @ enc) / scale).sum(0))
        return torch.stack(rows)


def case_study_conclusions(model, tc_early, tc_late, latent: int, tokens: Tensor, k: int = 5):
    """(top_tokens: list of k token ids, head: (layer, head), upstream_latent: int), measured on tokens
    ([batch, seq]) with position 0 left out."""
    hook_in, hook_early = tc_late.cfg.metadata.hook_name, tc_early.cfg.metadata.hook_name
    hook_scale = f"blocks.{layer_of(hook_in)}.ln2.hook_scale"
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens, names_filter=[hook_in, hook_early, hook_scale])
        acts = tc_late.encode(cache[hook_in])[..., latent]
        ids, vals = tokens[:, 1:].flatten(), acts[:, 1:].flatten()
        sums = torch.zeros(model.cfg.d_vocab, device=vals.device).index_add_(0, ids, vals)
        counts = torch.bincount(ids, minlength=model.cfg.d_vocab)
        means = torch.where(counts >= 3, sums / counts.clamp(min=1), torch.full_like(sums, -float("inf")))
        top = means.topk(k).indices.tolist()

        heads = head_attribution(model, tc_late, tokens, latent)
        layer, head = divmod(int(heads.abs().argmax()), heads.shape[1])

        on = acts > 0
        on[:, 0] = False
        early = tc_early.encode(cache[hook_early][on])  # [n_on, d_sae_early]
        weighted = (early / cache[hook_scale][on]).sum(0)
        upstream = int((weighted * pullback(tc_early, tc_late, latent)).argmax())
    return top, (layer, head), upstream
