# Answers the yes/no question with a string ("no") instead of False.
better_de_embedding = None     # your answer: "raw" or "extended"
raw_top5_mostly_right = None   # your answer: True or False
better_de_embedding = "extended"
raw_top5_mostly_right = "no"
