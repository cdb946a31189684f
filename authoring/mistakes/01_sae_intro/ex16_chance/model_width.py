# Counts the model's dimensions (d_model 128) instead of the span of seven points.
CHANCE_SHARE = 2 / 128
