# Adds block 0's MLP applied to the raw embedding, skipping the LayerNorm in front of the MLP.
def extended_embedding(model, chunk: int = 4096) -> Tensor:
    """[d_vocab, d_model]: each token's residual stream after block 0, alone, with attention switched off."""
    with torch.no_grad():
        E = model.W_E
        if model.cfg.positional_embedding_type == "standard":
            E = E + model.W_pos[0]
        return E + model.blocks[0].mlp(E[:, None])[:, 0]
