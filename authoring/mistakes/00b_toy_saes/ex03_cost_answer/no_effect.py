# Mistake: assumes the two runs end at the same loss (dead latents cost nothing in the long run) and answers 1.
dead_latent_cost = None   # your answer: 1, 3, 10 or 30
dead_latent_cost = 1
