# Predicts that the raw de-embedding agrees better with the latents' real responses.
better_de_embedding = None     # your answer: "raw" or "extended"
raw_top5_mostly_right = None   # your answer: True or False
better_de_embedding = "raw"
raw_top5_mostly_right = False
