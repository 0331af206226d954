"""Command line entry point; the TypeScript services spawn these.

    python -m distillery_compute info     # one JSON line: {"event":"info",...DeviceInfo}
    python -m distillery_compute train --run-dir DIR --preset tiny --cpt F --sft F --dpo F [--eval F] ...

Commands write only JSON protocol lines to stdout (see progress.py); usage
errors go to stderr with exit code 2.
"""

import platform
import sys
from dataclasses import asdict

from distillery_compute import __version__

USAGE = """usage: python -m distillery_compute <command>

commands:
  info    print the available compute (device, GPU features, versions) as one JSON line
  train   distill the student: [bootstrap,] expand, cpt, sft, dpo (resumable; see train --help)
"""


def cmd_info(args: list[str]) -> int:
    from distillery_compute.device import detect  # imports torch: keep it out of usage errors
    from distillery_compute.progress import emit

    if args:
        print(f"distillery_compute info: unexpected arguments: {' '.join(args)}", file=sys.stderr)
        return 2
    emit("info", version=__version__, python_version=platform.python_version(), **asdict(detect()))
    return 0


def cmd_train(argv: list[str]) -> int:
    """Stdout carries only protocol lines (stage_start, progress, checkpoint, stage_done, done)."""
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="python -m distillery_compute train",
                                     description="Distill the student; re-running with the same --run-dir resumes.")
    parser.add_argument("--run-dir", required=True, type=Path)
    parser.add_argument("--preset", required=True)
    for part in ("cpt", "sft", "dpo"):
        parser.add_argument(f"--{part}", required=True, type=Path, help=f"{part} rows (JSONL)")
    parser.add_argument("--eval", type=Path, help="held-out SFT rows for the quality figures")
    parser.add_argument("--base", type=Path, help="a Hugging Face Llama checkpoint dir with tokenizer.json (default: bootstrap one)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--stages", default="expand,cpt,sft,dpo")
    parser.add_argument("--expand-every", type=int, default=4)
    parser.add_argument("--merge", choices=("linear", "task-arithmetic"), default="linear")
    parser.add_argument("--merge-alpha", type=float, default=0.7)
    parser.add_argument("--max-steps", type=int)
    parser.add_argument("--save-every", type=int, default=50)
    parser.add_argument("--eval-limit", type=int, default=24)
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:   # argparse printed the usage error to stderr
        return int(exit_.code or 0)

    import time

    import torch

    from distillery_compute.data import DatasetError, read_jsonl
    from distillery_compute.model import PRESETS
    from distillery_compute.progress import emit
    from distillery_compute.stages import RunOptions, check_stages, run

    def bad(message: str) -> int:
        print(f"distillery_compute train: {message}", file=sys.stderr)
        return 2

    if args.preset not in PRESETS:
        return bad(f"unknown preset {args.preset!r} (known: {', '.join(PRESETS)})")
    try:
        stages = check_stages([s for s in args.stages.split(",") if s])
        files = {"cpt": args.cpt, "sft": args.sft, "dpo": args.dpo} | ({"eval": args.eval} if args.eval else {})
        for name, path in files.items():
            if not path.is_file():
                return bad(f"--{name} {path}: no such file")
        rows = {name: read_jsonl(path, "sft" if name == "eval" else name) for name, path in files.items()}
    except (ValueError, DatasetError) as error:
        return bad(str(error))
    if args.base is not None and not (args.base / "config.json").is_file():
        return bad(f"--base {args.base}: not a Hugging Face checkpoint directory (no config.json)")
    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    options = RunOptions(run_dir=args.run_dir, preset=args.preset, seed=args.seed, expand_every=args.expand_every,
                         merge=args.merge, merge_alpha=args.merge_alpha, max_steps=args.max_steps,
                         save_every=args.save_every, eval_limit=args.eval_limit, device=device)
    t0 = time.monotonic()
    summary = run(options, rows, stages, args.base)
    emit("done", student=summary["student"], report=str(args.run_dir / "report.json"), stages=summary["stages"],
         wall_s=round(time.monotonic() - t0, 3))
    return 0


COMMANDS = {"info": cmd_info, "train": cmd_train}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        sys.stderr.write("distillery_compute: missing command\n" + USAGE)
        return 2
    if argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0
    cmd = COMMANDS.get(argv[0])
    if cmd is None:
        sys.stderr.write(f"distillery_compute: unknown command {argv[0]!r} "
                         f"(known: {', '.join(COMMANDS)})\n" + USAGE)
        return 2
    return cmd(argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
