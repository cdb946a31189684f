# Takes a plane to hold half of the variance.
CHANCE_SHARE = 0.5
