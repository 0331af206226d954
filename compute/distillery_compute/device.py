"""What compute this process can use: detect() -> DeviceInfo.

Nothing happens on import; detect() queries torch each time it is called.

    python -m distillery_compute info      # prints detect() as one JSON line
"""

import os
import platform
from dataclasses import dataclass

import torch


@dataclass
class DeviceInfo:
    device: str                      # "cuda" or "cpu": where the model math should run
    name: str                        # GPU name, or the CPU model
    compute_capability: tuple[int, int] | None  # (major, minor) on cuda, else None
    is_hopper: bool                  # sm90 or newer (H100/H200, ...)
    has_fp8: bool                    # torch.float8_e4m3fn exists and the GPU is sm89+
    has_scaled_mm: bool              # torch._scaled_mm exists and has_fp8 (fp8 GEMMs)
    has_flash_sdpa: bool             # flash SDPA backend enabled and the GPU is sm80+
    bf16: bool                       # bfloat16 math supported on `device`
    torch_version: str
    cuda_version: str | None         # CUDA torch was built with (None for CPU builds)
    gpu_count: int
    cpu_threads: int                 # torch intra-op threads
    cpu_count: int                   # logical CPUs seen by the OS


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "cpu"


def detect() -> DeviceInfo:
    """Probe torch for the best device and its features (first GPU if any)."""
    cuda = torch.cuda.is_available()
    cc = tuple(torch.cuda.get_device_capability(0)) if cuda else None
    has_fp8 = cuda and hasattr(torch, "float8_e4m3fn") and cc >= (8, 9)
    return DeviceInfo(
        device="cuda" if cuda else "cpu",
        name=torch.cuda.get_device_name(0) if cuda else _cpu_name(),
        compute_capability=cc,
        is_hopper=cuda and cc >= (9, 0),
        has_fp8=has_fp8,
        has_scaled_mm=has_fp8 and hasattr(torch, "_scaled_mm"),
        has_flash_sdpa=cuda and cc >= (8, 0) and torch.backends.cuda.flash_sdp_enabled(),
        bf16=torch.cuda.is_bf16_supported() if cuda else True,
        torch_version=torch.__version__,
        cuda_version=torch.version.cuda,
        gpu_count=torch.cuda.device_count() if cuda else 0,
        cpu_threads=torch.get_num_threads(),
        cpu_count=os.cpu_count() or 1,
    )
