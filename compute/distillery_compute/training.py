"""The one training loop every stage uses: schedules, accumulation, clipping, resumable state, progress.

    from distillery_compute.training import stage_config, train, lm_loss
    config = stage_config("sft", "tiny", max_steps=200)          # paper Table 3, scaled by preset
    result = train(model, examples, config, "runs/x/sft/state", pad_id=tok.pad_id, stage="sft")

`train` resumes by itself: with a valid state in `state_dir` it continues from the last
saved optimizer step (same batches, same RNG, same optimizer moments), so a run killed
at any moment and started again with the same arguments ends with the same parameters
as one that was never interrupted. A finished state returns its result at once.

State directory (written to a temporary sibling and renamed into place, every
`save_every` optimizer steps and at the end):

    params.safetensors   the trained parameters only (for LoRA, the adapters)
    optimizer.pt         AdamW state (moments, step counts)
    state.json           step, config, RNG states, loss window, result (when finished)
    manifest.json        sha256 + size of the three files above; checked before any resume

Progress goes to stdout as JSON lines (progress.emit): "progress" events with stage,
step, total, epoch, loss, lr, tokens_per_s, elapsed_s, eta_s and whatever the loss
function reports (e.g. DPO's reward_margin and preference_accuracy), at most about one
a second plus the first and last step; a "checkpoint" event after each save.
"""

import base64
import json
import math
import os
import pickle
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import Tensor, nn

from distillery_compute import progress
from distillery_compute.checkpoint import ChecksumError, _fsync, _write_json, sha256_file
from distillery_compute.data import IGNORE_INDEX, Example, collate, collate_pairs, epoch_batches, lengths

LossFn = Callable[[nn.Module, dict[str, Tensor]], tuple[Tensor, dict[str, float]]]

PARAMS, OPTIMIZER, STATE, MANIFEST = "params.safetensors", "optimizer.pt", "state.json", "manifest.json"
LOSS_WINDOW = 50   # final_loss / metrics average the last this-many optimizer steps


