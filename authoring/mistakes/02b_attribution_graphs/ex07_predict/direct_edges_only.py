# Predicts from the sign of each supernode's direct edge to logit(IO) alone, ignoring paths through attention and S.
def predictions() -> dict:
    return {
        "L0@,_9": ("IO", "up"),
        "L0@END": ("IO", "down"),
        "L1@END": ("IO", "up"),
    }
