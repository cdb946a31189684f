# Assumes that ablating any part of the circuit simply lowers the IO logit.
PREDICTIONS = {
    "L0@,_9": ("IO", "down"),
    "L0@END": ("IO", "down"),
    "L1@END": ("IO", "down"),
}
