# Mistake: assumes dead latents are a disaster and picks the largest option without reading the plot.
dead_latent_cost = None   # your answer: 1, 3, 10 or 30
dead_latent_cost = 30
