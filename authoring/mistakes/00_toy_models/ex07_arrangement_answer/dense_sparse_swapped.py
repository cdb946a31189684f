# Mistake: swaps the dense and the sparse correlated models.
corr_dense_arrangement = None    # your answer: "merged", "local_bases", "antipodal" or "separate"
corr_sparse_arrangement = None   # your answer: "merged", "local_bases", "antipodal" or "separate"
anti_arrangement = None          # your answer: "merged", "local_bases", "antipodal" or "separate"
corr_dense_arrangement = "local_bases"
corr_sparse_arrangement = "merged"
anti_arrangement = "antipodal"
