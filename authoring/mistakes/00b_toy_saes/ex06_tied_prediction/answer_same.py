# Mistake: predicts that tying makes no difference.
tied_prediction = "same"
