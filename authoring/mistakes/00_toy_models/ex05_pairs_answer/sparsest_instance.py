# Mistake: names the sparsest instance (where superposition is most visible) instead of the first one with a pair.
first_pair_instance = None   # your answer: an instance index, 0 to 7
why_pairs_first = None       # your answer: "a", "b", "c" or "d"
first_pair_instance = model_2d.n_inst - 1
why_pairs_first = "b"
