# Mistake: says the model stores features at both ends, as it did with fresh batches.
dd_small_T_stores = None   # your answer: "data_points" or "features"
dd_large_T_stores = None   # your answer: "data_points" or "features"
dd_peak_T = None           # your answer: one of DD_T_VALUES
dd_small_T_stores = "features"
dd_large_T_stores = "features"
dd_peak_T = DD_T_VALUES[int(test_loss_dd.argmax())]
