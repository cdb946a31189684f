# Projects the values onto the latent's decoder row instead of its encoder column.
def latent_top_dfa(model, attn_sae, layer: int, tokens, latent: int, k: int = 8) -> dict:
    """{"values": [k], "where": [k, 2] (prompt, dest), "dfa": [k, seq]} for the latent's top examples in tokens.

    tokens: [batch, seq]; hook_z: [batch, seq, n_heads, d_head] (attn_sae.encode takes it as it is);
    hook_v: [batch, src, n_heads, d_head]; hook_pattern: [batch, n_heads, dest, src].
    """
    z_hook = attn_sae.cfg.metadata.hook_name
    v_hook, p_hook = f"blocks.{layer}.attn.hook_v", f"blocks.{layer}.attn.hook_pattern"
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens, names_filter=[z_hook, v_hook, p_hook])
        acts = attn_sae.encode(cache[z_hook])[..., latent].clone()     # [batch, seq]
        acts[:, 0] = -float("inf")
        top = acts.flatten().topk(k)
        where = torch.stack([top.indices // acts.shape[1], top.indices % acts.shape[1]], -1)
        w = attn_sae.W_dec[latent].reshape(model.cfg.n_heads, model.cfg.d_head)
        dfa = torch.stack([
            einops.einsum(cache[v_hook][b], w, cache[p_hook][b, :, d], "s h e, h e, h s -> s")
            for b, d in where.tolist()
        ])
    return {"values": top.values, "where": where, "dfa": dfa}
