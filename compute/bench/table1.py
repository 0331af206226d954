"""Table 1 for our run: the teacher, the BF16 student, FP8, EAGLE (chain, tree) and EAGLE + FP8 on the
same held-out agent calls, the same load, one run (issue #17, item 3; the paper's Table 1).

    compute/.venv/bin/python compute/bench/table1.py --checkpoint STUDENT --drafter DRAFTER \
        --fp8-run QUANTIZE_RUN --prompts eval.jsonl --limit 24 --concurrency 4 --max-tokens 128 \
        [--teacher-json teacher.json] [--device auto|cpu|cuda] [--rounds R] [--json table1.json]

The same command runs on a GPU: --device auto takes CUDA when there is one (bf16 there, fp32 on a
CPU; FP8 layers use torch._scaled_mm on compute capability >= 8.9 and emulate elsewhere).

One agent call = one of the curator's held-out prompts (`eval.jsonl`: id, agent, prompt, output; the
first --limit distinct prompts in file order) decoded greedily to eos or --max-tokens, fed to the
model as serving feeds it (the role-marker transcript, ChatTokenizer.encode_prompt). Every
configuration is built as `python -m distillery_compute serve` builds its engine
(Engine.from_checkpoint with the checkpoint, an optional drafter and SpecConfig(method, tokens=7))
and serves all the calls through the engine's continuous batching with --concurrency calls in
flight (a closed loop: one ends, the next starts), after a short warm-up request; with --rounds R
the whole sequence runs R times in alternation and each row keeps its fastest round (a shared
machine's neighbours come and go):

  bf16              --checkpoint, plain decoding
  fp8               --fp8-run's student/, plain
  eagle-chain/tree  --checkpoint with --drafter, a chain of 7 or an EAGLE-2 tree (depth 7, top_k 2, 7 nodes)
  eagle-*+fp8       --fp8-run's student/ with its drafter/

Per configuration: mean accepted length (tokens a verified draft adds, the target's own included),
P50 and P90 latency per call, QPS (calls / wall time), output tokens/s, speed-up (QPS against BF16
plain, as the paper's), how many outputs equal the plain decoding of the same precision token for
token (speculative decoding must not change them; FP8 plain is compared with BF16, where rounding
may change some), and how many equal the reference output. A row whose artifacts do not load is
skipped with the reason. --teacher-json adds the teacher rows measured on the TypeScript side on
the same calls (services/agents/bench/teacher-calls-bench.ts: the reference teacher, and an
OpenAI-compatible teacher where configured); their output tokens are counted with the student's
tokenizer. Progress goes to stderr, the tables (and a per-agent P90 table) to stdout.
"""

import argparse
import dataclasses
import gc
import json
import os
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from distillery_compute.eagle.drafter import load_drafter
from distillery_compute.engine import Engine, SamplingParams
from distillery_compute.engine.speculative import SpecConfig
from distillery_compute.model import Transformer
from distillery_compute.tokenizer import ChatTokenizer

DRAFT_TOKENS = 7   # serve's --draft-tokens default
WARM_UP = "Hello! Is the dealership open on Sunday?"


class TableInputError(ValueError):
    """Raised when an input of the table (the prompts, the teacher JSON) is missing or does not fit the others."""


@dataclass(frozen=True)
class Call:
    id: str
    agent: str
    prompt: str
    output: str


@dataclass(frozen=True)
class Config:
    name: str            # bf16, fp8, eagle-chain, eagle-tree+fp8, ...
    precision: str       # bf16 | fp8: which checkpoint
    method: str | None   # None: plain decoding; chain | tree: with the drafter


# run in this order: each checkpoint is loaded once, and each plain row comes before the rows compared with it
CONFIGS = (Config("bf16", "bf16", None), Config("eagle-chain", "bf16", "chain"), Config("eagle-tree", "bf16", "tree"),
           Config("fp8", "fp8", None), Config("eagle-chain+fp8", "fp8", "chain"),
           Config("eagle-tree+fp8", "fp8", "tree"))


@dataclass(frozen=True)
class Artifacts:
    """Where each precision's checkpoint and drafter are (None: not given)."""
    checkpoint: dict[str, Path | None]
    drafter: dict[str, Path | None]


