# Mistake: says the model memorises data points at both ends (a small model on a finite dataset always memorises).
dd_small_T_stores = None   # your answer: "data_points" or "features"
dd_large_T_stores = None   # your answer: "data_points" or "features"
dd_peak_T = None           # your answer: one of DD_T_VALUES
dd_small_T_stores = "data_points"
dd_large_T_stores = "data_points"
dd_peak_T = DD_T_VALUES[int(test_loss_dd.argmax())]
