# Mistake: puts the test-loss peak at the largest dataset (the most points to fit).
dd_small_T_stores = None   # your answer: "data_points" or "features"
dd_large_T_stores = None   # your answer: "data_points" or "features"
dd_peak_T = None           # your answer: one of DD_T_VALUES
dd_small_T_stores = "data_points"
dd_large_T_stores = "features"
dd_peak_T = DD_T_VALUES[-1]
