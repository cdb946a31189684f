# Mistake: says correlated pairs end up orthogonal.
corr_pair_cosine = None   # your answer: -1, 0 or 1
anti_pair_cosine = None   # your answer: -1, 0 or 1
corr_pair_cosine = 0
anti_pair_cosine = -1
