# Counts the 8 day latents instead of the span of seven centred points.
CHANCE_SHARE = 2 / 8
