# Mistake: names the JumpReLU SAE.
most_shrinkage = None   # your answer: "L1", "TopK", "Gated" or "JumpReLU"
most_shrinkage = "JumpReLU"
