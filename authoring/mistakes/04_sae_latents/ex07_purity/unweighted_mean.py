# Averages the clusters' purities without weighting them by size.
def cluster_purity(labels: np.ndarray, categories: np.ndarray) -> tuple[float, float]:
    """(purity, coverage)."""
    labels, categories = np.asarray(labels), np.asarray(categories)
    inside = labels >= 0
    if not inside.any():
        return 0.0, 0.0
    pur = [np.bincount(categories[labels == c]).max() / (labels == c).sum() for c in np.unique(labels[inside])]
    return float(np.mean(pur)), float(inside.mean())
