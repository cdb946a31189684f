# Divides the agreeing count by every latent, noise included.
def cluster_purity(labels: np.ndarray, categories: np.ndarray) -> tuple[float, float]:
    """(purity, coverage)."""
    labels, categories = np.asarray(labels), np.asarray(categories)
    inside = labels >= 0
    if not inside.any():
        return 0.0, 0.0
    agree = sum(np.bincount(categories[labels == c]).max() for c in np.unique(labels[inside]))
    return float(agree / len(labels)), float(inside.mean())
