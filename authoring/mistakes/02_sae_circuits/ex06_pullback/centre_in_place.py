# Centres the early decoder rows in place (W_dec.data -= mean): right numbers, changed transcoder.
def pullback(tc_early, tc_late, latent: int) -> Tensor:
    """[d_sae_early]: centred(W_dec_early) @ W_enc_late[:, latent], the late latent's encoder vector pulled back.

    W_dec_early: [d_sae_early, d_model], each row centred over d_model; W_enc_late: [d_model, d_sae_late].
    """
    with torch.no_grad():
        centred = tc_early.W_dec.data
        centred -= centred.mean(-1, keepdim=True)
        return centred @ tc_late.W_enc[:, latent]


def pullback_contributions(model, tc_early, tc_late, tokens: Tensor, pos: int, latent: int) -> Tensor:
    """[d_sae_early]: each early latent's direct contribution to the late latent's pre-activation at ``pos``.

    tokens: [seq] token ids of one prompt. Uses the early latents of the clean run, the centred early decoder
    rows and the late block's ln2 scale at ``pos``.
    """
    hook_in = tc_early.cfg.metadata.hook_name
    hook_scale = f"blocks.{layer_of(tc_late.cfg.metadata.hook_name)}.ln2.hook_scale"
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens.reshape(1, -1), names_filter=[hook_in, hook_scale])
        acts = tc_early.encode(cache[hook_in][0, pos])
        scale = cache[hook_scale][0, pos]
        centred = tc_early.W_dec - tc_early.W_dec.mean(-1, keepdim=True)
        return acts * (centred @ tc_late.W_enc[:, latent]) / scale
