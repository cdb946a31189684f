# Mistake: compares the features with the encoder columns (W_enc transposed) instead of the decoder rows.
with torch.no_grad():
    best_cos_untied = match_features(sae_untied_pairs.W_enc.transpose(-1, -2), model_pairs.W)[1].mean().item()
    best_cos_tied = match_features(sae_tied_pairs.W_enc.transpose(-1, -2), model_pairs.W)[1].mean().item()
    rec_ratio = (sae_tied_pairs(h_pairs)[0]["L_reconstruction"].mean()
                 / sae_untied_pairs(h_pairs)[0]["L_reconstruction"].mean()).item()
