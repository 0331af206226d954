"""CUDA checks; skipped with a reason where there is no GPU.

    compute/.venv/bin/python -m pytest compute/tests -q -m gpu
"""

import pytest
import torch

from distillery_compute.device import detect

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA not available"),
]


def test_bf16_matmul_close_to_fp32():
    if not detect().bf16:
        pytest.skip("GPU does not support bfloat16")
    g = torch.Generator(device="cuda").manual_seed(0)
    a = torch.randn(256, 512, device="cuda", generator=g)
    b = torch.randn(512, 128, device="cuda", generator=g)
    out = a.bfloat16() @ b.bfloat16()
    assert out.dtype == torch.bfloat16
    ref = a.double() @ b.double()  # fp64 reference, no TF32
    # bf16 has an 8-bit mantissa; inputs round by ~2^-9 relative each.
    torch.testing.assert_close(out.double(), ref, atol=0.5, rtol=2e-2)


def test_fp8_e4m3_cast_round_trip():
    if not detect().has_fp8:
        pytest.skip("no fp8 support (needs torch.float8_e4m3fn and sm89+)")
    exact = torch.tensor([0.0, 0.5, 1.0, -2.0, 3.5, 0.0625, -448.0, 448.0], device="cuda")
    back = exact.to(torch.float8_e4m3fn).to(torch.float32)
    torch.testing.assert_close(back, exact, atol=0, rtol=0)  # representable: exact

    x = torch.randn(4096, device="cuda")
    y = x.to(torch.float8_e4m3fn).to(torch.float32)
    # e4m3 has a 3-bit mantissa: round-to-nearest error <= 2^-4 relative (normals),
    # plus the subnormal spacing 2^-9 near zero.
    torch.testing.assert_close(y, x, rtol=2**-4, atol=2**-9)
