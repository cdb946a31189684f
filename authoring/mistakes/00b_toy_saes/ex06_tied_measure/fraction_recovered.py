# Mistake: reports the fraction of features recovered (cosine > 0.95) instead of the mean best cosine.
with torch.no_grad():
    best_cos_untied = fraction_recovered(match_features(sae_untied_pairs.W_dec, model_pairs.W)[1]).mean().item()
    best_cos_tied = fraction_recovered(match_features(sae_tied_pairs.W_dec, model_pairs.W)[1]).mean().item()
    rec_ratio = (sae_tied_pairs(h_pairs)[0]["L_reconstruction"].mean()
                 / sae_untied_pairs(h_pairs)[0]["L_reconstruction"].mean()).item()
