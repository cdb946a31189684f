# Mistake: gives the mean height of all the bars (every instance) instead of the height of the sparsest instance's bar.
sticky_top_value = None      # your answer: one of STICKY_VALUES
sparse_dim_value = None      # your answer: a dimensionality between 0 and 1
sticky_sparse_share = None   # your answer: a fraction between 0 and 1
sticky_top_value = STICKY_VALUES[int(shares_dim.sum(0).argmax())]
sparse_dim_value = float(dims[-1][dims[-1] > 0.1].median())
sticky_sparse_share = float(shares_dim.sum(1).mean())
