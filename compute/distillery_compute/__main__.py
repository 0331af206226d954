"""Command line entry point; the TypeScript services spawn these.

    python -m distillery_compute info     # one JSON line: {"event":"info",...DeviceInfo}
    python -m distillery_compute import-base --preset smollm2-135m --out DIR   # a packaged base -> DIR (once)
    python -m distillery_compute train --run-dir DIR --preset tiny --cpt F --sft F --dpo F [--eval F] ...
    torchrun --nproc_per_node=8 -m distillery_compute train ...   # several GPUs: FSDP2 (distributed.py)

Commands write only JSON protocol lines to stdout (see progress.py); usage
errors go to stderr with exit code 2. Under torchrun only rank 0 writes to stdout.
"""

import platform
import sys
from dataclasses import asdict

from distillery_compute import __version__

USAGE = """usage: python -m distillery_compute <command>

commands:
  info         print the available compute (device, GPU features, versions) as one JSON line
  import-base  import a pretrained base shipped in a package into a checkpoint dir for --base (once)
  train        distill the student: [bootstrap,] expand, cpt, sft, dpo (resumable; see train --help)
"""


def cmd_info(args: list[str]) -> int:
    from distillery_compute.device import detect  # imports torch: keep it out of usage errors
    from distillery_compute.progress import emit

    if args:
        print(f"distillery_compute info: unexpected arguments: {' '.join(args)}", file=sys.stderr)
        return 2
    emit("info", version=__version__, python_version=platform.python_version(), **asdict(detect()))
    return 0


def cmd_import_base(argv: list[str]) -> int:
    """Import a packaged base (bases.py); stdout: progress lines while dequantizing, then done."""
    import argparse
    from pathlib import Path

    from distillery_compute.bases import BASES

    parser = argparse.ArgumentParser(prog="python -m distillery_compute import-base",
                                     description="Import a pretrained base shipped in an installed package into "
                                                 "a checkpoint dir (train --base DIR); a finished import is only "
                                                 "verified.")
    parser.add_argument("--preset", required=True, help=f"the base: {', '.join(BASES)}")
    parser.add_argument("--out", required=True, type=Path, help="the checkpoint dir to write (or verify)")
    parser.add_argument("--source", type=Path, help="the GGUF to read (default: the installed package's); "
                        "it must be the pinned file")
    parser.add_argument("--dtype", choices=("bfloat16", "float32"), default="bfloat16")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)

    def bad(message: str) -> int:
        print(f"distillery_compute import-base: {message}", file=sys.stderr)
        return 2

    if args.preset not in BASES:
        return bad(f"unknown base {args.preset!r} (known: {', '.join(BASES)})")
    import torch

    from distillery_compute.bases import import_base
    from distillery_compute.progress import emit

    try:
        summary = import_base(BASES[args.preset], args.out, args.source, getattr(torch, args.dtype), report=True)
    except ValueError as error:   # SourceError (names the file), a checkpoint that fails its checks
        return bad(str(error))
    emit("done", **summary)
    return 0


