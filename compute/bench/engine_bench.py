"""The inference engine against transformers' generate() on the smollm2-135m student, side by side in one run.

    compute/.venv/bin/python compute/bench/engine_bench.py --dataset .distillery      # ~5 min on 2 cores

--dataset is a data dir after `./distillery run` (the newest dataset's eval split) or a dir with
eval.jsonl: the prompts are the curator's held-out agent prompts, encoded as the trainer and the
evaluation encode them (SmolLM2's chat template). The checkpoint is --checkpoint, default the base
imported into DIR/bases/smollm2-135m (bases.import_base, as the trainer does). Both sides run the same
weights in fp32 on the same threads; every output is --new-tokens long (eos ignored: min_new_tokens
for transformers) and the greedy token ids of both sides are compared up to the first eos (past it
our ignore_eos goes on after an eos, as vLLM's does, where min_new_tokens forbids eos).

Sections (the goals are issue #13's):
  batch-1 decode    decode tokens/s after the prompt, ours vs generate() (goal >= 1.2x); the bytes a
                    decode step reads (weights + the KV of its context) and that traffic as a fraction of
                    the machine's memory bandwidth (measured here: the best of 3 sums over 1 GiB)
  8 concurrent      8 different agent prompts at once: our output tokens/s against generate() serving
                    them one after another (goal >= 3x); from a cold cache, and as a running server
                    meets them (one earlier request per agent left its system prompt in the cache)
  concurrency       requests/s with 1, 8 and 32 clients in a closed loop (each sends its next request when
                    the last one ends), TTFT and TPOT p50/p90
  prefix cache      TTFT p50/p90 with and without the prefix cache (goal >= 5x lower with it), and its hit
                    rate: the eval split's calls one request at a time in their recorded order,
                    conversation by conversation and turn by turn, as a serving engine meets a
                    conversation (the agents lay their prompts out stable first: the system prompt, the
                    exemplars, then the conversation so far, then the memory, the clock and the input)
  preemption        16 requests at once in a quarter of the KV cache they need: preempted sequences
                    recomputed (their prompts partly from the prefix cache) or swapped to host memory
Progress goes to stderr; the tables and the command to stdout.
"""

import argparse
import contextlib
import json
import shlex
import statistics
import sys
import time
from collections import deque
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from quality_bench import dataset_files  # noqa: E402

from distillery_compute.bases import BASES, import_base  # noqa: E402
from distillery_compute.checkpoint import load_checkpoint  # noqa: E402
from distillery_compute.data import read_jsonl  # noqa: E402
from distillery_compute.engine import Engine, SamplingParams  # noqa: E402
from distillery_compute.engine.runner import PagedRunner  # noqa: E402
from distillery_compute.model import count_params  # noqa: E402
from distillery_compute.tokenizer import ChatTokenizer  # noqa: E402

PRESET = "smollm2-135m"
SECTIONS = ("decode", "eight", "loop", "ttft", "preemption")


def log(message: str) -> None:
    print(f"[engine_bench] {message}", file=sys.stderr, flush=True)


def memory_bandwidth() -> float:
    """Bytes/s read by a sum over 1 GiB of fp32 (the best of 3): what a memory-bound decode can hope for."""
    x = torch.ones(1 << 28)
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        x.sum()
        best = min(best, time.perf_counter() - t)
    return x.numel() * 4 / best


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def drive(engine: Engine, prompts: list[list[int]], new_tokens: int, concurrency: int) -> tuple[list[dict], float]:
    """Serve every prompt with at most `concurrency` in flight (closed loop); per request: ttft, tpot, tokens, ids."""
    pending, inflight, done = deque(enumerate(prompts)), {}, []
    start = time.perf_counter()
    while pending or inflight:
        while pending and len(inflight) < concurrency:
            i, prompt = pending.popleft()
            engine.add(f"b{i}", SamplingParams(max_tokens=new_tokens, ignore_eos=True), token_ids=prompt)
            inflight[f"b{i}"] = {"index": i, "sent": time.perf_counter(), "first": None, "ids": [], "cached": 0}
        for out in engine.step():
            record, now = inflight[out.request_id], time.perf_counter()
            if out.token_ids and record["first"] is None:
                record["first"] = now
            record["ids"] += out.token_ids
            record["cached"] = out.cached_tokens
            if out.finish_reason is not None:
                n = len(record["ids"])
                record |= {"ttft": record["first"] - record["sent"], "end": now,
                           "tpot": (now - record["first"]) / max(1, n - 1)}
                done.append(inflight.pop(out.request_id))
    return sorted(done, key=lambda r: r["index"]), time.perf_counter() - start


def same_tokens(ours: list[int], theirs: list[int], eos: int) -> bool:
    """Equal up to our first eos: past it the sides differ by design (ignore_eos lets eos be generated
    and goes on, as vLLM's does; min_new_tokens forbids eos, so generate() takes the runner-up)."""
    end = ours.index(eos) if eos in ours else len(ours)
    return ours[:end] == theirs[:end]


