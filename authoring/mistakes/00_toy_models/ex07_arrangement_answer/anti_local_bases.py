# Mistake: says anticorrelated pairs sit at right angles, like the sparse correlated ones.
corr_dense_arrangement = None    # your answer: "merged", "local_bases", "antipodal" or "separate"
corr_sparse_arrangement = None   # your answer: "merged", "local_bases", "antipodal" or "separate"
anti_arrangement = None          # your answer: "merged", "local_bases", "antipodal" or "separate"
corr_dense_arrangement = "merged"
corr_sparse_arrangement = "local_bases"
anti_arrangement = "local_bases"
