# Mistake: swaps the two answers.
corr_pair_cosine = None   # your answer: -1, 0 or 1
anti_pair_cosine = None   # your answer: -1, 0 or 1
corr_pair_cosine = -1
anti_pair_cosine = 1
