# Splits the encoder column as (d_head, n_heads).
def dfa_by_source(model, attn_sae, layer: int, tokens, latent: int, dest: int = -1):
    """[batch, n_heads, seq_src]: each head's and source position's share of the latent's pre-activation at dest."""
    v_hook, p_hook = f"blocks.{layer}.attn.hook_v", f"blocks.{layer}.attn.hook_pattern"
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens, names_filter=[v_hook, p_hook])
        v = cache[v_hook]                                   # [batch, src, head, d_head]
        pattern = cache[p_hook][:, :, dest]                 # [batch, head, src]
        w = attn_sae.W_enc[:, latent].reshape(model.cfg.d_head, model.cfg.n_heads).T
        return einops.einsum(v, w, pattern, "b s h d, h d, b h s -> b h s")
