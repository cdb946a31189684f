# Mistake: answers yes/no (a bool) instead of naming the design.
tied_prediction = True
