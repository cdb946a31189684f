# Mistake: predicts that the tied SAE matches the features better.
tied_prediction = "tied"