def cmd_train(argv: list[str]) -> int:
    """Distill the student (stages.py); stdout carries only stage_start, progress, checkpoint, stage_done, done."""
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="python -m distillery_compute train",
                                     description="Distill the student; the same command with the same --run-dir resumes.")
    parser.add_argument("--run-dir", required=True, type=Path)
    parser.add_argument("--preset", required=True, help="model preset: micro, tiny, smollm2-135m (with --base "
                        "from import-base), llama-3.2-1b, llama-3.1-8b")
    for kind in ("cpt", "sft", "dpo"):
        parser.add_argument(f"--{kind}", required=True, type=Path, help=f"{kind} rows (JSONL, data.py format)")
    parser.add_argument("--eval", type=Path, help="held-out rows in the SFT format: quality after every stage")
    parser.add_argument("--base", type=Path, help="HF Llama checkpoint dir with tokenizer.json (default: bootstrap one)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--stages", default="expand,cpt,sft,dpo")
    parser.add_argument("--expand-every", type=int, default=4)
    parser.add_argument("--merge", choices=("linear", "task-arithmetic"), default="linear")
    parser.add_argument("--merge-alpha", type=float, default=0.5, help="share of the CPT-trained model (linear) "
                        "or task-vector scale (task-arithmetic)")
    parser.add_argument("--beta", type=float, default=0.1, help="DPO penalty")
    parser.add_argument("--max-steps", type=int, help="cap on every stage's optimizer steps")
    parser.add_argument("--save-every", type=int, default=50)
    parser.add_argument("--eval-limit", type=int, default=24, help="eval rows decoded per stage")
    parser.add_argument("--eval-rows", type=int, default=0, help="eval rows whose held-out loss is measured per "
                        "stage, each role in turn (0: all)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:   # argparse printed the usage error to stderr (exit 2), or --help (0)
        return int(exit_.code or 0)

    def bad(message: str) -> int:
        print(f"distillery_compute train: {message}", file=sys.stderr)
        return 2

    import time

    import torch

    from distillery_compute.data import read_jsonl
    from distillery_compute.model import PRESETS

    # Everything checked before the slow imports (peft) and before any work.
    if args.preset not in PRESETS:
        return bad(f"unknown preset {args.preset!r} (known: {', '.join(PRESETS)})")
    for name, value, least in (("--expand-every", args.expand_every, 1), ("--save-every", args.save_every, 1),
                               ("--max-steps", args.max_steps, 1), ("--eval-limit", args.eval_limit, 0),
                               ("--eval-rows", args.eval_rows, 0)):
        if value is not None and value < least:
            return bad(f"{name} must be >= {least}, got {value}")
    if args.merge == "linear" and not 0.0 <= args.merge_alpha <= 1.0:
        return bad(f"--merge-alpha must be in [0, 1] for a linear merge, got {args.merge_alpha}")
    if args.device == "cuda" and not torch.cuda.is_available():
        return bad("--device cuda: no CUDA device available")
    if args.base is not None:
        for name in ("config.json", "tokenizer.json"):
            if not (args.base / name).is_file():
                return bad(f"--base {args.base}: no {name} (expected a Hugging Face checkpoint dir with its tokenizer)")
    inputs = {"cpt": args.cpt, "sft": args.sft, "dpo": args.dpo} | ({"eval": args.eval} if args.eval else {})
    rows = {}
    try:
        for name, path in inputs.items():
            if not path.is_file():
                return bad(f"--{name} {path}: no such file")
            rows[name] = read_jsonl(path, "sft" if name == "eval" else name)
            if not rows[name]:
                return bad(f"--{name} {path}: no rows")
    except ValueError as error:   # data.DatasetError: "file:line: what is wrong"
        return bad(str(error))

    from distillery_compute import distributed
    from distillery_compute.progress import emit
    from distillery_compute.stages import RunOptions, parse_stages, run

    device = args.device if args.device != "auto" else "cuda" if torch.cuda.is_available() else "cpu"
    if distributed.launched():   # torchrun with several processes: cuda:LOCAL_RANK (nccl) or cpu (gloo)
        device = distributed.setup(args.device)
    try:
        options = RunOptions(run_dir=args.run_dir, preset=args.preset, seed=args.seed, stages=parse_stages(args.stages),
                             expand_every=args.expand_every, merge=args.merge, merge_alpha=args.merge_alpha,
                             beta=args.beta, max_steps=args.max_steps, save_every=args.save_every,
                             eval_limit=args.eval_limit, eval_rows=args.eval_rows, device=device)
        t0 = time.monotonic()
        report = run(options, rows, inputs, args.base)
    except ValueError as error:   # RunError, a state or checkpoint that fails its checks, settings that cannot resume
        return bad(str(error))
    finally:
        distributed.teardown()
    emit("done", student=report["student"], report=str(args.run_dir / "report.json"), stages=report["stages"],
         wall_s=round(time.monotonic() - t0, 3))
    return 0


COMMANDS = {"info": cmd_info, "import-base": cmd_import_base, "train": cmd_train}


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
