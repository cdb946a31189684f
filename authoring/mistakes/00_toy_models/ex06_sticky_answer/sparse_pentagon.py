# Mistake: expects the sparsest features to form pentagons (D = 2/5), the paper's picture, instead of reading the dots.
sticky_top_value = None      # your answer: one of STICKY_VALUES
sparse_dim_value = None      # your answer: a dimensionality between 0 and 1
sticky_sparse_share = None   # your answer: a fraction between 0 and 1
sticky_top_value = STICKY_VALUES[int(shares_dim.sum(0).argmax())]
sparse_dim_value = 2 / 5
sticky_sparse_share = float(shares_dim[-1].sum())
