# Mistake: applies the ReLU before adding the bias.
class ToyModel(nn.Module):
    """``n_inst`` independent toy models: x -> h = W x -> ReLU(Wᵀ h + b_final)."""

    def __init__(self, n_inst: int, n_features: int = 5, d_hidden: int = 2, feature_probability=1.0,
                 importance=1.0, device=device):
        super().__init__()
        self.n_inst, self.n_features, self.d_hidden = n_inst, n_features, d_hidden
        self.W = nn.Parameter(nn.init.xavier_normal_(torch.empty(n_inst, d_hidden, n_features, device=device)))
        self.b_final = nn.Parameter(torch.zeros(n_inst, n_features, device=device))
        self.register_buffer("feature_probability", as_inst_feat(feature_probability, n_inst, n_features, "inst", device))
        self.register_buffer("importance", as_inst_feat(importance, n_inst, n_features, "feat", device))

    def forward(self, features: Tensor) -> Tensor:
        """features: (batch, n_inst, n_features) -> reconstruction (batch, n_inst, n_features)."""
        h = einops.einsum(features, self.W, "batch inst feat, inst hid feat -> batch inst hid")
        out = einops.einsum(h, self.W, "batch inst hid, inst hid feat -> batch inst feat")
        return F.relu(out) + self.b_final
