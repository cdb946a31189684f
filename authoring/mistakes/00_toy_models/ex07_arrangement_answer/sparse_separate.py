# Mistake: says each sparse correlated pair gets a subspace of its own (eight features cannot have that in four dimensions).
corr_dense_arrangement = None    # your answer: "merged", "local_bases", "antipodal" or "separate"
corr_sparse_arrangement = None   # your answer: "merged", "local_bases", "antipodal" or "separate"
anti_arrangement = None          # your answer: "merged", "local_bases", "antipodal" or "separate"
corr_dense_arrangement = "merged"
corr_sparse_arrangement = "separate"
anti_arrangement = "antipodal"
