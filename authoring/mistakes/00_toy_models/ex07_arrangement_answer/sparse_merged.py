# Mistake: carries the plane's result over: says the sparse correlated pairs merge as well.
corr_dense_arrangement = None    # your answer: "merged", "local_bases", "antipodal" or "separate"
corr_sparse_arrangement = None   # your answer: "merged", "local_bases", "antipodal" or "separate"
anti_arrangement = None          # your answer: "merged", "local_bases", "antipodal" or "separate"
corr_dense_arrangement = "merged"
corr_sparse_arrangement = "merged"
anti_arrangement = "antipodal"
