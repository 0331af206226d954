"""The W8A8 linear layer: y = (q(x / s_x) · s_x) @ (W_q · s_w)^T, one static scale per tensor.

    layer = FP8Linear.from_linear(linear, input_scale=scale_of(observed_amax))   # weight scale from the weight
    y = layer(x)                                  # any leading dims, x's dtype out

On CUDA with compute capability >= 8.9 (Ada, Hopper) the product is torch._scaled_mm on the E4M3
operands (fp32 accumulation, the output in x's dtype). Everywhere else it is emulated exactly: the
input goes through E4M3 at its scale (fake_quantize) and meets the dequantized weight in x's dtype,
which is what the kernel computes up to summation order. torch's own CPU _scaled_mm gives the same
numbers (test_fp8.py) but takes 37 ms for a 1×576 by 576×1536 product against 0.07 ms emulated
(torch 2.15, 2 cores), so the CPU path emulates; its weights are held dequantized (no memory saved at
run time on CPU: the saving is on disk and on the GPU).

scaled_mm() checks what cuBLASLt requires before calling the kernel, because the CPU kernel accepts
more: row-major A, column-major B (a contiguous [N, K] weight passed as .t()), K and N multiples of 16,
float32 scales of one element. A layer whose shape fails them runs emulated on CUDA too.
"""

from collections.abc import Callable

import torch
from torch import Tensor, nn

from distillery_compute.fp8.numerics import FP8, dequantize, fake_quantize, quantize, scale_of


def scaled_mm_supported(device: torch.device) -> bool:
    """Whether torch._scaled_mm runs E4M3 GEMMs natively here: CUDA compute capability >= 8.9."""
    return device.type == "cuda" and torch.cuda.get_device_capability(device) >= (8, 9)


def scaled_mm_problems(a: Tensor, b: Tensor, scale_a: Tensor, scale_b: Tensor) -> list[str]:
    """Why cuBLASLt would refuse a @ b with these scales ([] when it would not)."""
    problems = []
    if a.dtype != FP8 or b.dtype != FP8:
        problems.append(f"operands must be float8_e4m3fn, got {a.dtype} and {b.dtype}")
    if a.dim() != 2 or b.dim() != 2:
        return problems + [f"operands must be 2-D, got {a.dim()}-D and {b.dim()}-D"]
    if a.stride(1) != 1:
        problems.append("A must be row-major")
    if b.stride(0) != 1:
        problems.append("B must be column-major (pass a contiguous [N, K] weight as .t())")
    k, n = b.shape
    if a.shape[1] != k:
        problems.append(f"inner dimensions differ: {a.shape[1]} and {k}")
    if k % 16 or n % 16:
        problems.append(f"K ({k}) and N ({n}) must be multiples of 16")
    for name, s in (("scale_a", scale_a), ("scale_b", scale_b)):
        if s.dtype != torch.float32 or s.numel() != 1:
            problems.append(f"{name} must be one float32 element, got {s.dtype} with {s.numel()}")
    return problems


def scaled_mm(a: Tensor, b: Tensor, scale_a: Tensor, scale_b: Tensor, out_dtype: torch.dtype) -> Tensor:
    """torch._scaled_mm(a, b) after our checks (ValueError naming each problem)."""
    problems = scaled_mm_problems(a, b, scale_a, scale_b)
    if problems:
        raise ValueError("torch._scaled_mm would refuse this product: " + "; ".join(problems))
    return torch._scaled_mm(a, b, scale_a=scale_a, scale_b=scale_b, out_dtype=out_dtype)


class FP8Matmul:
    """x @ W^T for 2-D x with an E4M3 weight [N, K]: native where scaled_mm_supported, else emulated with
    `dense(dequantized weight)` (the engine's packed matmul; a plain one by default)."""

    def __init__(self, weight: Tensor, weight_scale: Tensor, input_scale: Tensor, dtype: torch.dtype,
                 dense: Callable[[Tensor], Callable[[Tensor], Tensor]] | None = None):
        if weight.dtype != FP8:
            raise ValueError(f"an FP8 weight must be float8_e4m3fn, got {weight.dtype}")
        device = weight.device
        self.weight = weight.contiguous()
        self.weight_scale = weight_scale.to(device=device, dtype=torch.float32).reshape(1)
        self.input_scale = input_scale.to(device=device, dtype=torch.float32).reshape(1)
        self.native = scaled_mm_supported(device) and not scaled_mm_problems(
            torch.empty(1, self.weight.shape[1], dtype=FP8, device=device), self.weight.t(),
            self.input_scale, self.weight_scale)
        if not self.native:
            w = dequantize(self.weight, self.weight_scale, dtype)
            self.dense = dense(w) if dense is not None else (lambda x: x @ w.T)

    def __call__(self, x: Tensor) -> Tensor:
        if self.native:
            return scaled_mm(quantize(x, self.input_scale), self.weight.t(), self.input_scale, self.weight_scale, x.dtype)
        return self.dense(fake_quantize(x, self.input_scale))


class FP8Linear(nn.Module):
    """nn.Linear (no bias) with an E4M3 weight and static scales; its state dict is the compressed-tensors
    layout: weight (float8_e4m3fn [out, in]), weight_scale and input_scale (float32 [1])."""

    def __init__(self, in_features: int, out_features: int, device=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.register_buffer("weight", torch.zeros(out_features, in_features, dtype=FP8, device=device))
        self.register_buffer("weight_scale", torch.ones(1, dtype=torch.float32, device=device))
        self.register_buffer("input_scale", torch.ones(1, dtype=torch.float32, device=device))
        self._matmul: tuple[tuple, FP8Matmul] | None = None

    @classmethod
    def from_linear(cls, linear: nn.Linear, input_scale: Tensor, weight_scale: Tensor | None = None) -> "FP8Linear":
        """Quantize linear's weight at weight_scale (default: its own amax / 448)."""
        if linear.bias is not None:
            raise ValueError("FP8Linear has no bias (Llama's linear layers have none)")
        w = linear.weight.detach()
        layer = cls(linear.in_features, linear.out_features, device=w.device)
        layer.weight_scale.copy_(scale_of(w.abs().max()) if weight_scale is None else weight_scale.reshape(1))
        layer.weight.copy_(quantize(w, layer.weight_scale))
        layer.input_scale.copy_(input_scale.reshape(1))
        return layer

    def dequantized_weight(self, dtype: torch.dtype = torch.float32) -> Tensor:
        return dequantize(self.weight, self.weight_scale, dtype)

    def _apply(self, fn, recurse=True):
        # .to(dtype), .half() and the like must not touch the E4M3 weight or the float32 scales: only
        # the device that fn sends a tensor to applies
        for name in ("weight", "weight_scale", "input_scale"):
            buffer = self._buffers[name]
            self._buffers[name] = buffer.to(fn(torch.zeros(1, device=buffer.device)).device)
        self._matmul = None
        return self

    def forward(self, x: Tensor) -> Tensor:
        key = (x.device, x.dtype, self.weight.data_ptr(), float(self.input_scale), float(self.weight_scale))
        if self._matmul is None or self._matmul[0] != key:
            self._matmul = (key, FP8Matmul(self.weight, self.weight_scale, self.input_scale, x.dtype))
        return self._matmul[1](x.reshape(-1, self.in_features)).reshape(*x.shape[:-1], self.out_features)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, e4m3 w8a8 static per-tensor"
