"""The drafter's data, from the student itself (paper §3.1, Table 2).

    summary = build_data("runs/x/checkpoints/dpo", rows, "runs/x/eagle-data/combined", DataOptions(max_bytes=1 << 30))
    examples = DrafterData("runs/x/eagle-data/combined")          # shards read back, lazily
    tokens, loss_mask, aux, hidden, argmax = examples[i]

Each prompt (the curator's eagle.jsonl rows: agent transcripts for the in-domain set, public
dialogue openings for the external one) is answered greedily by the student through the engine, as
the agents call it. The prompt and the answer then go through the student once more, and what the
drafter's training needs is kept per position: the token, whether it is an answer token, the
student's features at the drafter's three layers (3H, fp16), its final hidden state (H, fp16: the
logits on any draft vocabulary are recomputed from it) and its argmax over the full vocabulary.
Examples go into safetensors shards of `shard_tokens` positions; writing stops before `max_bytes`,
and the summary says how many prompts that left out. Prompts longer than `max_tokens` keep their
last tokens (the answer is never cut). counts.safetensors holds how often each id was answered,
the draft vocabulary's source.
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from distillery_compute.eagle.drafter import default_aux_layers, target_features
from distillery_compute.engine import Engine, SamplingParams
from distillery_compute.progress import Progress, emit

SETS = ("in-domain", "external")
SUMMARY = "data.json"


@dataclass
class DataOptions:
    max_new_tokens: int = 256
    max_tokens: int = 1024        # prompt + answer kept per example
    max_bytes: int = 1 << 30
    shard_tokens: int = 65536
    batch: int = 16               # prompts the engine answers together


def read_rows(path: str | os.PathLike, sets: tuple[str, ...] = SETS) -> list[dict]:
    """eagle.jsonl rows of the given sets; ValueError naming the line of a malformed one."""
    rows = []
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{n}: not JSON ({error.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("prompt"), str) or row.get("set") not in SETS:
            raise ValueError(f"{path}:{n}: an eagle row needs a string prompt and a set of {', '.join(SETS)}")
        if row["set"] in sets:
            rows.append(row)
    return rows


def _nbytes(example: dict[str, torch.Tensor]) -> int:
    return sum(v.numel() * v.element_size() for v in example.values())


class _Shards:
    def __init__(self, out: Path, shard_tokens: int):
        self.out, self.shard_tokens = out, shard_tokens
        self.parts: dict[str, list[torch.Tensor]] = {}
        self.lengths: list[int] = []
        self.files: list[dict] = []
        self.bytes = 0

    def add(self, example: dict[str, torch.Tensor]) -> None:
        for key, value in example.items():
            self.parts.setdefault(key, []).append(value)
        self.lengths.append(int(example["tokens"].numel()))
        self.bytes += _nbytes(example)
        if sum(self.lengths) >= self.shard_tokens:
            self.flush()

    def flush(self) -> None:
        if not self.lengths:
            return
        name = f"shard-{len(self.files):05d}.safetensors"
        tensors = {k: torch.cat(v).contiguous() for k, v in self.parts.items()}
        tensors["lengths"] = torch.tensor(self.lengths, dtype=torch.int64)
        save_file(tensors, str(self.out / name))
        self.files.append({"file": name, "examples": len(self.lengths), "tokens": sum(self.lengths)})
        self.parts, self.lengths = {}, []


@torch.inference_mode()
def build_data(checkpoint: str | os.PathLike, rows: list[dict], out_dir: str | os.PathLike,
               options: DataOptions = DataOptions(), *, engine: Engine | None = None) -> dict:
    out = Path(out_dir)
    if (out / SUMMARY).is_file():
        return json.loads((out / SUMMARY).read_text())   # built already: a rerun reuses it
    out.mkdir(parents=True, exist_ok=True)
    engine = engine or Engine.from_checkpoint(checkpoint)
    target = engine.model   # the features come from a plain forward of the engine's model
    aux_layers = default_aux_layers(target.args.n_layers)
    counts = torch.zeros(target.args.vocab_size, dtype=torch.int64)
    shards = _Shards(out, options.shard_tokens)
    progress = Progress(total=len(rows), event="progress", min_interval_s=2.0)
    kept, skipped, answer_tokens = 0, 0, 0
    params = SamplingParams(max_tokens=options.max_new_tokens)
    for first in range(0, len(rows), options.batch):
        group = rows[first:first + options.batch]
        if shards.bytes >= options.max_bytes:
            skipped += len(group)
            progress.step(len(group), kept=kept, skipped=skipped)
            continue
        done = engine.generate([r["prompt"] for r in group], params)
        for row, completion in zip(group, done):
            prompt = engine.tokenizer.encode_prompt(row["prompt"])
            answer = completion.token_ids + ([engine.tokenizer.eos_id] if completion.finish_reason == "stop"
                                             and engine.tokenizer.eos_id is not None else [])
            ids = (prompt + answer)[-options.max_tokens:]
            if len(answer) < 2 or len(ids) < 4:
                skipped += 1
                continue
            tokens = torch.tensor(ids, device=engine.device)
            logits, states = target(tokens[None], output_hidden_states=True)
            mask = torch.zeros(len(ids), dtype=torch.bool)
            mask[len(ids) - len(answer):] = True
            example = {"tokens": tokens.cpu().to(torch.int32), "loss_mask": mask.to(torch.uint8),
                       "aux": target_features(tuple(s[0] for s in states), aux_layers).to("cpu", torch.float16),
                       "hidden": states[-1][0].to("cpu", torch.float16),
                       "argmax": logits[0].argmax(-1).to("cpu", torch.int32)}
            if shards.bytes + _nbytes(example) > options.max_bytes:
                skipped += 1
                continue
            shards.add(example)
            counts += torch.bincount(torch.tensor(answer), minlength=counts.numel())[:counts.numel()]
            kept += 1
            answer_tokens += len(answer)
        progress.step(len(group), kept=kept, skipped=skipped)
    shards.flush()
    save_file({"counts": counts}, str(out / "counts.safetensors"))
    summary = {"examples": kept, "skipped": skipped, "answer_tokens": answer_tokens,
               "tokens": sum(f["tokens"] for f in shards.files), "bytes": shards.bytes,
               "sets": sorted({r["set"] for r in rows}), "aux_layers": list(aux_layers),
               "shards": shards.files, "options": options.__dict__}
    (out / SUMMARY).write_text(json.dumps(summary, indent=2) + "\n")
    emit("data", **{k: v for k, v in summary.items() if k != "shards"})
    return summary


class DrafterData:
    """The examples of one or more build_data directories, shard by shard."""

    def __init__(self, *dirs: str | os.PathLike):
        self.dirs = [Path(d) for d in dirs]
        self.index: list[tuple[Path, int, int, int]] = []   # (shard, example, offset, length)
        self.counts = None
        for d in self.dirs:
            summary = json.loads((d / SUMMARY).read_text())
            for shard in summary["shards"]:
                lengths = load_file(str(d / shard["file"]))["lengths"].tolist()
                offset = 0
                for i, n in enumerate(lengths):
                    self.index.append((d / shard["file"], i, offset, n))
                    offset += n
            counts = load_file(str(d / "counts.safetensors"))["counts"]
            self.counts = counts if self.counts is None else self.counts + counts
        self._cache: tuple[Path, dict] | None = None

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        path, _, offset, n = self.index[i]
        if self._cache is None or self._cache[0] != path:
            self._cache = (path, load_file(str(path)))
        tensors = self._cache[1]
        return {k: v[offset:offset + n] for k, v in tensors.items() if k != "lengths"}
