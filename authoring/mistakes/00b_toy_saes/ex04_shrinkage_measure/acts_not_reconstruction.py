# Mistake: reads the latent activations (the third output) instead of the reconstruction (the fourth).
shrinkage = {}
with torch.no_grad():
    for name, s in designs.items():
        _z = s(h_eval)[2]
        shrinkage[name] = relative_reconstruction_bias(h_eval, _z[..., :h_eval.shape[-1]]).mean().item()
