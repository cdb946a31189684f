# Mistake: forgets the ReLU on the hidden layer (a linear hidden layer cannot compute |x|).
class NeuronComputationModel(nn.Module):
    """``n_inst`` models computing |x|: x -> h = ReLU(W1 x) -> y = ReLU(W2 h + b_final)."""

    def __init__(self, n_inst: int, n_features: int = 10, d_hidden: int = 5, feature_probability=1.0,
                 importance=1.0, device=device):
        super().__init__()
        self.n_inst, self.n_features, self.d_hidden = n_inst, n_features, d_hidden
        self.W1 = nn.Parameter(nn.init.xavier_normal_(torch.empty(n_inst, d_hidden, n_features, device=device)))
        self.W2 = nn.Parameter(nn.init.xavier_normal_(torch.empty(n_inst, n_features, d_hidden, device=device)))
        self.b_final = nn.Parameter(torch.zeros(n_inst, n_features, device=device))
        self.register_buffer("feature_probability", as_inst_feat(feature_probability, n_inst, n_features, "inst", device))
        self.register_buffer("importance", as_inst_feat(importance, n_inst, n_features, "feat", device))

    def forward(self, features: Tensor) -> Tensor:
        """features: (batch, n_inst, n_features) -> y: (batch, n_inst, n_features)."""
        h = einops.einsum(features, self.W1, "batch inst feat, inst hid feat -> batch inst hid")
        y = einops.einsum(h, self.W2, "batch inst hid, inst feat hid -> batch inst feat")
        return F.relu(y + self.b_final)

    def generate_batch(self, batch_size: int) -> Tensor:
        """(batch_size, n_inst, n_features): present with self.feature_probability, then uniform on [-1, 1); else 0."""
        shape = (batch_size, *self.feature_probability.shape)
        present = torch.rand(shape, device=self.feature_probability.device) < self.feature_probability
        values = 2 * torch.rand(shape, device=self.feature_probability.device) - 1
        return values * present

    def calculate_loss(self, out: Tensor, batch: Tensor) -> Tensor:
        """out, batch: (batch, n_inst, n_features) -> 0-d tensor: sum over inst of mean over batch, feat of I (out - |x|)²."""
        error = self.importance * (out - batch.abs()) ** 2
        return einops.reduce(error, "batch inst feat -> inst", "mean").sum()
