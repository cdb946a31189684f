# Mistake: takes the best absolute cosine, so a latent pointing the opposite way counts as a match.
with torch.no_grad():
    best_cos_untied = match_features(sae_untied_pairs.W_dec, model_pairs.W)[0].abs().max(-1).values.mean().item()
    best_cos_tied = match_features(sae_tied_pairs.W_dec, model_pairs.W)[0].abs().max(-1).values.mean().item()
    rec_ratio = (sae_tied_pairs(h_pairs)[0]["L_reconstruction"].mean()
                 / sae_untied_pairs(h_pairs)[0]["L_reconstruction"].mean()).item()
