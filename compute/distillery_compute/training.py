"""The one training loop every stage uses: schedules, accumulation, clipping, resumable state, progress.

    from distillery_compute.training import lm_loss, stage_config, train
    config = stage_config("sft", "tiny", max_steps=200)          # paper Table 3, scaled for the preset
    result = train(model, examples, config, "runs/x/sft/state", pad_id=tok.pad_id, stage="sft")
    result = train(policy, pairs, stage_config("dpo", "tiny"), "runs/x/dpo/state", pad_id=tok.pad_id,
                   stage="dpo", loss_fn=lambda m, b: dpo.dpo_step(m, b))   # any LossFn; metrics are averaged

`train` resumes by itself: with a valid state under `state_dir` it continues from the
last saved optimizer step (same batches, same RNG, same optimizer moments), so a run
killed at any moment and started again with the same arguments ends with the same
parameters as one that was never interrupted. A finished state loads its parameters
into the model and returns its result at once.

Optimizer step s (0-based) is micro-batches [k*grad_accum, (k+1)*grad_accum) of epoch
s // steps_per_epoch, k = s % steps_per_epoch, in data.epoch_batches order for (seed,
epoch); the last step of an epoch may have fewer micro-batches. Total steps =
ceil(batches_per_epoch / grad_accum) * epochs, capped by max_steps.

`state_dir` belongs to train(): each save (every `save_every` optimizer steps and at the
end) writes a temporary sibling directory, fsyncs it and renames it into place, so a
kill at any moment leaves either the previous state or the new one, whole. It holds

    params.safetensors   the trained parameters only (for LoRA, the adapters), in their dtype
    optimizer.pt         AdamW state (moments, step counts)
    rng.pt               torch (and CUDA), python and numpy RNG states
    state.json           step, tokens, config, fingerprints of data and parameters, loss window, result
    manifest.json        sha256 + size of the four files above, checked before anything is loaded

Under torchrun (several processes, distributed.py) `train` shards the model in place with
FSDP2 and every rank takes a disjoint part of each optimizer step's rows (split_step): the
global batch, its order and the loss it averages are the one-process run's. Rank 0 alone
writes the state, in the same format (whole tensors, gathered); every rank loads it to
resume. The model stays sharded afterwards: distributed.full_state gathers it.

Progress goes to stdout as JSON lines (progress.emit): "progress" events with stage,
step, total, epoch (1-based), epochs, loss, lr, grad_norm, tokens, tokens_per_s,
elapsed_s, eta_s and whatever the loss function reports (DPO's reward_margin,
preference_accuracy, ...), at most one per `min_interval_s` plus the first and last
step of a run; a "checkpoint" event (stage, step, total, path) after every save.
"""

import contextlib
import json
import math
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from itertools import islice
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import Tensor, nn

from distillery_compute import distributed, progress
from distillery_compute.checkpoint import MANIFEST, ChecksumError, _fsync, _write_json, sha256_file, verify_manifest
from distillery_compute.data import IGNORE_INDEX, Example, batches, epoch_batches, lengths
from distillery_compute.model import PRESETS

LossFn = Callable[[nn.Module, dict[str, Tensor]], tuple[Tensor, dict[str, float]]]

SCHEDULES = ("cosine", "linear", "constant")
PARAMS, OPTIMIZER, RNG, STATE_JSON = "params.safetensors", "optimizer.pt", "rng.pt", "state.json"
STATE_FORMAT = 1
LOSS_WINDOW = 50   # final_loss and metrics average the last this-many optimizer steps


