# Trusts the raw de-embedding on both counts: it agrees better and its top-5 are mostly right.
better_de_embedding = None     # your answer: "raw" or "extended"
raw_top5_mostly_right = None   # your answer: True or False
better_de_embedding = "raw"
raw_top5_mostly_right = True
