"""Training throughput: our loop (training.train + lm_loss, LoRA via peft on our Transformer) against a
plain transformers + peft loop (LlamaForCausalLM loaded from the same weights), same batches, same steps.

    compute/.venv/bin/python compute/bench/train_bench.py                  # tiny, CPU, about a minute on 2 cores
    compute/.venv/bin/python compute/bench/train_bench.py --preset tiny --steps 20 --batch-size 4 --seq-len 256 \\
        --device cuda

Both loops: LoRA (r=16, alpha=32) on every linear module of the blocks, AdamW on the
adapters, gradient clipping at 1.0, one micro-batch per optimizer step, bf16 autocast
on CUDA. The examples are random tokens of seq_len/2 .. seq_len tokens with the loss on
their second half (SFT-like), batched by data.batches (length-bucketed, right-padded).
Each loop first runs 2 untimed warm-up steps. tokens/s counts real (unpadded) tokens;
our wall time includes train()'s final resumable save. Prints a markdown table.
"""

import argparse
import contextlib
import io
import json
import math
import tempfile
import time
from dataclasses import replace
from itertools import islice
from pathlib import Path

import peft
import torch
import transformers

from distillery_compute.checkpoint import save_checkpoint
from distillery_compute.data import batches
from distillery_compute.model import ModelArgs, Transformer, count_params
from distillery_compute.training import TrainConfig, lm_loss, train

LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
WARMUP_STEPS = 2
LR = 1e-4
SEED = 0
PAD_ID = 0


def make_examples(n: int, seq_len: int, vocab_size: int, seed: int = 0) -> list[dict]:
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        length = int(torch.randint(seq_len // 2, seq_len + 1, (1,), generator=g))
        ids = torch.randint(1, vocab_size, (length,), generator=g).tolist()
        out.append({"input_ids": ids, "labels": [-100] * (length // 2) + ids[length // 2:]})
    return out


def with_lora(model: torch.nn.Module, rank: int) -> torch.nn.Module:
    model.requires_grad_(False)
    return peft.get_peft_model(model, peft.LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.0,
                                                      target_modules=LORA_TARGETS, bias="none"))


def run_ours(model: Transformer, examples: list[dict], steps: int, batch_size: int, seq_len: int, device,
             rank: int) -> dict:
    torch.manual_seed(SEED)
    policy = with_lora(model, rank)
    config = TrainConfig(lr=LR, schedule="constant", batch_size=batch_size, max_steps=steps, save_every=steps,
                         seed=SEED, max_len=seq_len)
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()) as out:
        train(policy, examples, replace(config, max_steps=WARMUP_STEPS), Path(tmp) / "warm",
              pad_id=PAD_ID, device=device, min_interval_s=0.0)
        t0 = time.perf_counter()
        result = train(policy, examples, config, Path(tmp) / "timed", pad_id=PAD_ID, device=device,
                       min_interval_s=math.inf)
        wall = time.perf_counter() - t0
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    first_loss = next(e["loss"] for e in events if e["event"] == "progress")   # the warm-up's first step
    return {"loop": "distillery train()", "tokens": result.tokens, "steps": result.steps, "wall_s": wall,
            "first_loss": first_loss}


def run_transformers(ckpt: Path, examples: list[dict], steps: int, batch_size: int, device, rank: int) -> dict:
    model = transformers.LlamaForCausalLM.from_pretrained(ckpt, dtype=torch.float32, attn_implementation="sdpa")
    model.config.use_cache = False   # training: no KV cache to build
    model.to(device).train()
    torch.manual_seed(SEED)
    policy = with_lora(model, rank)
    params = [p for p in policy.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=LR, fused=True if torch.device(device).type == "cuda" else None)
    autocast = (torch.autocast("cuda", dtype=torch.bfloat16) if torch.device(device).type == "cuda"
                else contextlib.nullcontext())

    def step(batch) -> tuple[int, float]:
        batch = {k: v.to(device) for k, v in batch.items()}
        with autocast:
            loss = policy(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                          labels=batch["labels"]).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        return int(batch["attention_mask"].sum()), loss.item()

    # the same batches train() takes: epoch 0 of (SEED, bucket 4), one per step
    warm = list(islice(batches(examples, batch_size, SEED, 0, PAD_ID, bucket=4), WARMUP_STEPS))
    timed = list(islice(batches(examples, batch_size, SEED, 0, PAD_ID, bucket=4), steps))
    first_loss = [step(b)[1] for b in warm][0]
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    tokens = sum(step(b)[0] for b in timed)
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()
    return {"loop": "transformers + peft", "tokens": tokens, "steps": len(timed), "wall_s": time.perf_counter() - t0,
            "first_loss": first_loss}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--seq-len", type=int, default=256)
    parser.add_argument("--lora-rank", type=int, default=16)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    opts = parser.parse_args(argv)

    args = ModelArgs.from_name(opts.preset)
    torch.manual_seed(SEED)
    model = Transformer(args)
    examples = make_examples(opts.steps * opts.batch_size, opts.seq_len, args.vocab_size)
    print(f"preset {opts.preset} ({count_params(model) / 1e6:.1f}M params), LoRA r={opts.lora_rank} on "
          f"{len(LORA_TARGETS)} linear modules, batch {opts.batch_size} x <= {opts.seq_len} tokens, "
          f"{opts.steps} steps, device {opts.device} ({torch.get_num_threads()} threads), torch {torch.__version__}, "
          f"transformers {transformers.__version__}, peft {peft.__version__}\n")
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = save_checkpoint(model, args, Path(tmp) / "ckpt", dtype=torch.float32)
        theirs = run_transformers(ckpt, examples, opts.steps, opts.batch_size, opts.device, opts.lora_rank)
    ours = run_ours(model.to(opts.device), examples, opts.steps, opts.batch_size, opts.seq_len, opts.device,
                    opts.lora_rank)

    base = theirs["tokens"] / theirs["wall_s"]
    print("| loop | tokens/s | ratio | steps | wall s |")
    print("|---|---:|---:|---:|---:|")
    for r in (ours, theirs):
        rate = r["tokens"] / r["wall_s"]
        print(f"| {r['loop']} | {rate:,.0f} | {rate / base:.2f} | {r['steps']} | {r['wall_s']:.1f} |")
    # same weights, same first batch, LoRA B = 0: the first losses must agree
    print(f"\nfirst-step loss: ours {ours['first_loss']:.5f}, transformers {theirs['first_loss']:.5f}")


if __name__ == "__main__":
    main()
