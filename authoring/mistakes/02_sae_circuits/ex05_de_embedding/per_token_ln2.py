# Applies the block's layer norm to each embedding on its own (rescales every token to unit RMS: reorders tokens).
def de_embedding_scores(model, transcoder, latent):
    layer = layer_of(transcoder.cfg.metadata.hook_name)
    with torch.no_grad():
        normed = model.blocks[layer].ln2(model.W_E)
        return normed @ transcoder.W_enc[:, latent]