@dataclass
class Row:
    config: str
    decoding: str
    skipped: str | None = None                    # why the row has no figures
    calls: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    mean_accepted_length: float | None = None
    acceptance_by_position: list[float] = field(default_factory=list)
    draft_time_share: float | None = None
    compared_with: str | None = None              # the row whose outputs this one is compared with
    identical: int | None = None
    first_differences: list[int] = field(default_factory=list)   # where each differing output first differs (token)
    load: tuple[float, float] | None = None       # 1-minute load average before and after
    round_seconds: list[float] = field(default_factory=list)   # every round's wall time (the row is the fastest)


def read_calls(path: Path, limit: int) -> list[Call]:
    """The first `limit` rows of eval.jsonl with distinct prompts, in file order (the teacher bench selects the same)."""
    if not path.is_file():
        raise TableInputError(f"--prompts {path}: no such file")
    calls, seen = [], set()
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        for key in ("id", "agent", "prompt"):
            if not isinstance(row.get(key), str):
                raise TableInputError(f"{path}:{n}: an eval row needs a string {key}")
        if row["prompt"] in seen:
            continue
        seen.add(row["prompt"])
        calls.append(Call(row["id"], row["agent"], row["prompt"], row.get("output") or ""))
        if len(calls) == limit:
            break
    if not calls:
        raise TableInputError(f"--prompts {path}: no rows")
    return calls


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    at = q * (len(ordered) - 1)
    low = int(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def drive(engine: Engine, calls: list[Call], *, concurrency: int, max_tokens: int) -> tuple[list[dict], float]:
    """Every call through the engine with at most `concurrency` in flight; per call its latency (add to
    its last token), tokens and text; and the wall time of the whole."""
    engine.add("warm-up", SamplingParams(max_tokens=4), text=WARM_UP)
    while engine.has_work():
        engine.step()
    engine.reset_speculation()
    params = SamplingParams(max_tokens=max_tokens)
    pending, inflight, done = list(enumerate(calls)), {}, {}
    began = time.perf_counter()
    while pending or inflight:
        while pending and len(inflight) < concurrency:
            i, call = pending.pop(0)
            prompt_tokens = engine.add(f"call-{i}", dataclasses.replace(params), transcript=call.prompt)
            inflight[f"call-{i}"] = {"index": i, "id": call.id, "agent": call.agent, "prompt_tokens": prompt_tokens,
                                     "sent": time.perf_counter(), "token_ids": [], "text": ""}
        for out in engine.step():
            record = inflight[out.request_id]
            record["token_ids"] += out.token_ids
            record["text"] += out.text
            if out.finish_reason is not None:
                record |= {"seconds": time.perf_counter() - record.pop("sent"), "finish_reason": out.finish_reason,
                           "cached_tokens": out.cached_tokens}
                done[out.request_id] = inflight.pop(out.request_id)
    seconds = time.perf_counter() - began
    return [done[f"call-{i}"] for i in range(len(calls))], seconds


class EngineSource:
    """Builds each configuration's engine as `serve` does, loading a checkpoint once for its plain and
    speculative rows (from_checkpoint's steps: load_checkpoint, the tokenizer, load_drafter)."""

    def __init__(self, artifacts: Artifacts, *, device: str | None, dtype: torch.dtype | None, max_seqs: int,
                 num_blocks: Callable[[ChatTokenizer], int] | None = None):
        self.artifacts, self.device, self.dtype, self.max_seqs = artifacts, device, dtype, max_seqs
        self.num_blocks = num_blocks
        self._loaded: tuple[str, Transformer, ChatTokenizer] | None = None

    @property
    def tokenizer(self) -> ChatTokenizer | None:
        """The last loaded checkpoint's tokenizer (None before any loaded)."""
        return self._loaded[2] if self._loaded else None

    def engine(self, config: Config) -> Engine:
        """The configuration's engine, with a fresh KV cache; raises ValueError or OSError (the reason
        to skip the row) when its artifacts are missing or do not load."""
        checkpoint = self.artifacts.checkpoint[config.precision]
        if checkpoint is None:
            raise TableInputError(f"no {config.precision} checkpoint given")
        drafter = self.artifacts.drafter[config.precision] if config.method else None
        if config.method and drafter is None:
            raise TableInputError(f"no drafter for the {config.precision} student given")
        if self._loaded is None or self._loaded[0] != config.precision:
            self._loaded = None
            gc.collect()
            # serve's loading (manifests verified, the tokenizer found), with the smallest KV cache; only
            # the model and the tokenizer are kept: each row's engine fuses and packs the weights anew
            loaded = Engine.from_checkpoint(checkpoint, device=self.device, dtype=self.dtype, num_blocks=1)
            self._loaded = config.precision, loaded.model, loaded.tokenizer
            del loaded
            gc.collect()
        _, model, tokenizer = self._loaded
        kw = {"max_seqs": self.max_seqs} | ({"num_blocks": self.num_blocks(tokenizer)} if self.num_blocks else {})
        if config.method is None:
            return Engine(model, tokenizer, **kw)
        return Engine(model, tokenizer, drafter=load_drafter(drafter, model).eval(),
                      speculative=SpecConfig(method=config.method, tokens=DRAFT_TOKENS), **kw)


def kv_blocks_for(calls: list[Call], *, concurrency: int, max_tokens: int,
                  block_size: int = 16) -> Callable[[ChatTokenizer], int]:
    """A KV cache that keeps every prompt's blocks for the prefix cache and room for `concurrency`
    answers with their drafts: what serving's 2 GiB default holds for these calls, without taking
    2 GiB of a shared machine per configuration."""
    def blocks(tokenizer: ChatTokenizer) -> int:
        prompts = sum(-(-len(tokenizer.encode_prompt(c.prompt)) // block_size) for c in calls)
        return prompts + concurrency * (-(-(max_tokens + 2 * DRAFT_TOKENS + 2) // block_size) + 1)
    return blocks


def run_table(source: EngineSource, calls: list[Call], *, concurrency: int, max_tokens: int,
              configs: tuple[Config, ...] = CONFIGS, rounds: int = 1,
              log: Callable[[str], None] = lambda _: None) -> list[Row]:
    """Every configuration on the same calls, one after another, `rounds` times in alternation (each row
    keeps its fastest round: on a shared machine the others measure the neighbours); a row that cannot
    load is skipped with its reason."""
    rows: dict[str, Row] = {}
    for round_ in range(rounds):
        for config in configs:
            row = measure(source, config, calls, concurrency=concurrency, max_tokens=max_tokens)
            kept = rows.setdefault(config.name, row)
            if row.skipped is None:
                row.round_seconds = kept.round_seconds + [round(row.seconds, 3)]
                if kept.skipped is not None or row.seconds <= kept.seconds:
                    rows[config.name] = row
                else:
                    kept.round_seconds = row.round_seconds
            log(f"{config.name}: skipped ({row.skipped})" if row.skipped else
                f"round {round_ + 1}/{rounds} " + progress(row, len(calls)))
    for row in rows.values():   # greedy outputs do not depend on the round
        config = next(c for c in configs if c.name == row.config)
        reference = rows.get(config.precision if config.method else "bf16")
        if reference is not row and reference is not None and not reference.skipped and not row.skipped:
            row.compared_with = reference.config
            row.identical = sum(a["token_ids"] == b["token_ids"] for a, b in zip(row.calls, reference.calls))
            row.first_differences = [first_difference(a["token_ids"], b["token_ids"]) for a, b in
                                     zip(row.calls, reference.calls) if a["token_ids"] != b["token_ids"]]
    return list(rows.values())


def measure(source: EngineSource, config: Config, calls: list[Call], *, concurrency: int, max_tokens: int) -> Row:
    row = Row(config.name, config.method or "plain")
    try:
        engine = source.engine(config)
    except (ValueError, OSError, KeyError, RuntimeError) as error:
        row.skipped = f"{type(error).__name__}: {error}"
        return row
    before = os.getloadavg()[0]
    row.calls, row.seconds = drive(engine, calls, concurrency=concurrency, max_tokens=max_tokens)
    row.load = before, os.getloadavg()[0]
    if config.method:
        spec = engine.speculation()
        row.mean_accepted_length = spec["mean_accepted_length"]
        row.acceptance_by_position = [round(a, 4) for a in spec["acceptance_by_position"]]
        row.draft_time_share = round(spec["draft_time_share"], 4)
    return row


def first_difference(a: list[int], b: list[int]) -> int:
    """The first token position where two outputs differ (the shorter's length when one extends the other)."""
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


# ------------------------------------------------------------------ figures

def figures(row: Row, baseline_qps: float | None, tokens_of: Callable[[dict], int] = lambda c: len(c["token_ids"])) -> dict:
    latencies = [c["seconds"] for c in row.calls]
    tokens = sum(tokens_of(c) for c in row.calls)
    qps = len(row.calls) / row.seconds
    return {"p50_s": percentile(latencies, 0.5), "p90_s": percentile(latencies, 0.9), "qps": qps,
            "tokens_per_s": tokens / row.seconds, "output_tokens": tokens,
            "speedup": qps / baseline_qps if baseline_qps else None}


def progress(row: Row, n: int) -> str:
    f = figures(row, None)
    al = f", mean accepted length {row.mean_accepted_length:.2f}" if row.mean_accepted_length else ""
    return (f"{row.config}: {n} calls in {row.seconds:.1f} s, P50 {f['p50_s']:.2f} s, P90 {f['p90_s']:.2f} s, "
            f"{f['qps']:.2f} QPS, {f['tokens_per_s']:.1f} tok/s{al} (load {row.load[0]:.1f} -> {row.load[1]:.1f})")


def read_teacher_json(path: Path, calls: list[Call]) -> dict:
    """teacher-calls-bench.ts's JSON, checked to time exactly these calls."""
    if not path.is_file():
        raise TableInputError(f"--teacher-json {path}: no such file")
    data = json.loads(path.read_text())
    want = [c.id for c in calls]
    for teacher in data.get("teachers", []):
        got = [c["id"] for c in teacher["calls"]]
        if got != want:
            raise TableInputError(f"--teacher-json {path}: {teacher['name']} timed {len(got)} calls that are not this "
                                  f"table's {len(want)} (run it with the same --prompts and --limit)")
    return data


def teacher_rows(data: dict, count_tokens: Callable[[str], int]) -> list[Row]:
    """The teacher rows of read_teacher_json's data; output tokens counted with the student's tokenizer."""
    rows = []
    for teacher in data.get("teachers", []):
        row = Row(f"teacher: {teacher['name']}", teacher.get("model", "-"), seconds=teacher["wallSeconds"])
        row.calls = [{"id": c["id"], "agent": c["agent"], "seconds": c["seconds"], "text": c["output"],
                      "output_tokens": count_tokens(c["output"])} for c in teacher["calls"]]
        rows.append(row)
    return rows + [Row(f"teacher: {s['name']}", "-", skipped=s["reason"]) for s in data.get("skipped", [])]


def number(value: float) -> str:
    """Three significant figures, whole numbers with separators from 1,000."""
    return f"{value:,.0f}" if value >= 1000 else f"{value:.3g}"


def render(rows: list[Row], calls: list[Call]) -> str:
    """Table 1 and the per-agent P90 table, in markdown."""
    base = next((r for r in rows if r.config == "bf16" and not r.skipped), None)
    base_qps = figures(base, None)["qps"] if base else None
    reference = {c.id: c.output for c in calls}
    out = ["| configuration | decoding | mean accepted length | P50 latency (s) | P90 latency (s) | QPS "
           "| output tokens/s | speed-up | identical outputs | = reference output | load before → after |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        if row.skipped:
            out.append(f"| {row.config} | {row.decoding} | skipped: {row.skipped} | | | | | | | | |")
            continue
        f = figures(row, base_qps, lambda c: c.get("output_tokens", len(c.get("token_ids", []))))
        al = f"{row.mean_accepted_length:.2f}" if row.mean_accepted_length else "–"
        same = f"{row.identical}/{len(row.calls)} vs {row.compared_with}" if row.compared_with else "–"
        if row.first_differences:
            same += f" (first difference at token {', '.join(map(str, row.first_differences))})"
        ref = sum(c["text"].strip() == reference[c["id"]].strip() for c in row.calls)
        speedup = f"{f['speedup']:,.2f}x" if f["speedup"] else "–"
        load = f"{row.load[0]:.1f} → {row.load[1]:.1f}" if row.load else "–"
        out.append(f"| {row.config} | {row.decoding} | {al} | {number(f['p50_s'])} | {number(f['p90_s'])} "
                   f"| {number(f['qps'])} | {number(f['tokens_per_s'])} | {speedup} | {same} | {ref}/{len(row.calls)} "
                   f"| {load} |")
    agents = sorted({c.agent for c in calls})
    out += ["", "P90 latency per agent call (s):", "",
            "| configuration | " + " | ".join(f"{a} ({sum(c.agent == a for c in calls)})" for a in agents) + " |",
            "|---|" + "---|" * len(agents)]
    for row in rows:
        if not row.skipped:
            cells = [percentile([c["seconds"] for c in row.calls if c["agent"] == a], 0.9) for a in agents]
            out.append(f"| {row.config} | " + " | ".join(number(v) for v in cells) + " |")
    return "\n".join(out)


def to_json(rows: list[Row], calls: list[Call], meta: dict) -> dict:
    base = next((r for r in rows if r.config == "bf16" and not r.skipped), None)
    base_qps = figures(base, None)["qps"] if base else None
    out = []
    for row in rows:
        entry = {k: v for k, v in dataclasses.asdict(row).items() if k != "calls"}
        if not row.skipped:
            entry |= figures(row, base_qps, lambda c: c.get("output_tokens", len(c.get("token_ids", []))))
            entry["calls"] = [{k: v for k, v in c.items() if k != "token_ids"} | {"output_tokens": c.get(
                "output_tokens", len(c.get("token_ids", [])))} for c in row.calls]
        out.append(entry)
    return {**meta, "calls": [c.id for c in calls], "rows": out}


def log(message: str) -> None:
    print(f"[table1] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", required=True, type=Path, help="the BF16 student")
    parser.add_argument("--drafter", type=Path, help="its EAGLE-3 drafter (the drafter command's)")
    parser.add_argument("--fp8-run", type=Path, help="a quantize run dir: its student/ and drafter/")
    parser.add_argument("--prompts", required=True, type=Path, help="the curator's eval.jsonl")
    parser.add_argument("--limit", type=int, default=24)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=1, help="run the configurations this many times in "
                        "alternation; each row keeps its fastest round (a shared machine)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--configs", default=",".join(c.name for c in CONFIGS), help="comma-separated, of "
                        f"{', '.join(c.name for c in CONFIGS)}")
    parser.add_argument("--teacher-json", type=Path, help="teacher-calls-bench.ts's output on the same prompts")
    parser.add_argument("--json", type=Path, help="write every figure and per-call record here")
    args = parser.parse_args(argv)
    for name in ("limit", "concurrency", "max_tokens", "rounds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1")
    chosen = args.configs.split(",")
    if unknown := [c for c in chosen if c not in {c.name for c in CONFIGS}]:
        parser.error(f"unknown configurations: {', '.join(unknown)}")
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: no CUDA device available")
    device = "cuda" if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available()) else "cpu"
    calls = read_calls(args.prompts, args.limit)
    teachers = read_teacher_json(args.teacher_json, calls) if args.teacher_json else None
    fp8 = args.fp8_run
    artifacts = Artifacts(
        checkpoint={"bf16": args.checkpoint, "fp8": fp8 / "student" if fp8 else None},
        drafter={"bf16": args.drafter, "fp8": fp8 / "drafter" if fp8 and (fp8 / "drafter").is_dir() else None})
    source = EngineSource(artifacts, device=device, dtype=None, max_seqs=args.concurrency,
                          num_blocks=kv_blocks_for(calls, concurrency=args.concurrency, max_tokens=args.max_tokens))
    where = torch.cuda.get_device_name() if device == "cuda" else f"cpu ({torch.get_num_threads()} threads, " \
                                                                  f"{os.cpu_count()} cores)"
    log(f"{len(calls)} calls, concurrency {args.concurrency}, at most {args.max_tokens} tokens, {where}")
    rows = run_table(source, calls, concurrency=args.concurrency, max_tokens=args.max_tokens,
                     configs=tuple(c for c in CONFIGS if c.name in chosen), rounds=args.rounds, log=log)
    if teachers is not None:
        if source.tokenizer is None:
            raise TableInputError("--teacher-json: no student loaded to count the teacher's output tokens with")
        rows = teacher_rows(teachers, lambda text: len(source.tokenizer.encode(text))) + rows
    meta = {"device": where, "dtype": "bf16" if device == "cuda" else "fp32", "concurrency": args.concurrency,
            "max_tokens": args.max_tokens, "rounds": args.rounds, "prompts": str(args.prompts),
            "checkpoint": str(args.checkpoint),
            "drafter": str(args.drafter) if args.drafter else None, "fp8_run": str(fp8) if fp8 else None,
            "draft_tokens": DRAFT_TOKENS, "command": shlex.join([sys.executable, *sys.argv])}
    print(f"\n{len(calls)} held-out agent calls ({args.prompts}), greedy, at most {args.max_tokens} tokens, "
          f"{args.concurrency} in flight, fastest of {args.rounds} round(s); {where}, {meta['dtype']} compute; "
          f"chain of {DRAFT_TOKENS}, tree depth {DRAFT_TOKENS} top_k 2 7 nodes; speed-up = QPS / BF16 plain QPS\n")
    print(render(rows, calls))
    print(f"\n    {meta['command']}")
    if args.json:
        args.json.write_text(json.dumps(to_json(rows, calls, meta), indent=1))
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except TableInputError as error:
        print(f"table1: {error}", file=sys.stderr)
        raise SystemExit(2)
