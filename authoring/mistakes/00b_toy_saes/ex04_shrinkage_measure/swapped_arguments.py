# Mistake: passes the reconstruction first and the input second, so gamma comes out inverted (1/gamma).
shrinkage = {}
with torch.no_grad():
    for name, s in designs.items():
        shrinkage[name] = relative_reconstruction_bias(s(h_eval)[3], h_eval).mean().item()
