# Forgets that centring removes one dimension: 2 of 7.
CHANCE_SHARE = 2 / 7