def hf_generate(model, prompt: list[int], new_tokens: int) -> tuple[list[int], float]:
    t = time.perf_counter()
    out = model.generate(torch.tensor([prompt]), max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                         do_sample=False, pad_token_id=0)
    return out[0, len(prompt):].tolist(), time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--checkpoint", type=Path)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--requests", type=int, default=32, help="requests per concurrency level")
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated, of {', '.join(SECTIONS)}")
    args = parser.parse_args(argv)
    sections = set(args.sections.split(","))
    if sections - set(SECTIONS):
        parser.error(f"unknown sections: {', '.join(sorted(sections - set(SECTIONS)))}")
    torch.set_num_threads(args.threads)
    import transformers

    t0 = time.perf_counter()
    eval_rows = read_jsonl(dataset_files(args.dataset)["eval"], "sft")
    ckpt = args.checkpoint
    if ckpt is None:
        ckpt = args.dataset / "bases" / PRESET
        with contextlib.redirect_stdout(sys.stderr):
            import_base(BASES[PRESET], ckpt)
    model, margs = load_checkpoint(ckpt, dtype=torch.float32)
    model.eval()
    tok = ChatTokenizer.load(ckpt)
    limit = margs.max_seq_len - args.new_tokens
    # the agents' prompts in turn (planner, explainer, understander, ...), as the trainer encodes them
    # the calls as they happened: conversation by conversation, turn by turn (the curator's order)
    recorded = [tok.encode_prompt(row["prompt"])[-limit:] for row in eval_rows]
    by_agent = {}
    for row, ids in zip(eval_rows, recorded):
        by_agent.setdefault(row["agent"], []).append(ids)
    prompts = [p for group in zip(*by_agent.values()) for p in group]
    lengths = [len(p) for p in prompts]
    log(f"{len(prompts)} agent prompts from {len(eval_rows)} eval rows: {min(lengths)}-{max(lengths)} tokens, "
        f"mean {statistics.mean(lengths):.0f}; {args.threads} threads")
    hf = transformers.LlamaForCausalLM.from_pretrained(ckpt, dtype=torch.float32).eval()
    n = args.new_tokens
    engine = lambda **kw: Engine(model, tok, **kw)  # noqa: E731
    lines = []

    if "decode" in sections:
        # --- batch-1 decode: time(n tokens) - time(1 token) over n - 1 tokens, both sides
        prompt = prompts[0]
        log("batch-1 decode")
        ours = {}
        for count in (1, n):
            e = engine(prefix_caching=False)
            t = time.perf_counter()
            out = e.generate([prompt], SamplingParams(max_tokens=count, ignore_eos=True))[0]
            ours[count] = (time.perf_counter() - t, out.token_ids)
        theirs = {count: hf_generate(hf, prompt, count)[::-1] for count in (1, n)}
        ours_rate = (n - 1) / (ours[n][0] - ours[1][0])
        theirs_rate = (n - 1) / (theirs[n][0] - theirs[1][0])
        # a decode step reads every weight once, the embedding table only when it is also the LM head (tied)
        weights = count_params(model) * 4 - (0 if margs.tie_word_embeddings else model.model.embed_tokens.weight.nbytes)
        kv = PagedRunner.bytes_per_block(margs, 1, torch.float32) * (len(prompt) + n / 2)
        bandwidth = memory_bandwidth()
        per_token = weights + kv
        lines += ["## Batch-1 decode (fp32, %d threads; prompt %d tokens, %d new)" % (args.threads, len(prompt), n), "",
                  "| | decode tokens/s | vs generate() | bytes read / token | of memory bandwidth |",
                  "|---|---:|---:|---:|---:|",
                  f"| transformers generate() | {theirs_rate:.1f} | 1.00x | {per_token / 1e6:.0f} MB | "
                  f"{theirs_rate * per_token / bandwidth:.0%} |",
                  f"| engine | {ours_rate:.1f} | {ours_rate / theirs_rate:.2f}x | {per_token / 1e6:.0f} MB | "
                  f"{ours_rate * per_token / bandwidth:.0%} |", "",
                  f"memory bandwidth (sum over 1 GiB): {bandwidth / 1e9:.1f} GB/s; weights {weights / 1e6:.0f} MB, KV "
                  f"{kv / 1e6:.0f} MB at the mean context; same tokens: {'yes' if same_tokens(ours[n][1], theirs[n][1], tok.eos_id) else 'NO'}", ""]

    if "eight" in sections:
        # --- 8 concurrent requests vs generate() one after another
        log("8 concurrent requests")
        eight = prompts[:8]
        done, ours_wall = drive(engine(), eight, n, 8)
        # a serving engine's steady state: earlier requests left the agents' system prompts in its cache
        warm_engine = engine()
        drive(warm_engine, prompts[8:8 + len(by_agent)], 1, len(by_agent))
        warm_done, warm_wall = drive(warm_engine, eight, n, 8)
        theirs_wall, same = 0.0, 0
        for prompt_ids, record in zip(eight, done):
            ids, took = hf_generate(hf, prompt_ids, n)
            theirs_wall += took
            same += same_tokens(record["ids"], ids, tok.eos_id)
        total = 8 * n
        lines += ["## Eight concurrent requests (%d new tokens each)" % n, "",
                  "| | wall s | output tokens/s | vs generate() |", "|---|---:|---:|---:|",
                  f"| transformers generate(), one after another | {theirs_wall:.1f} | {total / theirs_wall:.1f} | 1.00x |",
                  f"| engine, all 8 at once, cold cache | {ours_wall:.1f} | {total / ours_wall:.1f} | "
                  f"{theirs_wall / ours_wall:.2f}x |",
                  f"| engine, all 8 at once, the agents' system prompts cached by {len(by_agent)} earlier requests | "
                  f"{warm_wall:.1f} | {total / warm_wall:.1f} | {theirs_wall / warm_wall:.2f}x |",
                  "", f"same tokens: {same} of 8 (cold), {sum(a['ids'] == b['ids'] for a, b in zip(done, warm_done))} "
                  "of 8 warm = cold", ""]

    if "loop" in sections:
        # --- closed-loop concurrency
        lines += ["## Closed loop: %d requests per level, %d new tokens each" % (args.requests, n), "",
                  "| clients | requests/s | output tokens/s | TTFT p50 / p90 ms | TPOT p50 / p90 ms | prefix hit rate |",
                  "|---:|---:|---:|---:|---:|---:|"]
        work = [prompts[i % len(prompts)] for i in range(args.requests)]
        for clients in (1, 8, 32):
            log(f"concurrency {clients}")
            e = engine(max_seqs=max(32, clients))
            done, wall = drive(e, work, n, clients)
            ttft, tpot = [r["ttft"] * 1e3 for r in done], [r["tpot"] * 1e3 for r in done]
            lines.append(f"| {clients} | {len(done) / wall:.2f} | {len(done) * n / wall:.1f} | "
                         f"{percentile(ttft, .5):.0f} / {percentile(ttft, .9):.0f} | "
                         f"{percentile(tpot, .5):.0f} / {percentile(tpot, .9):.0f} | "
                         f"{e.pool.stats()['prefix_hit_rate']:.0%} |")
        lines.append("")

    if "ttft" in sections:
        # --- TTFT with and without the prefix cache, one request at a time
        log("prefix cache")
        conversations = len({row.get("conversationId") for row in eval_rows})
        lines += [f"## TTFT on agent prompts: the eval split's {len(recorded)} calls of {conversations} conversations in "
                  "their recorded order, one request at a time, 1 new token", "",
                  "| prefix cache | TTFT p50 ms | TTFT p90 ms | hit rate |", "|---|---:|---:|---:|"]
        results = {}
        for caching in (False, True):
            e = engine(prefix_caching=caching)
            done, _ = drive(e, recorded, 1, 1)
            ttft = [r["ttft"] * 1e3 for r in done]
            results[caching] = percentile(ttft, .5)
            lines.append(f"| {'on' if caching else 'off'} | {percentile(ttft, .5):.0f} | {percentile(ttft, .9):.0f} | "
                         f"{e.pool.stats()['prefix_hit_rate']:.0%} |")
        lines += ["", f"TTFT p50 {results[False] / results[True]:.1f}x lower with the prefix cache", ""]

    if "preemption" in sections:
        # --- preemption: recompute vs swap, the KV cache squeezed to a quarter of what 16 requests need
        log("preemption")
        sixteen = prompts[:16]
        blocks = sum(-(-(len(p) + n) // 16) for p in sixteen) // 4
        lines += [f"## Preemption: 16 requests at once, the KV cache cut to {blocks} blocks (a quarter of their need)", "",
                  "| preemption | wall s | output tokens/s | preemptions | prompt tokens computed again |", "|---|---:|---:|---:|---:|"]
        outputs = {}
        for mode in ("recompute", "swap", "recompute", "swap"):   # alternated: the machine's speed drifts
            # max_model_len 2,048 (the prompts' longest + n fits): the cache's floor is one full context
            e = engine(num_blocks=blocks, preemption=mode, max_seqs=16, max_model_len=2048)
            computed = []
            forward = e._forward
            e._forward = lambda swaps, work, f=forward, c=computed: c.append(sum(len(w[0]) for w in work)) or f(swaps, work)
            done, wall = drive(e, sixteen, n, 16)
            outputs.setdefault(mode, [r["ids"] for r in done])
            again = sum(computed) - sum(len(p) + n - 1 for p in sixteen) + sum(r["cached"] for r in done)
            lines.append(f"| {mode} | {wall:.1f} | {16 * n / wall:.1f} | {e.scheduler.preemptions} | {again} |")
        lines += ["", f"same tokens: {'yes' if outputs['recompute'] == outputs['swap'] else 'NO'}", ""]

    command = "compute/.venv/bin/python compute/bench/engine_bench.py " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    print("\n".join(lines))
    print(f"{command}\n(wall {time.perf_counter() - t0:.0f} s, torch {torch.__version__}, "
          f"transformers {transformers.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
