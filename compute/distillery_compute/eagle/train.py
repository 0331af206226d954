"""Training a drafter with training-time test, resumable, with JSON-lines progress.

    result = train_drafter("runs/x/checkpoints/dpo", ["runs/x/eagle-data/combined"], "runs/x/drafter-combined",
                           TrainOptions(steps=1500))

The draft vocabulary is the data's most answered ids (vocab.py). Each step takes one example (a
prompt and the student's answer), computes the student's logits on the draft vocabulary from the
stored final hidden state, and minimises ttt.py's loss over `ttt_steps` unrolled drafting steps
(decay^k weights), AdamW with warmup and cosine decay, gradients clipped. Every `save_every` steps
the drafter, optimizer, step and RNG go to train-state.pt (written aside, then renamed); a rerun
with the same options resumes there, with other options it refuses. The result is the drafter in
the EAGLE-3 layout in out_dir/drafter (drafter.py), its manifest naming the target and the data.
"""

import json
import math
import os
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from distillery_compute.checkpoint import load_checkpoint, sha256_file
from distillery_compute.eagle.data import DrafterData
from distillery_compute.eagle.drafter import DrafterConfig, Eagle3Drafter, save_drafter
from distillery_compute.eagle.ttt import TTTExample, ttt_loss
from distillery_compute.eagle.vocab import vocab_maps
from distillery_compute.progress import Progress, emit

STATE = "train-state.pt"


@dataclass
class TrainOptions:
    draft_vocab_size: int = 2048
    steps: int = 1000
    lr: float = 6e-4
    warmup: int = 30
    ttt_steps: int = 7
    decay: float = 0.8
    clip: float = 0.5
    weight_decay: float = 0.0
    seed: int = 0
    save_every: int = 100


def lr_at(options: TrainOptions, step: int) -> float:
    if step < options.warmup:
        return options.lr * (step + 1) / options.warmup
    progress = (step - options.warmup) / max(1, options.steps - options.warmup)
    return options.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def example(data: DrafterData, i: int, lm_head: torch.Tensor, t2d: torch.Tensor, device, dtype) -> TTTExample:
    row = data[i]
    return TTTExample(tokens=row["tokens"].to(device, torch.long), aux=row["aux"].to(device, dtype),
                      target_logits=(row["hidden"].to(device, dtype) @ lm_head.T).float(),
                      in_draft=t2d[row["argmax"].to(device, torch.long)], loss_mask=row["loss_mask"].to(device).bool())


def train_drafter(checkpoint: str | os.PathLike, data_dirs: list[str | os.PathLike], out_dir: str | os.PathLike,
                  options: TrainOptions = TrainOptions(), *, device: str | None = None) -> dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    target, args = load_checkpoint(checkpoint, dtype=torch.float32, device=device)
    target.requires_grad_(False)
    data = DrafterData(*data_dirs)
    if not len(data):
        raise ValueError(f"no examples in {', '.join(map(str, data_dirs))}")
    d2t, t2d = vocab_maps(data.counts, options.draft_vocab_size)
    torch.manual_seed(options.seed)
    drafter = Eagle3Drafter(DrafterConfig.for_target(args, options.draft_vocab_size), d2t, t2d).attach(target)
    drafter.train()
    lm_head = target.lm_head.weight[drafter.t2d].detach()
    optimizer = torch.optim.AdamW(drafter.parameters(), lr=options.lr, betas=(0.9, 0.95),
                                  weight_decay=options.weight_decay)
    identity = {"options": asdict(options), "data": [str(Path(d).resolve()) for d in data_dirs],
                "checkpoint": str(Path(checkpoint).resolve())}
    step, recent = 0, []   # recent: the last 50 steps' loss and accuracy, for progress and the summary
    if (out / STATE).is_file():
        saved = torch.load(out / STATE, map_location=device, weights_only=False)
        if saved["identity"] != identity:
            raise ValueError(f"{out / STATE} belongs to another training ({saved['identity']}); "
                             "use another output directory")
        drafter.load_state_dict(saved["drafter"])
        optimizer.load_state_dict(saved["optimizer"])
        step, recent = saved["step"], saved["recent"]
        emit("resumed", step=step)
    emit("start", examples=len(data), steps=options.steps, trainable_params=drafter.trainable_parameters(),
         target_params=sum(p.numel() for p in target.parameters()), draft_vocab_size=options.draft_vocab_size,
         answer_coverage=float(data.counts[t2d].sum() / max(1, int(data.counts.sum()))))
    progress = Progress(total=options.steps, min_interval_s=5.0)
    progress.done = step
    began = time.monotonic()
    while step < options.steps:
        epoch, within = divmod(step, len(data))
        order = list(range(len(data)))
        random.Random(options.seed * 1_000_003 + epoch).shuffle(order)
        for g in optimizer.param_groups:
            g["lr"] = lr_at(options, step)
        loss, metrics = ttt_loss(drafter, example(data, order[within], lm_head, drafter.t2d, device, torch.float32),
                                 options.ttt_steps, options.decay)
        optimizer.zero_grad(set_to_none=True)
        if loss.requires_grad:
            loss.backward()
            torch.nn.utils.clip_grad_norm_(drafter.parameters(), options.clip)
            optimizer.step()
        step += 1
        recent = (recent + [{"loss": float(loss.detach()), "accuracy": metrics["accuracy"]}])[-50:]
        progress.step(loss=sum(r["loss"] for r in recent) / len(recent), lr=lr_at(options, step - 1),
                      accuracy=_mean_by_step(recent))
        if step % options.save_every == 0 or step == options.steps:
            _save_state(out, {"identity": identity, "drafter": drafter.state_dict(),
                              "optimizer": optimizer.state_dict(), "step": step, "recent": recent})
    drafter.eval()
    info = {"target": {"path": str(checkpoint), "weights_sha256": sha256_file(Path(checkpoint) / "model.safetensors")},
            "data": [json.loads((Path(d) / "data.json").read_text()) | {"path": str(d)} for d in data_dirs],
            "options": asdict(options), "final": {"loss": sum(r["loss"] for r in recent) / len(recent),
                                                   "accuracy_by_step": _mean_by_step(recent)},
            "train_seconds": time.monotonic() - began}
    for d in info["data"]:
        d.pop("shards", None)
    path = save_drafter(drafter, out / "drafter", info=info)
    emit("drafter", path=str(path), **info["final"])
    return {"path": str(path), **info}


def _mean_by_step(recent: list[dict]) -> list[float]:
    depth = max((len(r["accuracy"]) for r in recent), default=0)
    means = []
    for k in range(depth):
        values = [r["accuracy"][k] for r in recent if len(r["accuracy"]) > k]
        means.append(round(sum(values) / len(values), 4))
    return means


def _save_state(out: Path, state: dict) -> None:
    tmp = out / (STATE + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, out / STATE)
