# Mistake: reads the peak off the training loss instead of the test loss.
dd_small_T_stores = None   # your answer: "data_points" or "features"
dd_large_T_stores = None   # your answer: "data_points" or "features"
dd_peak_T = None           # your answer: one of DD_T_VALUES
dd_small_T_stores = "data_points"
dd_large_T_stores = "features"
dd_peak_T = DD_T_VALUES[int(train_loss_dd.argmax())]
