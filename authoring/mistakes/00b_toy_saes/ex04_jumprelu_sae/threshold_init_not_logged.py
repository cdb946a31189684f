# Mistake: fills log_threshold with init_threshold itself instead of its log.
class JumpReLUToySAE(nn.Module):
    """JumpReLU SAE per instance: W_enc (n_inst, d_in, d_sae), W_dec (n_inst, d_sae, d_in), b_enc (n_inst, d_sae),
    b_dec (n_inst, d_in), log_threshold (n_inst, d_sae); threshold = exp(log_threshold)."""

    def __init__(self, n_inst: int, d_in: int, d_sae: int, l0_coeff: float = 0.05, bandwidth: float = 0.05,
                 init_threshold: float = 0.2, device=device):
        super().__init__()
        self.n_inst, self.d_in, self.d_sae = n_inst, d_in, d_sae
        self.l0_coeff, self.bandwidth = l0_coeff, bandwidth
        self.W_enc = nn.Parameter(nn.init.xavier_normal_(torch.empty(n_inst, d_in, d_sae, device=device)))
        self.W_dec = nn.Parameter(self.W_enc.detach().transpose(-1, -2).clone())
        self.b_enc = nn.Parameter(torch.zeros(n_inst, d_sae, device=device))
        self.b_dec = nn.Parameter(torch.zeros(n_inst, d_in, device=device))
        self.log_threshold = nn.Parameter(torch.full((n_inst, d_sae), init_threshold, device=device))

    @property
    def W_dec_normalized(self) -> Tensor:
        """(n_inst, d_sae, d_in): each decoder row scaled to unit norm."""
        return self.W_dec / self.W_dec.norm(dim=-1, keepdim=True).clamp_min(1e-8)

    def forward(self, h: Tensor):
        """h: (batch, n_inst, d_in) -> (loss_dict, loss, acts (batch, n_inst, d_sae), h_reconstructed (batch, n_inst, d_in))."""
        pre = einops.einsum(h - self.b_dec, self.W_enc, "batch inst d_in, inst d_in d_sae -> batch inst d_sae") + self.b_enc
        threshold = self.log_threshold.exp()
        acts = JumpReLU.apply(pre, threshold, self.bandwidth)
        h_rec = einops.einsum(acts, self.W_dec_normalized, "batch inst d_sae, inst d_sae d_in -> batch inst d_in") + self.b_dec
        loss_dict = {"L_reconstruction": (h_rec - h).pow(2).mean(-1),
                     "L_sparsity": StepFunction.apply(pre, threshold, self.bandwidth).sum(-1)}
        loss = (loss_dict["L_reconstruction"] + self.l0_coeff * loss_dict["L_sparsity"]).mean(0).sum()
        return loss_dict, loss, acts, h_rec
