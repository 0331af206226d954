"""Weight merging on state dicts: model interpolation, task arithmetic, and folding LoRA in.

    from distillery_compute.merge import linear_merge, task_arithmetic_merge, merge_lora
    state = linear_merge(original.state_dict(), trained.state_dict(), alpha=0.5)     # end of CPT
    state = task_arithmetic_merge(base_sd, [cpt_sd, sft_sd], weights=[0.7, 0.3])
    state = merge_lora(peft_model)                       # end of DPO: plain HF-named weights
    model.load_state_dict(state); save_checkpoint(model, args, out_dir)

Every function takes and returns {name: tensor} dicts, computes in fp32 and casts
each result back to the dtype of its first input (a bf16 model stays bf16). Inputs
must have the same keys and shapes; a mismatch raises MergeError naming the first
offending key. Non-floating tensors (integer buffers) must be equal and are copied.
"""

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor, nn

StateDict = Mapping[str, Tensor]

PEFT_PREFIX = "base_model.model."   # what PeftModel.state_dict() puts before the wrapped model's names


class MergeError(ValueError):
    """State dicts that cannot be merged (message names the first mismatching key)."""


# ---------------------------------------------------------------------------- checks

def check_compatible(first: StateDict, *others: StateDict) -> None:
    """Raise MergeError unless every state dict has the keys and shapes of `first`."""
    for j, other in enumerate(others, start=1):
        missing = [k for k in first if k not in other]
        extra = [k for k in other if k not in first]
        if missing:
            raise MergeError(f"key {missing[0]!r} is in state dict 0 but missing from state dict {j}")
        if extra:
            raise MergeError(f"key {extra[0]!r} is in state dict {j} but not in state dict 0")
        for k, v in first.items():
            if v.shape != other[k].shape:
                raise MergeError(f"shape mismatch at {k!r}: {tuple(v.shape)} in state dict 0, "
                                 f"{tuple(other[k].shape)} in state dict {j}")


def _combine(key: str, tensors: Sequence[Tensor], coeffs: Sequence[float]) -> Tensor:
    """Σ cᵢ·tᵢ in fp32, cast to tensors[0].dtype; non-float tensors must all be equal."""
    first = tensors[0]
    if not first.is_floating_point():
        if any(not torch.equal(first, t) for t in tensors[1:]):
            raise MergeError(f"non-floating tensor {key!r} differs between state dicts")
        return first.clone()
    out = torch.zeros(first.shape, dtype=torch.float32, device=first.device)
    for c, t in zip(coeffs, tensors):
        out.add_(t.detach().to(device=first.device, dtype=torch.float32), alpha=c)
    return out.to(first.dtype)


# ---------------------------------------------------------------------------- merges

def linear_merge(a: StateDict, b: StateDict, alpha: float) -> dict[str, Tensor]:
    """(1 - α)·a + α·b per tensor: α = 0 gives a, α = 1 gives b; dtype of a."""
    check_compatible(a, b)
    # Interpolating the trained CPT model back towards the original trades new-domain
    # gains against forgetting; α is the share of the trained model.
    return {k: _combine(k, (a[k], b[k]), (1.0 - alpha, alpha)) for k in a}


def task_arithmetic_merge(base: StateDict, finetuned_list: Sequence[StateDict],
                          weights: Sequence[float]) -> dict[str, Tensor]:
    """base + Σ wᵢ·(ftᵢ - base) per tensor (Ilharco et al. 2023, "task vectors"); dtype of base."""
    if len(finetuned_list) != len(weights):
        raise ValueError(f"{len(finetuned_list)} finetuned state dicts but {len(weights)} weights")
    check_compatible(base, *finetuned_list)
    # Each ftᵢ - base is a task vector; adding a weighted sum of them keeps the base as the
    # anchor. Expanded: (1 - Σw)·base + Σ wᵢ·ftᵢ, one fp32 pass over the tensors.
    coeffs = (1.0 - sum(weights), *weights)
    return {k: _combine(k, (base[k], *(ft[k] for ft in finetuned_list)), coeffs) for k in base}


# ---------------------------------------------------------------------------- LoRA

