# Mistake: expects the sparsest features to sit in antipodal pairs (D = 1/2) as at medium sparsity.
sticky_top_value = None      # your answer: one of STICKY_VALUES
sparse_dim_value = None      # your answer: a dimensionality between 0 and 1
sticky_sparse_share = None   # your answer: a fraction between 0 and 1
sticky_top_value = STICKY_VALUES[int(shares_dim.sum(0).argmax())]
sparse_dim_value = 1 / 2
sticky_sparse_share = float(shares_dim[-1].sum())
