# Treats the noise label -1 as one more cluster.
def cluster_purity(labels: np.ndarray, categories: np.ndarray) -> tuple[float, float]:
    """(purity, coverage)."""
    labels, categories = np.asarray(labels), np.asarray(categories)
    inside = labels >= 0
    if not inside.any():
        return 0.0, 0.0
    agree = sum(np.bincount(categories[labels == c]).max() for c in np.unique(labels))
    return float(agree / len(labels)), float(inside.mean())
