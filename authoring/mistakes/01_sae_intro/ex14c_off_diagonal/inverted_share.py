# Divides the ablation by the estimate (the share the estimate overshoots by, not the share it captures).
def off_diagonal(latents, ablation, estimate) -> dict:
    """{"worst": int, "captured": float, "reason": str} for one ablation-against-estimate plot.

    latents: [n] latent ids; ablation, estimate: [n] floats (entry j belongs to latents[j]).
    reason: "saturated" | "compensated" | "reversal" | "sign_convention".
    """
    ids = torch.as_tensor(latents).flatten().tolist()
    abl = torch.as_tensor(ablation, dtype=torch.float64).flatten().cpu()
    est = torch.as_tensor(estimate, dtype=torch.float64).flatten().cpu()
    j = int((abl - est).abs().argmax())
    captured = float(abl[j] / est[j])
    if 2 * int((abl * est < 0).sum()) > len(ids):
        reason = "sign_convention"  # most points on the wrong side: the pipeline, not the model
    elif captured < 0:
        reason = "reversal"
    elif captured < 1:
        reason = "saturated"  # the slope at the clean end is smaller than the average slope to zero
    else:
        reason = "compensated"  # the slope at the clean end is larger than the average slope to zero
    return {"worst": int(ids[j]), "captured": captured, "reason": reason}
