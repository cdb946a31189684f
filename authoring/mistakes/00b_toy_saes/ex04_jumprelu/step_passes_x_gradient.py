# Mistake: lets the gradient flow to x through StepFunction.
class JumpReLU(torch.autograd.Function):
    """JumpReLU_θ(x) = x·H(x − θ) with a straight-through pseudo-gradient for θ."""

    @staticmethod
    def forward(ctx, x: Tensor, threshold: Tensor, bandwidth: float) -> Tensor:
        ctx.save_for_backward(x, threshold)
        ctx.bandwidth = bandwidth
        return x * (x > threshold).to(x.dtype)

    @staticmethod
    def backward(ctx, grad_output: Tensor):
        x, threshold = ctx.saved_tensors
        eps = ctx.bandwidth
        grad_x = (x > threshold).to(x.dtype) * grad_output
        grad_threshold = -(threshold / eps) * rectangle((x - threshold) / eps) * grad_output
        return grad_x, sum_to_shape(grad_threshold, threshold.shape), None


class StepFunction(torch.autograd.Function):
    """H(x − θ) with a straight-through pseudo-gradient for θ (and zero gradient for x)."""

    @staticmethod
    def forward(ctx, x: Tensor, threshold: Tensor, bandwidth: float) -> Tensor:
        ctx.save_for_backward(x, threshold)
        ctx.bandwidth = bandwidth
        return (x > threshold).to(x.dtype)

    @staticmethod
    def backward(ctx, grad_output: Tensor):
        x, threshold = ctx.saved_tensors
        eps = ctx.bandwidth
        grad_threshold = -(1.0 / eps) * rectangle((x - threshold) / eps) * grad_output
        return grad_output, sum_to_shape(grad_threshold, threshold.shape), None
