# Mistake: says the important sparse feature gets a dedicated dimension.
phase_dense_unimportant = None   # your answer: 0, 1 or 2
phase_sparse_important = None    # your answer: 0, 1 or 2
phase_dense_unimportant = 0
phase_sparse_important = 1
