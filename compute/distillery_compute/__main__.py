"""Command line entry point; the TypeScript services spawn these.

    python -m distillery_compute info     # one JSON line: {"event":"info",...DeviceInfo}
    python -m distillery_compute import-base --preset smollm2-135m --out DIR   # a packaged base -> DIR (once)
    python -m distillery_compute train --run-dir DIR --preset tiny --cpt F --sft F --dpo F \
        [--eval F [--eval-heldout F]] ...
    torchrun --nproc_per_node=8 -m distillery_compute train ...   # several GPUs: FSDP2 (distributed.py)
    python -m distillery_compute serve --checkpoint DIR [--port N | --socket PATH]   # the engine over gRPC
    python -m distillery_compute drafter --checkpoint DIR --eagle-rows F --eval-rows F --run-dir DIR   # EAGLE drafters
    python -m distillery_compute quantize --checkpoint DIR --calibration F --eval-rows F --run-dir DIR  # FP8

Commands write only JSON protocol lines to stdout (see progress.py); usage
errors go to stderr with exit code 2. Under torchrun only rank 0 writes to stdout.
`serve` writes {"event":"ready","address":...} once it listens, serves until SIGTERM
(engine/server.py), then drains: "draining", and "done" once every request finished.
"""

import functools
import platform
import sys
from dataclasses import asdict

from distillery_compute import __version__

USAGE = """usage: python -m distillery_compute <command>

commands:
  info         print the available compute (device, GPU features, versions) as one JSON line
  import-base  import a pretrained base shipped in a package into a checkpoint dir for --base (once)
  train        distill the student: [bootstrap,] expand, cpt, sft, dpo (resumable; see train --help)
  serve        serve a checkpoint with the inference engine over gRPC until SIGTERM (see serve --help)
  drafter      build EAGLE data from a student, train drafters, measure their acceptance (see drafter --help)
  quantize     FP8 W8A8 student and drafter: calibration sweep, clip rates, evaluation (see quantize --help)
"""


def parse(parser, argv: list[str]):
    """The parsed arguments, or the exit code argparse asked for (it printed the usage error or help)."""
    try:
        return parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)


def refuse(command: str, message: str) -> int:
    """A usage error: the message on stderr, exit code 2."""
    print(f"distillery_compute {command}: {message}", file=sys.stderr)
    return 2


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
    args = parse(parser, argv)
    if isinstance(args, int):   # argparse printed a usage error (2) or --help (0)
        return args
    bad = functools.partial(refuse, "import-base")

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
    parser.add_argument("--eval-heldout", type=Path, help="with --eval: held-out-phrasing rows (the same format), "
                        "--eval-limit of them decoded after every stage too, without their loss (heldout_ figures)")
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
    args = parse(parser, argv)
    if isinstance(args, int):   # argparse printed a usage error (2) or --help (0)
        return args
    bad = functools.partial(refuse, "train")

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
    if args.eval_heldout is not None and args.eval is None:
        return bad("--eval-heldout needs --eval (the held-out-phrasing rows are decoded beside the eval rows)")
    inputs = ({"cpt": args.cpt, "sft": args.sft, "dpo": args.dpo} | ({"eval": args.eval} if args.eval else {})
              | ({"eval_heldout": args.eval_heldout} if args.eval_heldout else {}))
    rows = {}
    try:
        for name, path in inputs.items():
            flag = "--" + name.replace("_", "-")
            if not path.is_file():
                return bad(f"{flag} {path}: no such file")
            rows[name] = read_jsonl(path, "sft" if name.startswith("eval") else name)
            if not rows[name]:
                return bad(f"{flag} {path}: no rows")
    except ValueError as error:   # data.DatasetError: "file:line: what is wrong"
        return bad(str(error))

    from distillery_compute import distributed
    from distillery_compute.progress import emit
    from distillery_compute.stages import RunOptions, parse_stages, run

    device = args.device if args.device != "auto" else "cuda" if torch.cuda.is_available() else "cpu"
    if distributed.launched():   # torchrun with several processes: cuda:LOCAL_RANK (nccl) or cpu (gloo)
        device = distributed.setup(args.device)
    finished = False
    try:
        options = RunOptions(run_dir=args.run_dir, preset=args.preset, seed=args.seed, stages=parse_stages(args.stages),
                             expand_every=args.expand_every, merge=args.merge, merge_alpha=args.merge_alpha,
                             beta=args.beta, max_steps=args.max_steps, save_every=args.save_every,
                             eval_limit=args.eval_limit, eval_rows=args.eval_rows, device=device)
        t0 = time.monotonic()
        report = run(options, rows, inputs, args.base)
        finished = True
    except ValueError as error:   # RunError, a state or checkpoint that fails its checks, settings that cannot resume
        return bad(str(error))
    finally:
        distributed.teardown(finished)
    emit("done", student=report["student"], report=str(args.run_dir / "report.json"), stages=report["stages"],
         wall_s=round(time.monotonic() - t0, 3))
    return 0