def merge_lora(source: StateDict | nn.Module, lora_alpha: float | None = None, *,
               scaling: float | Mapping[str, float] | None = None,
               adapter_name: str = "default") -> dict[str, Tensor]:
    """Fold every LoRA adapter into its linear layer: W + s·B·A, s = lora_alpha / r.

    source: a peft model (the scalings are read from its LoRA layers, which covers
    rsLoRA and per-module rank/alpha patterns), or its state_dict(); then give
    `lora_alpha` (r is read from each A's shape) or `scaling` (one number, or one per
    module name without prefixes, e.g. "model.layers.0.self_attn.q_proj").

    Returns the plain model's state dict under the HF names (no "base_model.model."
    prefix, no ".base_layer", no lora_* tensors), ready for
    Transformer.load_state_dict and checkpoint.save_checkpoint. The source is not modified.
    """
    if isinstance(source, nn.Module):
        if scaling is None:
            scaling = lora_scalings(source, adapter_name)
        source = source.state_dict()
    if scaling is None and lora_alpha is None:
        raise ValueError("merge_lora of a state dict needs lora_alpha or scaling")

    tag = f".{adapter_name}.weight"
    plain, lora_a, lora_b = {}, {}, {}
    for key, value in source.items():
        name = _strip_peft(key, adapter_name)
        if name is None:
            continue
        if ".lora_A." in name or ".lora_B." in name:
            module, kind = name.split(".lora_")[0], name.split(".lora_")[1][0]
            if not name.endswith(tag):
                raise MergeError(f"unsupported LoRA tensor {key!r} (only adapter {adapter_name!r} "
                                 f"weights; LoRA biases are not supported)")
            (lora_a if kind == "A" else lora_b)[module] = value
        elif ".lora_" in name:  # lora_magnitude_vector (DoRA), lora_embedding_A/B, ...
            raise MergeError(f"unsupported LoRA tensor {key!r} (only plain LoRA on linear layers)")
        else:
            plain[name] = value

    if lora_a.keys() != lora_b.keys():
        raise MergeError(f"LoRA A/B mismatch at {sorted(lora_a.keys() ^ lora_b.keys())[0]!r}")
    merged = {k: v.detach().clone() for k, v in plain.items()}
    for module, a in lora_a.items():
        key = f"{module}.weight"
        if key not in merged:
            raise MergeError(f"LoRA adapter on {module!r} but no base weight {key!r}")
        s = _scaling_for(module, a, scaling, lora_alpha)
        merged[key] = fold_lora(merged[key], a, lora_b[module], s)
    return merged


def fold_lora(weight: Tensor, a: Tensor, b: Tensor, s: float) -> Tensor:
    """W + s·B·A in fp32, cast back to W's dtype. W: (out, in), A: (r, in), B: (out, r)."""
    # A LoRA linear computes x Wᵀ + s·(x Aᵀ) Bᵀ = x (W + s·B A)ᵀ, so folding is exact up to rounding.
    delta = b.detach().float().to(weight.device) @ a.detach().float().to(weight.device)
    if delta.shape != weight.shape:
        raise MergeError(f"LoRA B·A has shape {tuple(delta.shape)} but its weight {tuple(weight.shape)}")
    return (weight.float() + s * delta).to(weight.dtype)


def lora_scalings(peft_model: nn.Module, adapter_name: str = "default") -> dict[str, float]:
    """{module name without peft prefixes: s} for every LoRA layer of a peft model."""
    out = {}
    for name, module in peft_model.named_modules():
        if hasattr(module, "lora_A") and adapter_name in getattr(module, "scaling", {}):
            out[name.removeprefix(PEFT_PREFIX)] = float(module.scaling[adapter_name])
    return out


def _scaling_for(module: str, a: Tensor, scaling, lora_alpha: float | None) -> float:
    if isinstance(scaling, Mapping):
        if module not in scaling:
            raise MergeError(f"no LoRA scaling for {module!r}")
        return scaling[module]
    if scaling is not None:
        return float(scaling)
    return lora_alpha / a.shape[0]  # r = rows of A


def _strip_peft(key: str, adapter_name: str) -> str | None:
    """The plain model's name of a peft state-dict key; None for a tensor to drop."""
    key = key.removeprefix(PEFT_PREFIX)
    if ".original_module." in key:  # modules_to_save: keep the trained copy, drop the frozen original
        return None
    key = key.replace(f".modules_to_save.{adapter_name}.", ".")
    return key.replace(".base_layer.", ".")
