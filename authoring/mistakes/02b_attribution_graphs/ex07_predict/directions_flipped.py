# Right logits, every direction the wrong way round (ablating a supernode that helps a logit raises it).
def predictions() -> dict:
    return {
        "L0@,_9": ("S", "down"),
        "L0@END": ("IO", "up"),
        "L1@END": ("S", "up"),
    }
