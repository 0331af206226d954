"""E4M3 (float8_e4m3fn) numerics: x ≈ q · s, s = amax / 448, q = saturate(round-to-nearest-even(x / s)).

    s = scale_of(x.abs().max())          # float32 [1]
    q = quantize(x, s)                   # float8_e4m3fn, |q| <= 448, NaN stays NaN
    x_hat = dequantize(q, s)             # float32

E4M3FN has 1 sign, 4 exponent (bias 7) and 3 mantissa bits, no infinities, NaN only at S.1111.111,
so the largest finite value is 448 and the smallest subnormal 2^-9. Whether torch's cast saturates
depends on its version (2.11 turns 465 into NaN, 2.15 saturates), so quantize() clamps to ±448
first, as every production kernel does; clamping leaves NaN as NaN. Rounding is the cast's
round-to-nearest-even, checked code by code against a reference written from the format's
definition (tests/test_fp8.py).
"""

import torch
from torch import Tensor

FP8 = torch.float8_e4m3fn
E4M3_MAX = 448.0
TINY_SCALE = torch.finfo(torch.float32).eps   # the scale of an all-zero tensor (compressed-tensors' choice)


def scale_of(amax: Tensor | float) -> Tensor:
    """The per-tensor scale float32 [1] that maps amax onto 448; a zero (or non-finite) amax gets TINY_SCALE."""
    amax = torch.as_tensor(amax, dtype=torch.float32).detach().reshape(-1).max().reshape(1).cpu()
    if not bool(torch.isfinite(amax)) or float(amax) <= 0:
        return torch.full((1,), TINY_SCALE, dtype=torch.float32)
    return amax / E4M3_MAX


def quantize(x: Tensor, scale: Tensor) -> Tensor:
    """x / scale in fp32, saturated to ±448, cast (round to nearest even) to float8_e4m3fn."""
    return (x.float() / scale.to(x.device)).clamp(-E4M3_MAX, E4M3_MAX).to(FP8)


def dequantize(q: Tensor, scale: Tensor, dtype: torch.dtype = torch.float32) -> Tensor:
    return (q.float() * scale.to(q.device)).to(dtype)


def fake_quantize(x: Tensor, scale: Tensor) -> Tensor:
    """What a tensor becomes after a round trip through E4M3 at this scale, in x's dtype."""
    return dequantize(quantize(x, scale), scale, x.dtype)
