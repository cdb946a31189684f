# Mistake: normalises the decoder by rescaling the parameter in place (values right, parameter changed, gradient wrong).
class ToySAE(nn.Module):
    """One SAE per instance: W_enc (n_inst, d_in, d_sae), W_dec (n_inst, d_sae, d_in), b_enc, b_dec."""

    def __init__(self, n_inst: int, d_in: int, d_sae: int, l1_coeff: float = 0.2, device=device):
        super().__init__()
        self.n_inst, self.d_in, self.d_sae, self.l1_coeff = n_inst, d_in, d_sae, l1_coeff
        self.W_enc = nn.Parameter(nn.init.xavier_normal_(torch.empty(n_inst, d_in, d_sae, device=device)))
        self.W_dec = nn.Parameter(self.W_enc.detach().transpose(-1, -2).clone())
        self.b_enc = nn.Parameter(torch.zeros(n_inst, d_sae, device=device))
        self.b_dec = nn.Parameter(torch.zeros(n_inst, d_in, device=device))

    @property
    def W_dec_normalized(self) -> Tensor:
        """(n_inst, d_sae, d_in): each decoder row scaled to unit norm."""
        with torch.no_grad():
            self.W_dec.data /= self.W_dec.data.norm(dim=-1, keepdim=True).clamp_min(1e-8)
        return self.W_dec

    def forward(self, h: Tensor):
        """h: (batch, n_inst, d_in) -> (loss_dict, loss, acts, h_reconstructed)."""
        h_cent = h - self.b_dec
        acts = F.relu(einops.einsum(h_cent, self.W_enc, "batch inst d_in, inst d_in d_sae -> batch inst d_sae")
                      + self.b_enc)
        h_reconstructed = einops.einsum(acts, self.W_dec_normalized,
                                        "batch inst d_sae, inst d_sae d_in -> batch inst d_in") + self.b_dec
        loss_dict = {
            "L_reconstruction": (h_reconstructed - h).pow(2).mean(-1),
            "L_sparsity": acts.abs().sum(-1),
        }
        loss = (loss_dict["L_reconstruction"] + self.l1_coeff * loss_dict["L_sparsity"]).mean(0).sum()
        return loss_dict, loss, acts, h_reconstructed
