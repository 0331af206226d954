"""EAGLE drafters against plain greedy decoding on the student (issue #15's benchmark: the README's Table 2).

    compute/.venv/bin/python compute/bench/eagle_bench.py --checkpoint CKPT --run-dir RUN --eval-rows eval.jsonl

--run-dir is a drafter job's run dir (`python -m distillery_compute drafter ... --run-dir RUN`): its
manifest names the variants (external, synthetic, combined) and their drafters (before the job
has written it: RUN/drafters/<variant>/drafter). --checkpoint is the
student they were trained for. The prompts are eval.jsonl's held-out agent prompts (--prompts of
them), answered greedily with at most --max-tokens tokens, `concurrency` requests in flight.

For every variant x method (chain, tree) x concurrency: mean accepted length (tokens a verified
draft adds, the target's own included), acceptance by draft position (unconditional), the share of
step time spent drafting, answer tokens/s and the speed-up over the same engine without a drafter
at the same concurrency, and how many answers equal the plain ones token for token. Goals: >= 1.8x
plain greedy at concurrency 1, mean accepted length >= 3. First, what verification costs: one
student forward over 1, 5 and 8 new tokens after a 600-token context (the mean of 20). Progress goes
to stderr, the tables to stdout.
"""

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import torch

from distillery_compute.eagle.drafter import load_drafter
from distillery_compute.eagle.job import held_out_prompts
from distillery_compute.eagle.measure import measure
from distillery_compute.engine import Engine
from distillery_compute.engine.speculative import SpecConfig


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", required=True, type=Path)
    parser.add_argument("--run-dir", required=True, type=Path)
    parser.add_argument("--eval-rows", required=True, type=Path)
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--concurrency", default="1,8")
    parser.add_argument("--variants", help="comma-separated (default: every variant in the manifest)")
    parser.add_argument("--methods", default="chain,tree")
    parser.add_argument("--chain-tokens", type=int, default=7)
    parser.add_argument("--tree", default="6,2,7", help="depth,top_k,budget")
    args = parser.parse_args()
    if (args.run_dir / "manifest.json").is_file():
        paths = {v: d["path"] for v, d in json.loads((args.run_dir / "manifest.json").read_text())["variants"].items()}
    else:
        paths = {d.parent.name: d for d in sorted((args.run_dir / "drafters").glob("*/drafter"))}
    variants = args.variants.split(",") if args.variants else list(paths)
    prompts = held_out_prompts(args.eval_rows, args.prompts)
    depth, top_k, budget = (int(x) for x in args.tree.split(","))
    specs = {"chain": SpecConfig(method="chain", tokens=args.chain_tokens),
             "tree": SpecConfig(method="tree", tokens=depth, top_k=top_k, budget=budget)}
    plain_engine = Engine.from_checkpoint(args.checkpoint, device="cpu" if not torch.cuda.is_available() else None)
    model, tok = plain_engine.model, plain_engine.tokenizer
    verify_ms = {n: forward_ms(plain_engine, n) for n in (1, 5, 8)}
    rows = []
    for c in (int(x) for x in args.concurrency.split(",")):
        log(f"plain, concurrency {c}")
        plain = measure(plain_engine, prompts, concurrency=c, max_tokens=args.max_tokens)
        rows.append(("plain", "-", c, plain, plain))
        for variant in variants:
            drafter = load_drafter(paths[variant], model).eval()
            for method in args.methods.split(","):
                log(f"{variant} {method}, concurrency {c}")
                engine = Engine(model, tok, drafter=drafter, speculative=specs[method], max_seqs=max(8, c))
                rows.append((variant, method, c, measure(engine, prompts, concurrency=c, max_tokens=args.max_tokens), plain))
    device = "cuda" if torch.cuda.is_available() else f"cpu ({torch.get_num_threads()} threads)"
    print(f"\n{len(prompts)} held-out agent prompts, greedy, at most {args.max_tokens} tokens, {device}; "
          f"chain k={args.chain_tokens}, tree depth {depth} top_k {top_k} budget {budget}\n")
    print("| new tokens in one forward (600 cached) | 1 | 5 | 8 |\n|---|---|---|---|")
    print("| ms | " + " | ".join(f"{verify_ms[n]:.1f} ({verify_ms[n] / verify_ms[1]:.2f}x)" for n in (1, 5, 8)) + " |\n")
    print("| drafter | method | concurrency | mean accepted length | acceptance by position | draft time share "
          "| tokens/s | speed-up | same output |")
    print("|---|---|---|---|---|---|---|---|---|")
    for variant, method, c, r, plain in rows:
        same = sum(a == b for a, b in zip(r["outputs"], plain["outputs"]))
        al = f"{r['mean_accepted_length']:.2f}" if r["mean_accepted_length"] else "1"
        by = " / ".join(f"{a:.2f}" for a in r["acceptance_by_position"]) or "-"
        print(f"| {variant} | {method} | {c} | {al} | {by} | {r['draft_time_share']:.2f} | {r['tokens_per_s']:.1f} "
              f"| {r['tokens_per_s'] / plain['tokens_per_s']:.2f}x | {same}/{len(prompts)} |")
    print(f"\n    {shlex.join([sys.executable, *sys.argv])}")
    return 0


def forward_ms(engine: Engine, n: int, context: int = 600, reps: int = 20) -> float:
    """One forward of the student's paged runner over n tokens after `context` cached ones, in ms."""
    runner, bs = engine.runner, engine.runner.block_size
    work = [(list(range(100, 100 + n)), context, list(range(-(-(context + n) // bs))), n)]
    runner.forward(runner.prepare(work))
    began = time.perf_counter()
    for _ in range(reps):
        runner.forward(runner.prepare(work))
    return (time.perf_counter() - began) / reps * 1e3


def log(message: str) -> None:
    print(f"[eagle_bench] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
