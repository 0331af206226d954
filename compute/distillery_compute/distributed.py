"""Several processes under torchrun: the process group, FSDP2 sharding, rank 0 as the only writer.

    torchrun --standalone --nproc_per_node=8 -m distillery_compute train --run-dir ... --preset ...

Off unless torchrun started this process with WORLD_SIZE > 1: then every function here
is a no-op or the identity and one process trains alone, exactly as before. On:

    setup()          joins the process group (nccl on CUDA, each rank on cuda:LOCAL_RANK;
                     gloo on CPU) and silences stdout on ranks other than 0
    shard(model)     FSDP2 (torch.distributed.fsdp.fully_shard): every decoder block is
                     its own unit, then the root (embeddings, final norm, lm_head); in place
    full_state(m)    the model's state dict gathered to rank 0's CPU ({} on other ranks)
    main_first(f)    f() on rank 0, a barrier, then f() on the others (rank 0 cleans up and
                     writes, the others read what it left)

training.train() shards, splits every optimizer step's rows over the ranks and gathers
what it saves; stages.py keeps writing files on rank 0 only. FSDP2 also runs on CPU with
gloo in this torch (the tests' 2-process runs), so there is no DDP fallback.
"""

import datetime
import os
import sys
from collections.abc import Callable, Iterable
from typing import TypeVar

import torch
import torch.distributed as dist
from torch import Tensor, nn

T = TypeVar("T")

# Rank 0 evaluates and writes checkpoints while the others wait in a barrier: greedy decoding
# without a KV cache can take many minutes on a big model, far past the default 10.
TIMEOUT = datetime.timedelta(hours=2)


def launched() -> bool:
    """True when torchrun started this process as one of several (WORLD_SIZE > 1)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def active() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def rank() -> int:
    return dist.get_rank() if active() else 0


def world_size() -> int:
    return dist.get_world_size() if active() else 1


def is_main() -> bool:
    return rank() == 0


def setup(device: str = "auto") -> str:
    """Join torchrun's process group; this rank's device ("cuda:LOCAL_RANK" or "cpu").

    device "cpu" keeps a GPU machine's ranks on CPU (gloo). Other ranks than 0 get
    os.devnull as stdout: the protocol stream is rank 0's alone.
    """
    cuda = device != "cpu" and torch.cuda.is_available()
    if cuda:
        local = int(os.environ["LOCAL_RANK"])
        torch.cuda.set_device(local)
    dist.init_process_group("nccl" if cuda else "gloo", timeout=TIMEOUT)
    if not is_main():
        sys.stdout = open(os.devnull, "w")
    return f"cuda:{local}" if cuda else "cpu"


def teardown(finished: bool = True) -> None:
    """Leave the process group. After a finished run every rank meets in a barrier first: a rank
    that destroys its gloo group while another still works with it can abort in C++ ("terminate
    called without an active exception", seen once in CI). After an error (finished=False)
    there is no barrier, which the other ranks might never reach."""
    if dist.is_available() and dist.is_initialized():
        if finished:
            barrier()
        dist.destroy_process_group()


def barrier() -> None:
    if active():
        dist.barrier()


def main_first(fn: Callable[[], T]) -> T:
    """fn() on rank 0, then (after a barrier) on the other ranks; with one process just fn()."""
    if is_main():
        result = fn()
    barrier()
    if not is_main():
        result = fn()
    return result


def decoder_blocks(model: nn.Module) -> list[nn.Module]:
    """The model's decoder blocks (our DecoderLayer; HF's *DecoderLayer), peft-wrapped or not."""
    return [m for m in model.modules() if type(m).__name__.endswith("DecoderLayer")]


def shard(model: nn.Module) -> None:
    """FSDP2 in place: each decoder block one unit (all-gathered for its forward and backward
    only), then the root. Parameters become DTensor shards on the ranks' devices; frozen
    ones (LoRA's base, LLaMA Pro's original blocks) are sharded too and just get no grads.
    """
    from torch.distributed.fsdp import fully_shard

    blocks = decoder_blocks(model)
    if not blocks:
        raise ValueError(f"{type(model).__name__} has no decoder blocks to shard")
    for block in blocks:
        fully_shard(block)
    fully_shard(model)


def is_sharded(model: nn.Module) -> bool:
    from torch.distributed.fsdp import FSDPModule

    return isinstance(model, FSDPModule)


def _options(**kw):
    from torch.distributed.checkpoint.state_dict import StateDictOptions

    return StateDictOptions(full_state_dict=True, **kw)


def full_state(model: nn.Module, trainable_only: bool = False) -> dict[str, Tensor]:
    """model.state_dict() whole: of a sharded model, gathered to rank 0's CPU ({} on other ranks).

    Every rank must call it (the gather is collective). trainable_only: frozen parameters left out.
    """
    if not is_sharded(model):
        state = model.state_dict()
        if trainable_only:
            keep = {name for name, p in model.named_parameters() if p.requires_grad}
            state = {k: v for k, v in state.items() if k in keep}
        return state
    from torch.distributed.checkpoint.state_dict import get_model_state_dict

    return get_model_state_dict(model, options=_options(cpu_offload=True, ignore_frozen_params=trainable_only))


def load_full_state(model: nn.Module, state: dict[str, Tensor]) -> None:
    """Whole tensors (every rank passes the same) into a sharded model's shards; keys not given are kept."""
    from torch.distributed.checkpoint.state_dict import set_model_state_dict

    set_model_state_dict(model, state, options=_options(strict=False))


def optimizer_state(model: nn.Module, optimizer: torch.optim.Optimizer, order: list[str]) -> dict:
    """optimizer.state_dict() of a sharded model's optimizer, gathered to rank 0 ({} elsewhere),
    in the one-process layout (parameters numbered in param-group order; `order` names them)."""
    from torch.distributed.checkpoint.state_dict import get_optimizer_state_dict

    by_name = get_optimizer_state_dict(model, optimizer, options=_options(cpu_offload=True))
    if not by_name:
        return {}
    index = {name: i for i, name in enumerate(order)}
    return {"state": {index[name]: s for name, s in by_name["state"].items()},
            "param_groups": [{**g, "params": [index[n] for n in g["params"]]} for g in by_name["param_groups"]]}


def load_optimizer_state(model: nn.Module, optimizer: torch.optim.Optimizer, state: dict, order: list[str]) -> None:
    """The inverse of optimizer_state: a one-process optimizer.state_dict() into the shards (every rank)."""
    from torch.distributed.checkpoint.state_dict import set_optimizer_state_dict

    by_name = {"state": {order[i]: s for i, s in state["state"].items()},
               "param_groups": [{**g, "params": [order[i] for i in g["params"]]} for g in state["param_groups"]]}
    set_optimizer_state_dict(model, optimizer, by_name, options=_options())


def item(value: Tensor) -> float:
    """A scalar tensor's value; a DTensor's (clip_grad_norm_ of sharded grads) is reduced first."""
    full = getattr(value, "full_tensor", None)
    return (full() if full is not None else value).item()


def all_sum(values: Iterable[float | Tensor], device: torch.device) -> list[float]:
    """Each value summed over the ranks (one all-reduce); the values themselves with one process."""
    values = list(values)
    if not active():
        return [float(v) for v in values]
    packed = torch.stack([torch.as_tensor(v, dtype=torch.float64, device=device) for v in values])
    dist.all_reduce(packed)
    return packed.tolist()
