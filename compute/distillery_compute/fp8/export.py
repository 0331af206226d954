"""The FP8 checkpoint on disk: the compressed-tensors `float-quantized` layout that vLLM loads.

config.json gains

    "quantization_config": {"quant_method": "compressed-tensors", "format": "float-quantized",
        "quantization_status": "compressed", "ignore": ["lm_head"], "kv_cache_scheme": null,
        "config_groups": {"group_0": {"targets": ["Linear"], "format": "float-quantized",
            "weights":           {"num_bits": 8, "type": "float", "strategy": "tensor", "symmetric": true,
                                  "dynamic": false, "observer": "minmax", ...},
            "input_activations": {... "observer": "static_minmax"}, "output_activations": null}}}

and every quantized linear layer <p> stores <p>.weight (F8_E4M3 [out, in]), <p>.weight_scale and
<p>.input_scale (F32 [1]); everything else (embeddings, norms, lm_head) stays in the checkpoint's
dtype. That is FP8Linear's state dict, so a quantized model saves with checkpoint.save_checkpoint
(keeps_dtype() tells it what not to cast) and loads with load_checkpoint, which puts an FP8Linear
wherever the weights carry a weight_scale (install_fp8). The EAGLE-3 drafter does the same
(eagle/drafter.py). test_fp8.py reads our files with the compressed-tensors package.
"""

import torch
from torch import Tensor, nn

from distillery_compute.fp8.linear import FP8Linear
from distillery_compute.fp8.numerics import FP8

SCALES = ("weight_scale", "input_scale")
FORMAT = "float-quantized"


def keeps_dtype(name: str, tensor: Tensor) -> bool:
    """E4M3 weights and float32 scales are stored as they are, whatever dtype the rest is saved in."""
    return tensor.dtype == FP8 or name.rsplit(".", 1)[-1] in SCALES


def _args(observer: str) -> dict:
    return {"num_bits": 8, "type": "float", "symmetric": True, "group_size": None, "strategy": "tensor",
            "block_structure": None, "dynamic": False, "actorder": None, "observer": observer, "observer_kwargs": {}}


def quantization_config(ignore: list[str]) -> dict:
    """config.json's quantization_config for static per-tensor E4M3 W8A8 of every Linear but `ignore`."""
    return {
        "quant_method": "compressed-tensors", "format": FORMAT, "quantization_status": "compressed",
        "global_compression_ratio": None, "ignore": list(ignore), "kv_cache_scheme": None, "sparsity_config": {},
        "config_groups": {"group_0": {"targets": ["Linear"], "format": FORMAT, "weights": _args("minmax"),
                                      "input_activations": _args("static_minmax"), "output_activations": None}},
    }


def check_quantization_config(qc: dict, where: str) -> None:
    """ValueError naming what differs from the one scheme we run (static per-tensor E4M3 W8A8)."""
    problems = []
    if qc.get("quant_method") != "compressed-tensors":
        problems.append(f"quant_method {qc.get('quant_method')!r} (need compressed-tensors)")
    if qc.get("format") != FORMAT:
        problems.append(f"format {qc.get('format')!r} (need {FORMAT})")
    if qc.get("kv_cache_scheme"):
        problems.append("an FP8 KV cache scheme (not supported)")
    for name, group in (qc.get("config_groups") or {}).items():
        for part in ("weights", "input_activations"):
            a = group.get(part) or {}
            got = (a.get("num_bits"), a.get("type"), a.get("strategy"), a.get("dynamic"))
            if got != (8, "float", "tensor", False):
                problems.append(f"{name}.{part} is {got} (need 8-bit float, tensor strategy, static)")
    if not qc.get("config_groups"):
        problems.append("no config_groups")
    if problems:
        raise ValueError(f"{where}: unsupported quantization_config: " + "; ".join(problems))


def install_fp8(model: nn.Module, state: dict[str, Tensor]) -> list[str]:
    """Put an FP8Linear (on the meta device, for load_state_dict(assign=True)) in place of every module
    whose weights in `state` carry a weight_scale; the names replaced."""
    names = sorted(k.removesuffix(".weight_scale") for k in state if k.endswith(".weight_scale"))
    for name in names:
        old = model.get_submodule(name)
        if not isinstance(old, nn.Linear):
            raise ValueError(f"{name} has a weight_scale but is a {type(old).__name__}, not a linear layer")
        parent, _, leaf = name.rpartition(".")
        with torch.device("meta"):
            setattr(model.get_submodule(parent) if parent else model, leaf, FP8Linear(old.in_features, old.out_features))
    return names

