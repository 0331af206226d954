"""FP8 against BF16 on the student (issue #16's benchmark: the README's FP8 tables and our Figure 4).

    compute/.venv/bin/python compute/bench/fp8_bench.py --checkpoint CKPT --calibration calibration.jsonl \
        --eval-rows eval.jsonl --drafter DRAFTER --run-dir RUN

Runs the quantizer's job (fp8/job.py, the quantize command's) with the given settings, or reads
RUN/manifest.json when a run already wrote it, and prints:

  1. size on disk, BF16 and FP8, student and drafter;
  2. held-out metrics per agent, BF16 and FP8 (loss on the reference answers, exact match of greedy
     answers), greedy agreement (answers identical token for token, and the share of each answer
     before the first difference) — goal: within 1 point;
  3. clip rate (×10^-5 %, as in the paper's Figure 4) of each calibration set by calibration length,
     measured on the held-out sequences, and the flush-to-zero rate;
  4. decode tokens/s on this machine, BF16 and FP8 through the engine, one request at a time;
  5. with a drafter: mean accepted length of the BF16 and the FP8 drafter on the FP8 student.

Progress goes to stderr, the tables to stdout.
"""

import argparse
import contextlib
import json
import sys
from pathlib import Path

from distillery_compute.fp8.job import JobOptions, run_job


def table(headers: list[str], rows: list[list]) -> None:
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---" for _ in headers) + "|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", required=True, type=Path)
    parser.add_argument("--calibration", required=True, type=Path)
    parser.add_argument("--eval-rows", required=True, type=Path)
    parser.add_argument("--run-dir", required=True, type=Path)
    parser.add_argument("--drafter", type=Path)
    parser.add_argument("--set", default="mixed")
    parser.add_argument("--length", type=int, default=2048)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--test-limit", type=int, default=16)
    parser.add_argument("--eval-limit", type=int, default=16)
    parser.add_argument("--eval-max-tokens", type=int, default=128)
    args = parser.parse_args()
    path = args.run_dir / "manifest.json"
    if path.is_file():
        manifest = json.loads(path.read_text())
    else:
        with contextlib.redirect_stdout(sys.stderr):   # the job's progress lines
            manifest = run_job(JobOptions(checkpoint=args.checkpoint, calibration_rows=args.calibration,
                                          eval_rows=args.eval_rows, run_dir=args.run_dir, drafter=args.drafter,
                                          set=args.set, length=args.length, samples=args.samples,
                                          test_limit=args.test_limit, eval_limit=args.eval_limit,
                                          eval_max_tokens=args.eval_max_tokens))
    cal, mem, metrics = manifest["calibration"], manifest["memory"], manifest["metrics"]
    print(f"student {manifest['target']['path']}; scales from {cal['set']} at {cal['length']} tokens "
          f"({cal['samples']} texts, {cal['tokens']} tokens, {cal['observer']}); kept in BF16: {', '.join(cal['ignore'])}\n")

    mib = lambda b: f"{b / 2 ** 20:.1f} MiB"   # noqa: E731
    rows = [["student", mib(mem["bf16_bytes"]), mib(mem["fp8_bytes"]), f"{mem['fp8_bytes'] / mem['bf16_bytes']:.2f}"]]
    if "drafter_bf16_bytes" in mem:
        rows.append(["drafter", mib(mem["drafter_bf16_bytes"]), mib(mem["drafter_fp8_bytes"]),
                     f"{mem['drafter_fp8_bytes'] / mem['drafter_bf16_bytes']:.2f}"])
    table(["model", "BF16", "FP8", "ratio"], rows)

    bf16, fp8 = metrics["bf16"], metrics["fp8"]
    agents = sorted({k.split(".", 1)[1] for k in bf16 if "." in k})
    rows = []
    for scope in ["all", *agents]:
        suffix = "" if scope == "all" else f".{scope}"
        loss, match = f"held_out_loss{suffix}", f"exact_match{suffix}"
        if loss in bf16:
            rows.append([scope, f"{bf16[loss]:.4f}", f"{fp8[loss]:.4f}",
                         *(f"{100 * m[match]:.1f}" if m.get(match) is not None else "–" for m in (bf16, fp8))])
    table(["agent", "loss BF16", "loss FP8", "exact match BF16 %", "exact match FP8 %"], rows)
    print(f"greedy agreement: {100 * metrics['greedy_agreement']:.1f}% of {metrics['agreement_prompts']} answers identical; "
          f"{100 * metrics['greedy_prefix_agreement']:.1f}% of each answer before the first difference (mean)\n")

    sets = manifest["sweep"]["sets"]
    lengths = sorted({int(n) for s in sets.values() for n in s})
    print(f"clip rate (x1e-5 %) on {manifest['sweep']['test']['sequences']} held-out sequences "
          f"({manifest['sweep']['test']['tokens']} tokens), by calibration length:")
    table(["set", *map(str, lengths)],
          [[name, *(f"{1e7 * sets[name][str(n)]['clip_rate']:.1f}" if str(n) in sets[name] else "–" for n in lengths)]
           for name in sets])
    print("flush-to-zero rate (x1e-5 %):")
    table(["set", *map(str, lengths)],
          [[name, *(f"{1e7 * sets[name][str(n)]['flush_rate']:.1f}" if str(n) in sets[name] else "–" for n in lengths)]
           for name in sets])

    decode = metrics["decode"]
    table(["decode (1 request)", "tokens", "s", "tokens/s"],
          [[p.upper(), decode[p]["tokens"], decode[p]["seconds"], decode[p]["tokens_per_s"]] for p in ("bf16", "fp8")])
    if manifest["acceptance"]:
        acc = manifest["acceptance"]
        table(["drafter on the FP8 student", "mean accepted length", "tokens/s", "answers = plain FP8"],
              [[name, f"{a['mean_accepted_length']:.2f}", a["tokens_per_s"], f"{a['same_output']}/{a['prompts']}"]
               for name, a in acc.items()])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
