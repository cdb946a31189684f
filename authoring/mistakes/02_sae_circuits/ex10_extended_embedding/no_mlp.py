# Reads the residual stream before the MLP (hook_resid_mid), so the MLP's output is missing.
def extended_embedding(model, chunk: int = 4096) -> Tensor:
    """[d_vocab, d_model]: each token's residual stream after block 0, alone, with attention switched off."""
    out = []
    store = {}

    def no_attention(act, hook):
        return torch.zeros_like(act)

    def keep(act, hook):
        store["x"] = act

    vocab = torch.arange(model.cfg.d_vocab, device=model.W_E.device)
    with torch.no_grad():
        for start in range(0, model.cfg.d_vocab, chunk):
            ids = vocab[start:start + chunk, None]
            model.run_with_hooks(ids, fwd_hooks=[("blocks.0.hook_attn_out", no_attention),
                                                 ("blocks.0.hook_resid_mid", keep)], stop_at_layer=1)
            out.append(store["x"][:, 0])
    return torch.cat(out)
