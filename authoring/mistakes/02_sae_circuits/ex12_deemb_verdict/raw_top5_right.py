# Predicts that the raw de-embedding's top-5 tokens are mostly right.
better_de_embedding = None     # your answer: "raw" or "extended"
raw_top5_mostly_right = None   # your answer: True or False
better_de_embedding = "extended"
raw_top5_mostly_right = True
