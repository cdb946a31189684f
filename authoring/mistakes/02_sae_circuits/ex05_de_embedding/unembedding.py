# Uses the unembedding (W_U transposed) instead of the embedding.
def de_embedding_scores(model, transcoder, latent):
    layer = layer_of(transcoder.cfg.metadata.hook_name)
    with torch.no_grad():
        normed = model.blocks[layer].ln2(model.W_U.T)
        return normed @ transcoder.W_enc[:, latent] + 0
