# Mistake: uses |W x| on the hidden layer instead of ReLU(W x).
class NeuronModel(ToyModel):
    """Like ToyModel, with a ReLU on the hidden layer: x -> h = ReLU(W x) -> ReLU(Wᵀ h + b_final)."""

    def forward(self, features: Tensor) -> Tensor:
        """features: (batch, n_inst, n_features) -> reconstruction (batch, n_inst, n_features)."""
        h = einops.einsum(features, self.W, "batch inst feat, inst hid feat -> batch inst hid").abs()
        out = einops.einsum(h, self.W, "batch inst hid, inst hid feat -> batch inst feat")
        return F.relu(out + self.b_final)
