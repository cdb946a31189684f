# Assumes that ablating any part of the circuit simply lowers the IO logit.
def predictions() -> dict:
    return {
        "L0@,_9": ("IO", "down"),
        "L0@END": ("IO", "down"),
        "L1@END": ("IO", "down"),
    }
