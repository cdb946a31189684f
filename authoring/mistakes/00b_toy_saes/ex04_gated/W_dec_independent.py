# Mistake: initialises W_dec independently instead of as W_gate transposed.
class GatedToySAE(nn.Module):
    """Gated SAE per instance: W_gate (n_inst, d_in, d_sae), r_mag, b_gate, b_mag (n_inst, d_sae), W_dec, b_dec."""

    def __init__(self, n_inst: int, d_in: int, d_sae: int, l1_coeff: float = 0.2, device=device):
        super().__init__()
        self.n_inst, self.d_in, self.d_sae, self.l1_coeff = n_inst, d_in, d_sae, l1_coeff
        self.W_gate = nn.Parameter(nn.init.xavier_normal_(torch.empty(n_inst, d_in, d_sae, device=device)))
        self.r_mag = nn.Parameter(torch.zeros(n_inst, d_sae, device=device))
        self.b_gate = nn.Parameter(torch.zeros(n_inst, d_sae, device=device))
        self.b_mag = nn.Parameter(torch.zeros(n_inst, d_sae, device=device))
        self.W_dec = nn.Parameter(nn.init.xavier_normal_(torch.empty(n_inst, d_sae, d_in, device=device)))
        self.b_dec = nn.Parameter(torch.zeros(n_inst, d_in, device=device))

    @property
    def W_dec_normalized(self) -> Tensor:
        return self.W_dec / self.W_dec.norm(dim=-1, keepdim=True).clamp_min(1e-8)

    def forward(self, h: Tensor):
        """h: (batch, n_inst, d_in) -> (loss_dict, loss, acts, h_reconstructed)."""
        h_cent = h - self.b_dec
        pi_gate = einops.einsum(h_cent, self.W_gate, "batch inst d_in, inst d_in d_sae -> batch inst d_sae") + self.b_gate
        W_mag = self.W_gate * self.r_mag.exp().unsqueeze(1)
        pi_mag = einops.einsum(h_cent, W_mag, "batch inst d_in, inst d_in d_sae -> batch inst d_sae") + self.b_mag
        acts = (pi_gate > 0).to(h.dtype) * F.relu(pi_mag)
        W_dec_n = self.W_dec_normalized
        h_reconstructed = einops.einsum(acts, W_dec_n, "batch inst d_sae, inst d_sae d_in -> batch inst d_in") + self.b_dec
        gate_acts = F.relu(pi_gate)
        h_aux = einops.einsum(gate_acts, W_dec_n.detach(), "batch inst d_sae, inst d_sae d_in -> batch inst d_in") \
            + self.b_dec.detach()
        loss_dict = {
            "L_reconstruction": (h_reconstructed - h).pow(2).mean(-1),
            "L_sparsity": gate_acts.sum(-1),
            "L_aux": (h_aux - h).pow(2).mean(-1),
        }
        loss = (loss_dict["L_reconstruction"] + self.l1_coeff * loss_dict["L_sparsity"] + loss_dict["L_aux"]).mean(0).sum()
        return loss_dict, loss, acts, h_reconstructed
