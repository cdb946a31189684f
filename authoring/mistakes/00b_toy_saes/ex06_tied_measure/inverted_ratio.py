# Mistake: divides the untied SAE's reconstruction loss by the tied one's.
with torch.no_grad():
    best_cos_untied = match_features(sae_untied_pairs.W_dec, model_pairs.W)[1].mean().item()
    best_cos_tied = match_features(sae_tied_pairs.W_dec, model_pairs.W)[1].mean().item()
    rec_ratio = (sae_untied_pairs(h_pairs)[0]["L_reconstruction"].mean()
                 / sae_tied_pairs(h_pairs)[0]["L_reconstruction"].mean()).item()
