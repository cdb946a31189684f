# Mistake: expects antipodal pairs (D = 1/2), the cheapest superposition, to collect the most instead of adding up the bars.
sticky_top_value = None      # your answer: one of STICKY_VALUES
sparse_dim_value = None      # your answer: a dimensionality between 0 and 1
sticky_sparse_share = None   # your answer: a fraction between 0 and 1
sticky_top_value = 1 / 2
sparse_dim_value = float(dims[-1][dims[-1] > 0.1].median())
sticky_sparse_share = float(shares_dim[-1].sum())
