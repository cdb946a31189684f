# Mistake: takes the ratio the wrong way up (with resampling / without), so the cost looks like less than 1.
dead_latent_cost = None   # your answer: 1, 3, 10 or 30
_tenth = len(log_plain["L_reconstruction"]) // 10
_ratio = np.mean(log_resampled["L_reconstruction"][-_tenth:]) / np.mean(log_plain["L_reconstruction"][-_tenth:])
dead_latent_cost = min((1, 3, 10, 30), key=lambda c: abs(math.log(c / _ratio)))
