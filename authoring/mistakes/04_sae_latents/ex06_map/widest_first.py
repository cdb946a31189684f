# Stacks the decoders widest first, so row i is not latent i of the family's order.
def latent_map(decoders: list[Tensor], n_components: int = 2, seed: int = 0) -> np.ndarray:
    """UMAP of every decoder direction of the family."""
    stacked = torch.cat([d / d.norm(dim=-1, keepdim=True) for d in decoders[::-1]]).cpu().numpy()
    reducer = umap.UMAP(n_components=n_components, n_neighbors=UMAP_NEIGHBORS, min_dist=0.05, metric="cosine",
                        n_epochs=UMAP_EPOCHS, random_state=seed, n_jobs=1)
    return reducer.fit_transform(stacked)