@dataclass(frozen=True)
class TrainConfig:
    lr: float
    schedule: str = "cosine"        # cosine | linear | constant, each after a linear warm-up
    warmup_ratio: float = 0.0
    weight_decay: float = 0.0
    epochs: int = 1
    batch_size: int = 1
    grad_accum: int = 1
    max_grad_norm: float = 1.0
    save_every: int = 50            # optimizer steps between resumable saves (and always at the end)
    seed: int = 0
    max_steps: int | None = None    # cap on optimizer steps (smoke runs, tests)
    bucket: int = 4                 # data.epoch_batches length bucketing
    max_len: int = 1024

    def __post_init__(self):
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r} (known: {', '.join(SCHEDULES)})")
        for name in ("epochs", "batch_size", "grad_accum", "save_every", "max_len"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not 0 <= self.warmup_ratio < 1:
            raise ValueError(f"warmup_ratio must be in [0, 1), got {self.warmup_ratio}")
        if self.max_steps is not None and self.max_steps < 1:
            raise ValueError(f"max_steps must be >= 1, got {self.max_steps}")


SCHEDULES = ("cosine", "linear", "constant")

# Paper Table 3 (an 8B student): learning rate, schedule, warm-up, decay, epochs, batch, accumulation.
# "pretrain" is ours (the bootstrap base trained from scratch), not the paper's.
TABLE_3: dict[str, dict] = {
    "pretrain": dict(lr=1e-3, schedule="cosine", warmup_ratio=0.05, weight_decay=0.1, epochs=1, batch_size=8),
    "cpt": dict(lr=1e-5, schedule="cosine", warmup_ratio=0.01, weight_decay=0.1, epochs=1, batch_size=8),
    "sft": dict(lr=2e-5, schedule="cosine", warmup_ratio=0.05, weight_decay=0.0, epochs=1, batch_size=1, grad_accum=1),
    "dpo": dict(lr=5e-6, schedule="cosine", warmup_ratio=0.10, weight_decay=0.0, epochs=3, batch_size=1, grad_accum=2),
    "eagle": dict(lr=3e-4, schedule="linear", warmup_ratio=0.01, weight_decay=0.0, epochs=100, batch_size=8),
}

# Scaling by preset. The paper's rates are for 8B weights; a 12M-parameter model moves
# nowhere at 1e-5 in the few hundred steps an embedded run affords, and small models
# tolerate far larger steps (their updates are not amplified through 32 wide layers), so
# the small presets multiply the fine-tuning rates (not pretraining, whose rate is already
# a small-model rate) and cap the epochs. Real-base presets use Table 3 as printed.
PRESET_SCALING: dict[str, dict] = {
    "micro": dict(lr_factor=50.0, max_epochs=3, max_len=256),
    "tiny": dict(lr_factor=50.0, max_epochs=3, max_len=1024),
    "llama-3.2-1b": dict(lr_factor=1.0, max_epochs=None, max_len=4096),
    "llama-3.1-8b": dict(lr_factor=1.0, max_epochs=None, max_len=4096),
}


def stage_config(stage: str, preset: str, **overrides) -> TrainConfig:
    """Table 3's hyperparameters for `stage`, scaled for `preset`, with `overrides` applied last."""
    if stage not in TABLE_3:
        raise ValueError(f"unknown training stage {stage!r} (known: {', '.join(TABLE_3)})")
    if preset not in PRESET_SCALING:
        raise ValueError(f"unknown preset {preset!r} (known: {', '.join(PRESET_SCALING)})")
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"unknown TrainConfig field(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    values = dict(TABLE_3[stage])
    scaling = PRESET_SCALING[preset]
    if stage != "pretrain":
        values["lr"] *= scaling["lr_factor"]
    if scaling["max_epochs"] is not None:
        values["epochs"] = min(values["epochs"], scaling["max_epochs"])
    values["max_len"] = scaling["max_len"]
    return TrainConfig(**{**values, **overrides})


def lr_at(config: TrainConfig, step: int, total_steps: int) -> float:
    """Learning rate for optimizer step `step` (0-based) of `total_steps`: linear warm-up, then the schedule."""
    warmup = math.ceil(config.warmup_ratio * total_steps)
    if step < warmup:
        return config.lr * (step + 1) / warmup
    if config.schedule == "constant":
        return config.lr
    done = (step - warmup) / max(1, total_steps - warmup)   # 0 at the end of warm-up, -> 1 at the last step
    if config.schedule == "linear":
        return config.lr * max(0.0, 1.0 - done)
    return config.lr * 0.5 * (1.0 + math.cos(math.pi * done))


def lm_loss(model: nn.Module, batch: dict[str, Tensor]) -> tuple[Tensor, dict[str, float]]:
    """Causal LM cross-entropy over the labelled tokens (labels -100 count nothing); works for peft and HF models."""
    out = model(batch["input_ids"], attention_mask=batch.get("attention_mask"))
    logits = out.logits if hasattr(out, "logits") else out
    # logits[t] predict labels[t + 1]
    loss = F.cross_entropy(logits[:, :-1].flatten(0, 1).float(), batch["labels"][:, 1:].flatten(),
                           ignore_index=IGNORE_INDEX)
    return loss, {}


@dataclass
class TrainResult:
    steps: int              # optimizer steps done in all
    epochs: int
    tokens: int             # tokens seen (attention_mask sum; both sides of a DPO pair)
    wall_s: float
    final_loss: float       # mean loss over the last min(50, steps) optimizer steps
    metrics: dict[str, float]   # the loss function's metrics averaged over the same window
    resumed_from: int       # optimizer step the run resumed from (0 = fresh)


# ---------------------------------------------------------------------------- resumable state

def _rng_state() -> str:
    state = {"torch": torch.get_rng_state(), "python": random.getstate(), "numpy": np.random.get_state(),
             "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None}
    return base64.b64encode(pickle.dumps(state)).decode()


def _set_rng_state(encoded: str) -> None:
    state = pickle.loads(base64.b64decode(encoded))
    torch.set_rng_state(state["torch"])
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    if state["cuda"] is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _save_state(state_dir: Path, named: dict[str, nn.Parameter], optimizer: torch.optim.Optimizer,
                state: dict) -> None:
    """Write the state atomically: a temporary sibling directory, fsynced, then renamed over the old one."""
    state_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=state_dir.parent, prefix=f".{state_dir.name}.tmp-"))
    try:
        save_file({k: p.detach().to("cpu").contiguous() for k, p in named.items()}, tmp / PARAMS)
        torch.save(optimizer.state_dict(), tmp / OPTIMIZER)
        _write_json(tmp / STATE, state)
        for name in (PARAMS, OPTIMIZER):
            _fsync(tmp / name)
        files = {name: {"sha256": sha256_file(tmp / name), "size": (tmp / name).stat().st_size}
                 for name in (PARAMS, OPTIMIZER, STATE)}
        _write_json(tmp / MANIFEST, {"format": 1, "files": files})
        old = None
        if state_dir.exists():   # swap: the old state stays whole until the new one is in place
            old = Path(tempfile.mkdtemp(dir=state_dir.parent, prefix=f".{state_dir.name}.old-"))
            os.replace(state_dir, old / "state")
        os.replace(tmp, state_dir)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _load_state(state_dir: Path) -> dict | None:
    """The verified state.json of state_dir (None when there is none); ChecksumError names a damaged file."""
    for leftover in state_dir.parent.glob(f".{state_dir.name}.tmp-*"):
        shutil.rmtree(leftover, ignore_errors=True)   # a save cut short by a kill
    old = next(state_dir.parent.glob(f".{state_dir.name}.old-*/state"), None)
    if not state_dir.exists() and old is not None:
        os.replace(old, state_dir)                    # killed between the two renames of a swap
    for leftover in state_dir.parent.glob(f".{state_dir.name}.old-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    if not (state_dir / MANIFEST).is_file():
        return None
    manifest = json.loads((state_dir / MANIFEST).read_text())
    for name, want in manifest["files"].items():
        path = state_dir / name
        if not path.is_file():
            raise ChecksumError(f"{path}: listed in {MANIFEST} but missing")
        if path.stat().st_size != want["size"] or sha256_file(path) != want["sha256"]:
            raise ChecksumError(f"{path}: does not match {MANIFEST} (sha256 or size differs)")
    return json.loads((state_dir / STATE).read_text())


# ---------------------------------------------------------------------------- the loop

def _trainable(model: nn.Module, params: Sequence[nn.Parameter] | None) -> dict[str, nn.Parameter]:
    chosen = {id(p) for p in params} if params is not None else None
    named = {name: p for name, p in model.named_parameters()
             if (p.requires_grad if chosen is None else id(p) in chosen)}
    if not named:
        raise ValueError("nothing to train: no parameter requires grad")
    return named


def _optimizer(named: dict[str, nn.Parameter], config: TrainConfig) -> torch.optim.Optimizer:
    # Decay matrices only: norms' gains and biases are not regularised (nanoGPT's split).
    decay = [p for p in named.values() if p.dim() >= 2]
    other = [p for p in named.values() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": config.weight_decay}, {"params": other, "weight_decay": 0.0}]
    fused = all(p.is_cuda for p in named.values())
    return torch.optim.AdamW([g for g in groups if g["params"]], lr=config.lr, betas=(0.9, 0.95),
                             fused=fused or None)


def _batch_tokens(batch: dict[str, Tensor]) -> int:
    masks = [v for k, v in batch.items() if k.endswith("attention_mask")]
    return int(sum(m.sum().item() for m in masks))


def train(model: nn.Module, examples: Sequence[Example], config: TrainConfig, state_dir: str | os.PathLike, *,
          loss_fn: LossFn = lm_loss, pad_id: int, params: Sequence[nn.Parameter] | None = None,
          stage: str = "train", device: torch.device | str | None = None,
          min_interval_s: float = 1.0) -> TrainResult:
    """Train `params` (default: everything that requires grad) of `model` on `examples`; see the module docstring."""
    if not examples:
        raise ValueError(f"{stage}: no training examples")
    state_dir = Path(state_dir)
    device = torch.device(device) if device is not None else next(model.parameters()).device
    named = _trainable(model, params)
    optimizer = _optimizer(named, config)
    collate_fn = collate_pairs if "chosen_ids" in examples[0] else collate
    example_lengths = lengths(examples)
    per_epoch = len(epoch_batches(example_lengths, config.batch_size, config.seed, 0, bucket=config.bucket))
    steps_per_epoch = math.ceil(per_epoch / config.grad_accum)
    total = steps_per_epoch * config.epochs if config.max_steps is None else min(config.max_steps, steps_per_epoch * config.epochs)
    config_json = asdict(config)

    step, tokens, window, resumed_from = 0, 0, [], 0
    saved = _load_state(state_dir)
    if saved is not None:
        if saved["config"] != config_json:
            differs = sorted(k for k in config_json if saved["config"].get(k) != config_json[k])
            raise ValueError(f"{stage}: {state_dir} holds a run with a different config ({', '.join(differs)} differ); "
                             "remove it or use the same settings to resume")
        if saved.get("result") is not None:
            return TrainResult(**saved["result"])
        loaded = load_file(state_dir / PARAMS)
        with torch.no_grad():
            for name, p in named.items():
                p.copy_(loaded[name].to(p.device, p.dtype))
        optimizer.load_state_dict(torch.load(state_dir / OPTIMIZER, map_location=device, weights_only=False))
        _set_rng_state(saved["rng"])
        step, tokens, window, resumed_from = saved["step"], saved["tokens"], saved["window"], saved["step"]
    else:
        torch.manual_seed(config.seed)

    def snapshot(result: TrainResult | None) -> None:
        _save_state(state_dir, named, optimizer, {
            "stage": stage, "step": step, "total": total, "tokens": tokens, "window": window,
            "config": config_json, "rng": _rng_state(), "result": None if result is None else asdict(result)})
        progress.emit("checkpoint", stage=stage, step=step, total=total, path=str(state_dir))

    model.train()
    t0, last_emit, run_tokens = time.monotonic(), float("-inf"), 0
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else torch.autocast("cpu", enabled=False)
    while step < total:
        # Optimizer step s is micro-batches [s*ga, (s+1)*ga) of its epoch: a resumed run finds them again.
        epoch, first = divmod(step, steps_per_epoch)
        order = epoch_batches(example_lengths, config.batch_size, config.seed, epoch, bucket=config.bucket)
        micro = order[first * config.grad_accum:(first + 1) * config.grad_accum]
        for param_group in optimizer.param_groups:
            param_group["lr"] = lr_at(config, step, total)
        step_loss, step_metrics = 0.0, {}
        for indices in micro:
            batch = {k: v.to(device) for k, v in collate_fn([examples[i] for i in indices], pad_id).items()}
            with autocast:
                loss, metrics = loss_fn(model, batch)
            (loss / len(micro)).backward()
            step_loss += loss.item() / len(micro)
            for k, v in metrics.items():
                step_metrics[k] = step_metrics.get(k, 0.0) + v / len(micro)
            n = _batch_tokens(batch)
            tokens += n
            run_tokens += n
        torch.nn.utils.clip_grad_norm_(list(named.values()), config.max_grad_norm)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        window = (window + [{"loss": step_loss, **step_metrics}])[-LOSS_WINDOW:]

        now = time.monotonic()
        if step in (resumed_from + 1, total) or now - last_emit >= min_interval_s:
            last_emit, elapsed = now, now - t0
            done_here = step - resumed_from
            progress.emit("progress", stage=stage, step=step, total=total, epoch=epoch, loss=step_loss,
                          lr=optimizer.param_groups[0]["lr"], tokens_per_s=round(run_tokens / max(elapsed, 1e-9), 1),
                          elapsed_s=round(elapsed, 3), eta_s=round(elapsed / done_here * (total - step), 3),
                          **step_metrics)
        if step % config.save_every == 0 and step < total:
            snapshot(None)

    keys = window[-1].keys() if window else ()
    mean = {k: sum(w[k] for w in window) / len(window) for k in keys}
    result = TrainResult(steps=step, epochs=math.ceil(step / steps_per_epoch), tokens=tokens,
                         wall_s=round(time.monotonic() - t0, 3), final_loss=mean.pop("loss", float("nan")),
                         metrics=mean, resumed_from=resumed_from)
    snapshot(result)
    return result

