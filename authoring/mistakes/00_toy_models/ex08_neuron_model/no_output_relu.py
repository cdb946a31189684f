# Mistake: drops the ReLU at the output.
class NeuronModel(ToyModel):
    """Like ToyModel, with a ReLU on the hidden layer: x -> h = ReLU(W x) -> ReLU(Wᵀ h + b_final)."""

    def forward(self, features: Tensor) -> Tensor:
        """features: (batch, n_inst, n_features) -> reconstruction (batch, n_inst, n_features)."""
        h = F.relu(einops.einsum(features, self.W, "batch inst feat, inst hid feat -> batch inst hid"))
        out = einops.einsum(h, self.W, "batch inst hid, inst hid feat -> batch inst feat")
        return out + self.b_final