@dataclass
class TrainConfig:
    lr: float
    schedule: str = "cosine"        # cosine | linear | constant (all after linear warm-up)
    warmup_ratio: float = 0.0
    weight_decay: float = 0.0
    epochs: int = 1
    batch_size: int = 1
    grad_accum: int = 1
    max_grad_norm: float = 1.0      # 0 = no clipping
    save_every: int = 50            # optimizer steps between resumable saves (and always at the end)
    seed: int = 0
    max_steps: int | None = None    # cap on optimizer steps (smoke runs, tests)
    bucket: int = 4                 # data.epoch_batches length bucketing
    max_len: int = 1024             # tokens per sequence; train() refuses longer examples

    def __post_init__(self):
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r} (known: {', '.join(SCHEDULES)})")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        if not 0 <= self.warmup_ratio < 1:
            raise ValueError(f"warmup_ratio must be in [0, 1), got {self.warmup_ratio}")
        for name in ("epochs", "batch_size", "grad_accum", "save_every", "max_len"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("weight_decay", "max_grad_norm", "bucket"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.max_steps is not None and self.max_steps < 1:
            raise ValueError(f"max_steps must be >= 1 or None, got {self.max_steps}")


# ---------------------------------------------------------------------------- stage configs

# Paper Table 3 (an 8B student, BF16). CPT's batch is "varies (seq x global batch = 4M
# tokens)" on 2048 GPUs; one machine takes 8 sequences a step. Max context is 8k for
# SFT/DPO/EAGLE and 4k-16k for CPT: 8k throughout, cut to the preset's context below.
# "pretrain" is ours, not the paper's: the bootstrap base trained from scratch.
# Table 3's LoRA ranks (SFT 128, DPO 64, all linear modules) and DPO beta (0.1) are stages.py's.
TABLE_3: dict[str, dict] = {
    "pretrain": dict(lr=1e-3, schedule="cosine", warmup_ratio=0.05, weight_decay=0.1, epochs=1, batch_size=8),
    "cpt": dict(lr=1e-5, schedule="cosine", warmup_ratio=0.01, weight_decay=0.1, epochs=1, batch_size=8),
    "sft": dict(lr=2e-5, schedule="cosine", warmup_ratio=0.05, epochs=1, batch_size=1, grad_accum=1),
    "dpo": dict(lr=5e-6, schedule="cosine", warmup_ratio=0.10, epochs=3, batch_size=1, grad_accum=2),
    "eagle": dict(lr=3e-4, schedule="linear", warmup_ratio=0.01, epochs=100, batch_size=8, grad_accum=1),
}
PAPER_MAX_LEN = 8192
# SmolLM2-135M trains on CPU: a DPO step on a ~4,000-token pair (the longest agent prompts) holds
# two sequences of fp32 activations through 37 blocks and 49k-vocab logits, over 20 GB, and was
# killed for memory on the 24 GB dev machine; 2,048 tokens keeps the median prompt (~1,250 tokens)
# whole, left-cuts the longest (their oldest turns) and bounds a step to a few GB.
MAX_LEN = {"smollm2-135m": 2048}

# Learning-rate factor per preset and stage. Table 3's rates are tuned to move 8B
# pretrained weights gently over ~500k examples; a 12M-parameter model at 1e-5 barely
# moves in the few hundred steps an embedded run has, and narrow models take larger
# steps stably (the best Adam rate grows roughly as 1/width: 4096 -> 256 is 16x, and
# the few steps ask for more). So the small presets run the fine-tuning stages at 50x
# (SFT 1e-3, CPT 5e-4, DPO 2.5e-4), the EAGLE drafter at 3x (it is trained from
# scratch, where 3e-4 is already a from-scratch rate; 9e-4 matches pretrain's 1e-3),
# and pretrain as written (1e-3 is a small-model rate). Llama presets use Table 3 as
# printed; pretrain from scratch at Llama scale would use Llama 3's 3e-4 (0.3x).
# SmolLM2-135M is pretrained (it only fine-tunes), 7x narrower than the 8B (576 vs 4096): the
# fine-tuning stages run at 10x (SFT 2e-4 and DPO 5e-5 are usual LoRA rates at this size, CPT
# 1e-4 on the new blocks), the drafter as written.
_SMALL = {"pretrain": 1.0, "cpt": 50.0, "sft": 50.0, "dpo": 50.0, "eagle": 3.0}
_SMOL = {"pretrain": 0.3, "cpt": 10.0, "sft": 10.0, "dpo": 10.0, "eagle": 1.0}
_LLAMA = {"pretrain": 0.3, "cpt": 1.0, "sft": 1.0, "dpo": 1.0, "eagle": 1.0}
LR_FACTOR: dict[str, dict[str, float]] = {"micro": _SMALL, "tiny": _SMALL, "smollm2-135m": _SMOL,
                                          "llama-3.2-1b": _LLAMA, "llama-3.1-8b": _LLAMA}
# Epoch caps: 100 EAGLE epochs over embedded-run data would take hours on CPU and only
# overfit a small drafter; micro is for tests. DPO's 3 epochs stay.
MAX_EPOCHS: dict[str, int | None] = {"micro": 3, "tiny": 10, "smollm2-135m": 10, "llama-3.2-1b": None,
                                     "llama-3.1-8b": None}


def stage_config(stage: str, preset: str, **overrides) -> TrainConfig:
    """Table 3's hyperparameters for `stage`, scaled for model preset `preset`, then `overrides` applied."""
    if stage not in TABLE_3:
        raise ValueError(f"unknown training stage {stage!r} (known: {', '.join(TABLE_3)})")
    if preset not in LR_FACTOR or preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r} (known: {', '.join(LR_FACTOR)})")
    known = [f.name for f in fields(TrainConfig)]
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise ValueError(f"unknown TrainConfig field(s) {', '.join(unknown)} (known: {', '.join(known)})")
    values = dict(TABLE_3[stage])
    values["lr"] *= LR_FACTOR[preset][stage]
    if MAX_EPOCHS[preset] is not None:
        values["epochs"] = min(values["epochs"], MAX_EPOCHS[preset])
    values["max_len"] = min(PAPER_MAX_LEN, PRESETS[preset]["max_seq_len"], MAX_LEN.get(preset, PAPER_MAX_LEN))
    return TrainConfig(**{**values, **overrides})


def lr_at(config: TrainConfig, step: int, total_steps: int) -> float:
    """Learning rate for optimizer step `step` (0-based) of `total_steps`: linear warm-up, then the schedule.

    Warm-up covers ceil(warmup_ratio * total) steps and reaches lr on its last one
    (lr/w, 2lr/w, ..., lr: no step is wasted at lr 0); the decay then runs from lr
    at the first step after warm-up to 0 at step total_steps (cosine and linear).
    """
    warmup = math.ceil(config.warmup_ratio * total_steps)
    if step < warmup:
        return config.lr * (step + 1) / warmup
    if config.schedule == "constant":
        return config.lr
    done = min(1.0, (step - warmup) / max(1, total_steps - warmup))
    if config.schedule == "linear":
        return config.lr * (1.0 - done)
    return config.lr * 0.5 * (1.0 + math.cos(math.pi * done))


# ---------------------------------------------------------------------------- loss

def is_right_padded(attention_mask: Tensor) -> bool:
    """True when every row is real tokens then padding (what data.collate makes), i.e. 1s never follow a 0."""
    return bool((attention_mask[:, 1:] <= attention_mask[:, :-1]).all())


def lm_loss(model: nn.Module, batch: dict[str, Tensor]) -> tuple[Tensor, dict[str, float]]:
    """Causal LM cross-entropy, the mean over labelled tokens (labels -100 count nothing); no metrics.

    Works for our Transformer, HF causal LMs (output.logits) and peft wrappers of either.
    """
    ids, labels, mask = batch["input_ids"], batch["labels"], batch.get("attention_mask")
    # A causal model's real tokens never see later positions, so right padding (label -100)
    # changes nothing they compute and its positions are arange either way: the mask is
    # passed only for other layouts, which keeps SDPA on its fused causal kernels.
    out = model(ids) if mask is None or is_right_padded(mask) else model(ids, attention_mask=mask)
    logits = out.logits if hasattr(out, "logits") else out[0] if isinstance(out, tuple) else out
    # logits[t] predict labels[t + 1]; only labelled positions go through the fp32 softmax
    # (SFT and DPO prompts are most of the tokens), and no labelled token gives 0, not nan.
    logits, labels = logits[:, :-1], labels[:, 1:]
    keep = labels != IGNORE_INDEX
    loss = F.cross_entropy(logits[keep].float(), labels[keep], reduction="sum") / keep.sum().clamp(min=1)
    return loss, {}


# ---------------------------------------------------------------------------- result

@dataclass
class TrainResult:
    steps: int              # optimizer steps done in all
    epochs: int             # epochs begun (the last one partial when max_steps cut it short)
    tokens: int             # tokens seen (attention_mask sum; both sides of a DPO pair)
    wall_s: float           # seconds in train(), summed over a killed run and its resumptions
    final_loss: float       # mean loss over the last min(50, steps) optimizer steps
    metrics: dict[str, float]   # loss_fn metrics averaged over the same window (e.g. DPO reward_margin)
    resumed_from: int       # optimizer step the run resumed from (0 = fresh)


# ---------------------------------------------------------------------------- resumable state

def _rng_state() -> dict:
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return {"torch": torch.get_rng_state(), "python": random.getstate(),
            "numpy": (name, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss, cached),
            # only an initialized CUDA has generators that training used; don't wake it up on CPU
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None}


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    random.setstate(state["python"])
    name, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    if state["cuda"] is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _old(path: Path) -> Path:
    return path.with_name(f".{path.name}.old")


def _save_state(path: Path, params: dict[str, Tensor], optimizer_state: dict, info: dict) -> None:
    """Write the state to a temporary sibling, fsync it, then swap it in for `path`."""
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.tmp-"))
    try:
        save_file({k: p.detach().to("cpu").contiguous() for k, p in params.items()}, tmp / PARAMS)
        torch.save(optimizer_state, tmp / OPTIMIZER)
        torch.save(_rng_state(), tmp / RNG)
        for name in (PARAMS, OPTIMIZER, RNG):
            _fsync(tmp / name)
        _write_json(tmp / STATE_JSON, info)
        files = {name: {"sha256": sha256_file(tmp / name), "size": (tmp / name).stat().st_size}
                 for name in (PARAMS, OPTIMIZER, RNG, STATE_JSON)}
        _write_json(tmp / MANIFEST, {"format": STATE_FORMAT, "files": files})
        # The old state is renamed aside, not deleted, until the new one is in place:
        # a kill between the two renames leaves `.state.old`, which _load_state puts back.
        shutil.rmtree(_old(path), ignore_errors=True)
        if path.exists():
            os.replace(path, _old(path))
        os.replace(tmp, path)
        _fsync(path.parent)   # make the renames durable
        shutil.rmtree(_old(path), ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _load_state(path: Path) -> dict | None:
    """state.json of the state at `path`, every file verified first; None when there is none.

    Leftovers of a killed save are cleaned up: temporary directories are removed, and a
    state caught between the two renames of a swap is put back. A file that does not
    match manifest.json raises checkpoint.ChecksumError naming it; a non-empty directory
    that is no state at all raises ValueError rather than being replaced.
    """
    for leftover in path.parent.glob(f".{path.name}.tmp-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    if _old(path).exists():
        if path.exists():
            shutil.rmtree(_old(path))
        else:
            os.replace(_old(path), path)
    if not path.exists() or not any(path.iterdir()):
        return None
    if not (path / MANIFEST).exists() and not (path / STATE_JSON).exists():
        raise ValueError(f"{path} is not empty and holds no training state: give train() a directory of its own")
    try:
        verify_manifest(path)
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as e:
        raise ChecksumError(f"{path / MANIFEST}: missing or unreadable ({e})") from None
    return json.loads((path / STATE_JSON).read_text())


def _check_resumable(saved: dict, expect: dict, path: Path, stage: str) -> None:
    """ValueError unless the saved run had this config, these examples and these trained parameters."""
    config, want = saved["config"], expect["config"]
    if config != want:
        differs = [f"{k} {config.get(k)!r} -> {want[k]!r}" for k in want if config.get(k) != want[k]]
        raise ValueError(f"{stage}: {path} holds a run with a different config ({'; '.join(differs)}); "
                         "use the same settings to resume, or remove the state to start over")
    for key, what in (("data", "training examples"), ("params", "trained parameters")):
        if saved[key] != expect[key]:
            raise ValueError(f"{stage}: {path} was saved for other {what} ({key}: saved {_brief(saved[key])}, "
                             f"now {_brief(expect[key])}); remove the state to start over")


def _brief(value) -> str:
    text = json.dumps(value)
    return text if len(text) <= 120 else text[:117] + "..."


# ---------------------------------------------------------------------------- the loop

def _trainable(model: nn.Module, params: Sequence[nn.Parameter] | None) -> dict[str, nn.Parameter]:
    """{model name: parameter} of what is trained: `params`, or everything that requires grad."""
    if params is None:
        named = {name: p for name, p in model.named_parameters() if p.requires_grad}
    else:
        by_id = {id(p): name for name, p in model.named_parameters()}
        missing = [i for i, p in enumerate(params) if id(p) not in by_id]
        if missing:
            raise ValueError(f"params[{missing[0]}] is not a parameter of the model")
        named = {by_id[id(p)]: p for p in params}
    if not named:
        raise ValueError("nothing to train: no parameter requires grad")
    return named


def _optimizer(named: dict[str, nn.Parameter], config: TrainConfig) -> torch.optim.Optimizer:
    # Decay matrices only: norm gains and biases are not regularised (nanoGPT's split).
    decay = [p for p in named.values() if p.dim() >= 2]
    other = [p for p in named.values() if p.dim() < 2]
    groups = [g for g in ({"params": decay, "weight_decay": config.weight_decay},
                          {"params": other, "weight_decay": 0.0}) if g["params"]]
    # one kernel for all params; sharded (DTensor) params keep the default foreach kernels
    fused = all(p.is_cuda and p.is_floating_point() for p in named.values()) and not distributed.active()
    return torch.optim.AdamW(groups, lr=config.lr, fused=True if fused else None)


def step_batches(examples: Sequence[Example], config: TrainConfig, pad_id: int, steps_per_epoch: int,
                 start_step: int = 0) -> Iterator[tuple[int, list[dict[str, Tensor]]]]:
    """(epoch, collated micro-batches) of every optimizer step from `start_step` on, without end."""
    epoch, k = divmod(start_step, steps_per_epoch)
    while True:
        stream = batches(examples, config.batch_size, config.seed, epoch, pad_id,
                         start=k * config.grad_accum, bucket=config.bucket)
        while micro := list(islice(stream, config.grad_accum)):
            yield epoch, micro
        epoch, k = epoch + 1, 0


def _loss_units(batch: dict[str, Tensor]) -> Tensor:
    """Per row, what the loss averages over: labelled tokens (lm_loss: batches with "labels"),
    else 1 (a DPO pair: dpo_step's loss is the mean over pairs)."""
    if "labels" in batch:
        return (batch["labels"][:, 1:] != IGNORE_INDEX).sum(-1)
    return torch.ones(len(next(iter(batch.values()))), dtype=torch.int64)


def split_step(micro: list[dict[str, Tensor]], rank: int, world: int) -> list[tuple[dict[str, Tensor], float]]:
    """This rank's part of an optimizer step: [(rows of one micro-batch, their share of its loss)].

    One process: every micro-batch whole, share 1. Several: the step's rows, in order, cut
    into `world` contiguous runs as even as can be (rank r the r-th; the first ranks take
    the extra rows), each run split where micro-batches end. The share is the part's
    fraction of its micro-batch's loss units (_loss_units), so the shares' losses summed
    over the ranks are the one-process step's loss. FSDP's collectives need the same
    number of forward/backward passes on every rank: a rank with fewer parts (fewer rows
    than ranks, or runs that cross fewer micro-batches) repeats a row with share 0.
    """
    if world == 1:
        return [(batch, 1.0) for batch in micro]
    rows = [(i, j) for i, batch in enumerate(micro) for j in range(len(_loss_units(batch)))]
    cut = [math.ceil(len(rows) * r / world) for r in range(world + 1)]   # fewer rows than ranks: the first ones work
    runs = [rows[cut[r]:cut[r + 1]] for r in range(world)]

    def parts(run):   # {micro-batch index: its rows in this run}
        out = {}
        for i, j in run:
            out.setdefault(i, []).append(j)
        return out

    mine = []
    for i, js in parts(runs[rank]).items():
        units = _loss_units(micro[i])
        share = float(units[js].sum()) / max(float(units.sum()), 1.0)
        mine.append(({k: v[js] for k, v in micro[i].items()}, share))
    passes = max(len(parts(run)) for run in runs)
    idle = ({k: v[:1] for k, v in micro[0].items()}, 0.0)
    return mine + [idle] * (passes - len(mine))


def _tokens(batch: dict[str, Tensor]) -> int:
    """Real tokens in a collated batch: every attention mask (both sides of a pair) summed."""
    return sum(int(v.sum()) for k, v in batch.items() if k.endswith("attention_mask"))


def _autocast(device: torch.device):
    # bf16 autocast where the GPU has it (the paper trains in BF16); CPU runs fp32 as is.
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def train(model: nn.Module, examples: Sequence[Example], config: TrainConfig, state_dir: str | os.PathLike, *,
          loss_fn: LossFn = lm_loss, pad_id: int, params: Sequence[nn.Parameter] | None = None,
          stage: str = "train", device: torch.device | str | None = None,
          min_interval_s: float = 1.0) -> TrainResult:
    """Train `params` (default: all that require grad) of `model` on `examples`, resuming from `state_dir`.

    device: move the model there first (default: where its parameters are); batches follow
    the model. A fresh run seeds torch's RNG with config.seed (dropout); a resumed one restores
    the saved RNG states. Emits progress and checkpoint lines (module docstring).

    Under torchrun (distributed.active()) the model is sharded with FSDP2 in place, so
    `params` are looked up again by name; only rank 0 writes the state and progress lines.
    """
    if not examples:
        raise ValueError(f"{stage}: no training examples")
    example_lengths = lengths(examples)
    too_long = sum(n > config.max_len for n in example_lengths)
    if too_long:
        raise ValueError(f"{stage}: {too_long} of {len(examples)} examples exceed max_len {config.max_len} "
                         f"(longest {max(example_lengths)}); encode them with max_len={config.max_len}")
    if device is not None:
        model.to(device)   # keeps the Parameter objects, so `params` stays valid
    named = _trainable(model, params)
    shapes = {name: list(p.shape) for name, p in named.items()}
    rank, world = distributed.rank(), distributed.world_size()
    if world > 1:
        if not distributed.is_sharded(model):
            distributed.shard(model)   # new (DTensor) Parameter objects: find them by name
        everything = dict(model.named_parameters())
        named = {name: everything[name] for name in named}
    device = next(iter(named.values())).device
    optimizer = _optimizer(named, config)
    name_of = {id(p): name for name, p in named.items()}
    order = [name_of[id(p)] for group in optimizer.param_groups for p in group["params"]]   # optimizer's numbering

    per_epoch = len(epoch_batches(example_lengths, config.batch_size, config.seed, 0, bucket=config.bucket))
    steps_per_epoch = math.ceil(per_epoch / config.grad_accum)
    total = steps_per_epoch * config.epochs
    if config.max_steps is not None:
        total = min(total, config.max_steps)

    path = Path(state_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    expect = {"config": asdict(config), "data": {"examples": len(examples), "tokens": sum(example_lengths)},
              "params": shapes}
    step, tokens, wall_s, window, resumed_from = 0, 0, 0.0, [], 0
    saved = distributed.main_first(lambda: _load_state(path))   # rank 0 cleans up a killed save first
    if saved is not None:
        _check_resumable(saved, expect, path, stage)
        values = load_file(path / PARAMS)
        if world > 1:
            distributed.load_full_state(model, values)
        else:
            with torch.no_grad():
                for name, value in values.items():
                    named[name].copy_(value)
        if saved["result"] is not None:
            return TrainResult(**saved["result"])
        optimizer_state = torch.load(path / OPTIMIZER, map_location="cpu", weights_only=True)
        if world > 1:
            distributed.load_optimizer_state(model, optimizer, optimizer_state, order)
        else:
            optimizer.load_state_dict(optimizer_state)
        _set_rng_state(torch.load(path / RNG, weights_only=True))
        step, tokens, wall_s, window = saved["step"], saved["tokens"], saved["wall_s"], saved["window"]
        resumed_from = step
    else:
        torch.manual_seed(config.seed)

    t0, last_emit, run_tokens = time.monotonic(), float("-inf"), 0

    def save(result: TrainResult | None) -> None:
        if world > 1:   # gathered whole to rank 0 (every rank takes part), which alone writes
            full = distributed.full_state(model, trainable_only=True)   # {} on ranks other than 0
            values = {k: full[k] for k in named if k in full}
            optimizer_state = distributed.optimizer_state(model, optimizer, order)
        else:
            values, optimizer_state = named, optimizer.state_dict()
        if rank == 0:
            _save_state(path, values, optimizer_state, {
                "format": STATE_FORMAT, "stage": stage, "step": step, "total": total, "tokens": tokens,
                "wall_s": wall_s + time.monotonic() - t0, "window": window, **expect,
                "result": None if result is None else asdict(result)})
            progress.emit("checkpoint", stage=stage, step=step, total=total, path=str(path))

    was_training = model.training
    model.train()
    for epoch, micro in islice(step_batches(examples, config, pad_id, steps_per_epoch, step), total - step):
        lr = lr_at(config, step, total)
        for group in optimizer.param_groups:
            group["lr"] = lr
        step_loss, step_metrics = torch.zeros((), device=device), {}
        for batch, share in split_step(micro, rank, world):
            batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
            with _autocast(device):
                loss, metrics = loss_fn(model, batch)
            # mean over the step's micro-batches, as one batch of them all would give; FSDP
            # averages the ranks' gradients, so each rank's share counts `world` times
            (loss * (share * world) / len(micro)).backward()
            step_loss += loss.detach().float() * share / len(micro)
            for k, v in metrics.items():
                step_metrics[k] = step_metrics.get(k, 0.0) + v * share / len(micro)
        n = sum(_tokens(batch) for batch in micro)   # the whole step's, on every rank
        tokens, run_tokens = tokens + n, run_tokens + n
        if world > 1:   # the step's loss and metrics: the ranks' shares summed
            loss_value, *sums = distributed.all_sum([step_loss, *step_metrics.values()], device)
            step_metrics = dict(zip(step_metrics, sums))
        else:
            loss_value = step_loss.item()
        if not math.isfinite(loss_value):   # stop before the update poisons the weights
            raise FloatingPointError(f"{stage}: loss is {loss_value} at step {step + 1}; "
                                     f"the last saved state is still good (lower lr {config.lr}?)")
        grad_norm = (distributed.item(torch.nn.utils.clip_grad_norm_(list(named.values()), config.max_grad_norm))
                     if config.max_grad_norm > 0 else None)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        window = (window + [{**step_metrics, "loss": loss_value}])[-LOSS_WINDOW:]

        now = time.monotonic()
        if step in (resumed_from + 1, total) or now - last_emit >= min_interval_s:
            last_emit, elapsed = now, now - t0
            progress.emit("progress", **{
                **step_metrics, "stage": stage, "step": step, "total": total, "epoch": epoch + 1,
                "epochs": math.ceil(total / steps_per_epoch), "loss": loss_value, "lr": lr, "grad_norm": grad_norm,
                "tokens": tokens, "tokens_per_s": round(run_tokens / max(elapsed, 1e-9), 1),
                "elapsed_s": round(elapsed, 3), "eta_s": round(elapsed / (step - resumed_from) * (total - step), 3)})
        if step % config.save_every == 0 and step < total:
            save(None)
    model.train(was_training)

    keys = dict.fromkeys(k for w in window for k in w)   # every metric seen, in order
    mean = {k: sum(w[k] for w in window if k in w) / sum(k in w for w in window) for k in keys}
    result = TrainResult(steps=step, epochs=math.ceil(step / steps_per_epoch), tokens=tokens,
                         wall_s=round(wall_s + time.monotonic() - t0, 3), final_loss=mean.pop("loss"),
                         metrics=mean, resumed_from=resumed_from)
    save(result)
    return result
