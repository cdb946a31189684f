# Mistake: reads the sparsest instance's point on the line (d_hidden / ||W||_F^2) instead of its column of dots.
sticky_top_value = None      # your answer: one of STICKY_VALUES
sparse_dim_value = None      # your answer: a dimensionality between 0 and 1
sticky_sparse_share = None   # your answer: a fraction between 0 and 1
sticky_top_value = STICKY_VALUES[int(shares_dim.sum(0).argmax())]
sparse_dim_value = float(dimensions_per_feature(model_dim.W.detach())[-1])
sticky_sparse_share = float(shares_dim[-1].sum())
