"""LLaMA-Pro block expansion (Wu et al. 2024, arXiv:2401.02415).

    from distillery_compute.expansion import expand_blocks, freeze_for_expansion
    model, args, plan = expand_blocks(base, base_args, every=4)   # 32 layers -> 40
    trainable = freeze_for_expansion(model, plan)                  # only the new blocks learn
    opt = torch.optim.AdamW(trainable, lr=...)

After every `every` original blocks a copy of the block just before is inserted, with
its o_proj and down_proj weights zeroed. A block computes x + attn(...) + mlp(...), each
branch ending in o_proj / down_proj, so a zeroed copy adds 0 and passes the residual
stream through unchanged: the expanded model equals the base at initialisation. The
original blocks stay frozen during continual pretraining, which keeps the base's skills.
"""

from dataclasses import dataclass

import torch
from torch import nn

from distillery_compute.model import ModelArgs, Transformer

ZEROED = ("self_attn.o_proj.weight", "mlp.down_proj.weight")  # the two writes into the residual stream


@dataclass(frozen=True)
class ExpansionPlan:
    base_layers: int          # n, layers before expansion
    every: int                # one new block after every `every` original blocks
    source: tuple[int, ...]   # source[j]: the base layer that expanded layer j copies
    new: tuple[int, ...]      # expanded layer indices of the inserted blocks (trainable)
    frozen: tuple[int, ...]   # expanded layer indices of the original blocks (frozen)

    @property
    def n_layers(self) -> int:
        return len(self.source)


def expansion_plan(n_layers: int, every: int = 4) -> ExpansionPlan:
    """Where the new blocks go: n_layers + n_layers // every layers in all."""
    if every < 1:
        raise ValueError(f"every must be >= 1, got {every}")
    source, new, frozen = [], [], []
    for i in range(n_layers):
        frozen.append(len(source))
        source.append(i)
        if (i + 1) % every == 0:   # end of a group: a copy of block i follows it
            new.append(len(source))
            source.append(i)
    return ExpansionPlan(n_layers, every, tuple(source), tuple(new), tuple(frozen))


def expand_blocks(model: Transformer, args: ModelArgs, every: int = 4) -> tuple[Transformer, ModelArgs, ExpansionPlan]:
    """A new, expanded model (weights copied; `model` is left as is), its args, and the plan.

    Copies keep the source tensors' dtype and device.
    """
    plan = expansion_plan(args.n_layers, every)
    new_args = args.replace(n_layers=plan.n_layers)
    base = model.state_dict()
    state = {k: v.detach().clone() for k, v in base.items() if not k.startswith("model.layers.")}
    new_set = set(plan.new)
    for j, i in enumerate(plan.source):
        prefix = f"model.layers.{i}."
        for key, value in base.items():
            if key.startswith(prefix):
                name = key[len(prefix):]
                zero = j in new_set and name in ZEROED
                state[f"model.layers.{j}.{name}"] = torch.zeros_like(value) if zero else value.detach().clone()

    with torch.device("meta"):
        expanded = Transformer(new_args)
    expanded.load_state_dict(state, strict=True, assign=True)
    expanded.tie_weights()
    return expanded.train(model.training), new_args, plan


def freeze_for_expansion(model: Transformer, plan: ExpansionPlan) -> list[nn.Parameter]:
    """Freeze everything but the new blocks (embeddings, head and norms included); returns the trainable params."""
    model.requires_grad_(False)
    trainable = []
    for j in plan.new:
        layer = model.model.layers[j]
        layer.requires_grad_(True)
        trainable.extend(layer.parameters())
    return trainable