def cmd_serve(argv: list[str]) -> int:
    """Serve a checkpoint (engine/server.py); stdout: ready once listening, draining on SIGTERM, done."""
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(
        prog="python -m distillery_compute serve",
        description="Serve a checkpoint with the inference engine over gRPC (proto/distillery/engine/v1/"
                    "engine.proto: Generate, Abort, Health). Prints a ready line with the address once it "
                    "listens. SIGTERM or SIGINT drains: new requests are UNAVAILABLE, those being served "
                    "finish, then it exits 0; a second signal aborts them.")
    parser.add_argument("--checkpoint", required=True, type=Path, help="checkpoint dir with its tokenizer "
                        "(tokenizer.json in it or in its tokenizer/); its manifest is verified")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--port", type=int, default=0, help="listen on 127.0.0.1:N (default 0: a free port, "
                       "named in the ready line)")
    where.add_argument("--socket", type=Path, help="listen on the Unix socket PATH instead")
    parser.add_argument("--max-batched-tokens", type=int, default=512, help="tokens one engine step computes "
                        "at most (prefill chunks and decodes together)")
    parser.add_argument("--max-seqs", type=int, default=64, help="requests decoded together at most")
    parser.add_argument("--block-size", type=int, default=16, help="tokens per KV cache block (its size: "
                        "DISTILLERY_ENGINE_KV_BYTES, else engine.py's defaults)")
    parser.add_argument("--model-id", help="the model id Health reports (default: the checkpoint dir)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--drafter", type=Path, help="an EAGLE-3 drafter dir (the drafter command's) for this "
                        "checkpoint: decode speculatively, the output unchanged; its manifest is verified")
    parser.add_argument("--speculative", choices=("chain", "tree"), default="chain", help="with --drafter: draft "
                        "a chain or an EAGLE-2 dynamic tree (of top_k 2 and 7 nodes)")
    parser.add_argument("--draft-tokens", type=int, default=7, help="with --drafter: a chain's length, a tree's depth")
    parser.add_argument("--decode-graphs", choices=("auto", "capture", "off"), default="auto", help="decode "
                        "steps as CUDA graphs (engine/graphs.py): auto captures them on one CUDA GPU; off runs "
                        "every step eagerly")
    parser.add_argument("--exit-with-stdin", action="store_true", help="drain and exit when stdin reaches its "
                        "end: a parent that holds the other end of a pipe takes the server down with it, even "
                        "when it is killed")
    args = parse(parser, argv)
    if isinstance(args, int):   # argparse printed a usage error (2) or --help (0)
        return args
    bad = functools.partial(refuse, "serve")

    import os
    import stat

    for name, value in (("--max-batched-tokens", args.max_batched_tokens), ("--max-seqs", args.max_seqs),
                        ("--block-size", args.block_size), ("--draft-tokens", args.draft_tokens)):
        if value < 1:
            return bad(f"{name} must be >= 1, got {value}")
    if args.socket is not None:
        socket = args.socket.absolute()
        if not socket.parent.is_dir():
            return bad(f"--socket {args.socket}: no such directory {socket.parent}")
        if len(os.fsencode(socket)) > 107:   # sun_path holds 108 bytes with the terminating NUL
            return bad(f"--socket {args.socket}: a Unix socket path holds at most 107 bytes")
        if socket.exists() and not stat.S_ISSOCK(socket.stat().st_mode):
            return bad(f"--socket {args.socket}: exists and is not a socket")
        address = f"unix:{socket}"
    elif not 0 <= args.port <= 65535:
        return bad(f"--port must be 0 to 65535, got {args.port}")
    else:
        address = f"127.0.0.1:{args.port}"
    checkpoint = args.checkpoint
    if not checkpoint.is_dir():
        return bad(f"--checkpoint {checkpoint}: no such directory")
    if not any((d / "tokenizer.json").is_file() for d in (checkpoint, checkpoint / "tokenizer")):
        return bad(f"--checkpoint {checkpoint}: no tokenizer.json in it or in its tokenizer/")
    if args.drafter is not None and not (args.drafter / "config.json").is_file():
        return bad(f"--drafter {args.drafter}: no config.json (expected an EAGLE-3 drafter dir)")

    import asyncio
    import signal
    import threading
    import time

    import torch

    from distillery_compute.engine import Engine
    from distillery_compute.engine.server import EngineServer, ProtoNotFoundError, load_proto
    from distillery_compute.engine.speculative import SpecConfig
    from distillery_compute.progress import emit

    if args.device == "cuda" and not torch.cuda.is_available():
        return bad("--device cuda: no CUDA device available")
    if args.decode_graphs == "capture" and not (args.device != "cpu" and torch.cuda.is_available()):
        return bad("--decode-graphs capture: CUDA graphs need a CUDA device")
    try:
        load_proto()   # before the model: a checkout without proto/ fails fast
    except ProtoNotFoundError as error:
        return bad(str(error))
    t0 = time.monotonic()
    try:
        engine = Engine.from_checkpoint(checkpoint, device=None if args.device == "auto" else args.device,
                                        block_size=args.block_size, max_batched_tokens=args.max_batched_tokens,
                                        max_seqs=args.max_seqs, drafter=args.drafter,
                                        speculative=SpecConfig(method=args.speculative, tokens=args.draft_tokens),
                                        decode_graphs=None if args.decode_graphs == "auto" else args.decode_graphs)
    except (ValueError, OSError) as error:   # ChecksumError naming the file, no weights, a config it cannot serve
        return bad(f"--checkpoint {checkpoint}{f' --drafter {args.drafter}' if args.drafter else ''}: {error}")
    model_id = args.model_id or str(checkpoint.resolve())

    async def serve() -> int:
        server = EngineServer(engine, model_id)
        try:
            bound = await server.start(address)
        except OSError as error:
            return bad(str(error))
        loop = asyncio.get_running_loop()
        signals = []

        def on_signal(signum: int) -> None:
            signals.append(signum)
            if len(signals) == 1:
                server.drain()
                try:
                    emit("draining", signal=signal.Signals(signum).name, streams=server.streams)
                except OSError:   # stdout's reader is gone (a parent that died): drain all the same
                    pass
            else:
                server.stop()

        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, on_signal, signum)
        if args.exit_with_stdin:
            def watch_stdin() -> None:   # a thread: blocks on the pipe until the parent closes it or dies
                try:
                    while sys.stdin.buffer.read(65536):
                        pass
                except (OSError, ValueError):
                    pass
                try:
                    loop.call_soon_threadsafe(on_signal, signal.SIGTERM)
                except RuntimeError:   # the loop has ended already
                    pass

            threading.Thread(target=watch_stdin, name="stdin-watch", daemon=True).start()
        emit("ready", address=bound, model=model_id, device=str(engine.device), blocks=engine.pool.num_blocks,
             block_size=engine.pool.block_size, max_model_len=engine.max_model_len, tensor_parallel=engine.runner.world,
             decode_graphs=engine.runner.graphs is not None, pid=os.getpid(),
             load_s=round(time.monotonic() - t0, 3))
        await server.wait()
        if server.error is not None:
            print(f"distillery_compute serve: the engine failed: {server.error!r}", file=sys.stderr)
            return 1
        emit("done", requests=server.served, **engine.stats())
        return 0

    return asyncio.run(serve())


