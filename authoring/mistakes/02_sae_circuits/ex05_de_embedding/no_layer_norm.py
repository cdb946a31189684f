# Skips the centring: multiplies the raw embeddings by the encoder.
def de_embedding_scores(model, transcoder, latent):
    layer = layer_of(transcoder.cfg.metadata.hook_name)
    with torch.no_grad():
        normed = model.W_E
        return normed @ transcoder.W_enc[:, latent] + 0