def cmd_drafter(argv: list[str]) -> int:
    """Train EAGLE drafters for a student (eagle/job.py); stdout: stage_start, progress, data, drafter,
    evaluated lines, then done with the manifest."""
    import argparse
    from pathlib import Path

    from distillery_compute.eagle.job import VARIANTS

    parser = argparse.ArgumentParser(prog="python -m distillery_compute drafter",
                                     description="EAGLE-3 drafters for a student checkpoint; the same --run-dir resumes.")
    parser.add_argument("--checkpoint", required=True, type=Path, help="the student (a checkpoint dir with its tokenizer)")
    parser.add_argument("--eagle-rows", required=True, type=Path, help="the curator's eagle.jsonl")
    parser.add_argument("--eval-rows", required=True, type=Path, help="the curator's eval.jsonl: held-out agent prompts")
    parser.add_argument("--run-dir", required=True, type=Path)
    parser.add_argument("--variants", default="combined", help=f"comma-separated, of {', '.join(VARIANTS)}")
    parser.add_argument("--steps", type=int, default=1000, help="optimizer steps per drafter")
    parser.add_argument("--draft-vocab", type=int, default=2048)
    parser.add_argument("--lr", type=float, default=6e-4)
    parser.add_argument("--ttt-steps", type=int, default=7)
    parser.add_argument("--max-new-tokens", type=int, default=256, help="the student's answer per eagle prompt")
    parser.add_argument("--max-tokens", type=int, default=1024, help="prompt and answer kept per example")
    parser.add_argument("--max-bytes", type=int, default=1 << 30, help="the data's size budget, per set")
    parser.add_argument("--max-prompts", type=int, help="eagle prompts the student answers per set (default: all)")
    parser.add_argument("--eval-limit", type=int, default=16, help="held-out prompts measured")
    parser.add_argument("--eval-max-tokens", type=int, default=256)
    args = parse(parser, argv)
    if isinstance(args, int):
        return args
    bad = functools.partial(refuse, "drafter")
    variants = tuple(v for v in args.variants.split(",") if v)
    if not variants or any(v not in VARIANTS for v in variants):
        return bad(f"--variants must be some of {', '.join(VARIANTS)}, got {args.variants!r}")
    for name in ("steps", "draft_vocab", "ttt_steps", "max_new_tokens", "max_tokens", "max_bytes", "eval_limit",
                 "eval_max_tokens", "max_prompts"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            return bad(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    if not args.lr > 0:
        return bad(f"--lr must be > 0, got {args.lr}")
    for name in ("eagle_rows", "eval_rows"):
        if not getattr(args, name).is_file():
            return bad(f"--{name.replace('_', '-')} {getattr(args, name)}: no such file")
    if not (args.checkpoint / "config.json").is_file():
        return bad(f"--checkpoint {args.checkpoint}: no config.json")

    import time

    from distillery_compute.eagle.data import DataOptions
    from distillery_compute.eagle.job import JobOptions, run_job
    from distillery_compute.eagle.train import TrainOptions
    from distillery_compute.progress import emit

    options = JobOptions(checkpoint=args.checkpoint, eagle_rows=args.eagle_rows, eval_rows=args.eval_rows,
                         run_dir=args.run_dir, variants=variants,
                         data=DataOptions(max_new_tokens=args.max_new_tokens, max_tokens=args.max_tokens,
                                          max_bytes=args.max_bytes),
                         train=TrainOptions(steps=args.steps, draft_vocab_size=args.draft_vocab, lr=args.lr,
                                            ttt_steps=args.ttt_steps),
                         max_prompts=args.max_prompts, eval_limit=args.eval_limit, eval_max_tokens=args.eval_max_tokens)
    t0 = time.monotonic()
    try:
        manifest = run_job(options)
    except ValueError as error:   # bad rows, a checkpoint that fails its checks, a state of another training
        return bad(str(error))
    emit("done", manifest=str(args.run_dir / "manifest.json"), best=manifest["best"],
         variants={v: {m: r["mean_accepted_length"] for m, r in d["metrics"].items()} for v, d in manifest["variants"].items()},
         wall_s=round(time.monotonic() - t0, 3))
    return 0


def cmd_quantize(argv: list[str]) -> int:
    """FP8 W8A8 quantization of a student and its drafter (fp8/job.py); stdout: stage_start, progress,
    clip_rates, evaluated, acceptance lines, then done with the manifest."""
    import argparse
    from pathlib import Path

    from distillery_compute.fp8.job import SETS

    parser = argparse.ArgumentParser(prog="python -m distillery_compute quantize",
                                     description="FP8 (E4M3, W8A8, static per-tensor) student and drafter with "
                                                 "calibration and clip rates; the same --run-dir reuses the calibration.")
    parser.add_argument("--checkpoint", required=True, type=Path, help="the BF16 student (a checkpoint dir with its tokenizer)")
    parser.add_argument("--calibration", required=True, type=Path, help="the curator's calibration.jsonl")
    parser.add_argument("--eval-rows", required=True, type=Path, help="the curator's eval.jsonl: held-out agent calls")
    parser.add_argument("--run-dir", required=True, type=Path)
    parser.add_argument("--drafter", type=Path, help="an EAGLE-3 drafter of this student, quantized too")
    parser.add_argument("--set", default="mixed", choices=SETS, help="the calibration set the scales come from")
    parser.add_argument("--length", type=int, default=2048, help="the calibration texts' length (a bucket of the file)")
    parser.add_argument("--samples", type=int, default=8, help="calibration texts per set and length")
    parser.add_argument("--quantize-lm-head", action="store_true", help="quantize lm_head too (default: kept in BF16)")
    parser.add_argument("--test-limit", type=int, default=16, help="held-out sequences for the clip rates")
    parser.add_argument("--test-max-tokens", type=int, default=2048)
    parser.add_argument("--eval-limit", type=int, default=16, help="held-out rows decoded for exact match and agreement")
    parser.add_argument("--eval-max-tokens", type=int, default=128)
    args = parse(parser, argv)
    if isinstance(args, int):
        return args
    bad = functools.partial(refuse, "quantize")
    for name in ("length", "samples", "test_limit", "test_max_tokens", "eval_limit", "eval_max_tokens"):
        if getattr(args, name) < 1:
            return bad(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    for name in ("calibration", "eval_rows"):
        if not getattr(args, name).is_file():
            return bad(f"--{name.replace('_', '-')} {getattr(args, name)}: no such file")
    if not (args.checkpoint / "config.json").is_file():
        return bad(f"--checkpoint {args.checkpoint}: no config.json")
    if args.drafter is not None and not (args.drafter / "config.json").is_file():
        return bad(f"--drafter {args.drafter}: no config.json (expected an EAGLE-3 drafter dir)")

    import time

    from distillery_compute.fp8.job import JobOptions, run_job
    from distillery_compute.progress import emit

    options = JobOptions(checkpoint=args.checkpoint, calibration_rows=args.calibration, eval_rows=args.eval_rows,
                         run_dir=args.run_dir, drafter=args.drafter, set=args.set, length=args.length,
                         samples=args.samples, ignore=() if args.quantize_lm_head else ("lm_head",),
                         test_limit=args.test_limit, test_max_tokens=args.test_max_tokens,
                         eval_limit=args.eval_limit, eval_max_tokens=args.eval_max_tokens)
    t0 = time.monotonic()
    try:
        manifest = run_job(options)
    except ValueError as error:   # bad rows, a calibration length the file lacks, a checkpoint that fails its checks
        return bad(str(error))
    emit("done", manifest=str(args.run_dir / "manifest.json"), student=manifest["student"]["path"],
         drafter=manifest["drafter"]["path"] if manifest["drafter"] else None,
         calibration={k: manifest["calibration"][k] for k in ("set", "length", "samples")},
         clip_rate=manifest["clip_rates"]["total"], greedy_agreement=manifest["metrics"]["greedy_agreement"],
         wall_s=round(time.monotonic() - t0, 3))
    return 0


COMMANDS = {"info": cmd_info, "import-base": cmd_import_base, "train": cmd_train, "serve": cmd_serve,
            "drafter": cmd_drafter, "quantize": cmd_quantize}


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
