"""The quantizer service's job: calibrate, measure clip rates, quantize the student (and its drafter), evaluate.

    manifest = run_job(JobOptions(checkpoint=..., calibration_rows=..., eval_rows=..., run_dir=..., drafter=...))

  1. calibration (paper Figure 4): every set (public, in-domain, mixed) at every length of the
     curator's calibration.jsonl, `samples` texts each, as serving feeds them (calibrate.serving_ids),
     cut to the length; the static min-max observer gives each calibration its ranges;
  2. clip rates: held-out sequences (eval.jsonl's prompts with their reference answers, as long as
     `test_max_tokens`) against every calibration at once: run_dir/sweep.json;
  3. the student quantized with the chosen calibration (`set` at `length`, default mixed at 2,048,
     the paper's deployed default) -> run_dir/student, the compressed-tensors layout (export.py);
  4. evaluation, BF16 against FP8: held-out loss and exact match per agent (evaluate.py), each
     precision's decoded held-out rows in full -> run_dir/eval_outputs.bf16.jsonl and
     eval_outputs.fp8.jsonl ({"id", "agent", "output"} a row, the same rows for both: the quantizer
     scores them with the agent-level metrics), greedy agreement (identical answers to held-out
     prompts through the engine, one request at a time), decode tokens/s and memory on disk;
  5. with a drafter: it is calibrated on its own inputs while it drafts for the FP8 student (the
     quantized target's features, on the chosen calibration texts), quantized -> run_dir/drafter,
     and the acceptance of the BF16 and the FP8 drafter on the FP8 student measured (chain), with
     the check that speculation leaves the FP8 student's output unchanged;
  6. run_dir/manifest.json. A rerun with the same run_dir reuses the calibration and the sweep.
"""

import copy
import json
import os
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import torch

from distillery_compute.checkpoint import CONFIG, WEIGHTS, load_checkpoint, save_checkpoint, sha256_file
from distillery_compute.engine import Engine, SamplingParams
from distillery_compute.eagle.measure import measure
from distillery_compute.engine.speculative import SpecConfig
from distillery_compute.evaluate import evaluate_with_outputs
from distillery_compute.fp8.calibrate import MinMax, clip_stats, observe, quantizable, quantize_model, serving_ids, watch
from distillery_compute.fp8.export import quantization_config
from distillery_compute.progress import emit
from distillery_compute.stages import write_jsonl
from distillery_compute.tokenizer import CONFIG_FILE, SPECIAL_MAP_FILE, TOKENIZER_FILE, ChatTokenizer

FORMAT = "fp8-e4m3-w8a8-static-per-tensor"
SETS = ("public", "in-domain", "mixed")
TOKENIZER_FILES = (TOKENIZER_FILE, CONFIG_FILE, SPECIAL_MAP_FILE)
PRECISIONS = ("bf16", "fp8")


def eval_outputs_file(precision: str) -> str:
    """Where, in the run dir, a precision's decoded held-out rows go."""
    return f"eval_outputs.{precision}.jsonl"


@dataclass
class JobOptions:
    checkpoint: Path
    calibration_rows: Path
    eval_rows: Path
    run_dir: Path
    drafter: Path | None = None
    set: str = "mixed"
    length: int = 2048
    samples: int = 8               # texts per set and length
    ignore: tuple[str, ...] = ("lm_head",)
    test_limit: int = 16           # held-out sequences for the clip rates
    test_max_tokens: int = 2048
    eval_limit: int = 16           # held-out rows decoded for exact match and agreement
    eval_max_tokens: int = 128
    eval_max_len: int = 1024       # prompt + answer per row in the loss (a batch of 8 such rows' logits: 1.6 GB fp32)
    loss_rows: int = 48            # held-out rows in the loss, each agent in turn (a forward each, twice)
    spec: SpecConfig = field(default_factory=lambda: SpecConfig(method="chain", tokens=7))


def read_calibration(path: Path) -> dict[tuple[str, int], list[str]]:
    """calibration.jsonl's texts by (set, length); ValueError naming the line of a malformed row."""
    out: dict[tuple[str, int], list[str]] = defaultdict(list)
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{n}: not JSON ({error.msg})") from None
        if (not isinstance(row, dict) or row.get("set") not in SETS or not isinstance(row.get("text"), str)
                or not isinstance(row.get("bucket"), int) or row["bucket"] < 1):
            raise ValueError(f"{path}:{n}: a calibration row needs a set of {', '.join(SETS)}, a positive integer "
                             "bucket and a string text")
        out[(row["set"], row["bucket"])].append(row["text"])
    if not out:
        raise ValueError(f"{path}: no calibration rows")
    return dict(out)


def read_eval(path: Path) -> list[dict]:
    """eval.jsonl's rows; ValueError naming the line of a malformed row."""
    rows = []
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not isinstance(row, dict) or not all(isinstance(row.get(key), str) for key in ("agent", "prompt", "output")) \
                or not isinstance(row.get("id", ""), str):
            raise ValueError(f"{path}:{n}: an eval row needs a string agent, prompt and output (and id, if any)")
        # the curator's rows have ids (the decoded outputs name their rows by them); a hand-made file's are its line numbers
        rows.append({"id": f"{Path(path).name}:{n}"} | row)
    if not rows:
        raise ValueError(f"{path}: no eval rows")
    return rows


def _key(name: str, length: int) -> str:
    return f"{name}@{length}"


def _cached(path: Path, compute):
    if path.is_file():
        return json.loads(path.read_text())
    result = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=1) + "\n")
    os.replace(tmp, path)
    return result


def _prefix(a: list[int], b: list[int]) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def _size(path: Path) -> int:
    return (path / WEIGHTS).stat().st_size


def run_job(options: JobOptions) -> dict:
    if options.set not in SETS:
        raise ValueError(f"set must be one of {', '.join(SETS)}, got {options.set!r}")
    run = Path(options.run_dir)
    calibration = read_calibration(options.calibration_rows)
    chosen = (options.set, options.length)
    if chosen not in calibration:
        have = sorted({length for s, length in calibration if s == options.set})
        raise ValueError(f"{options.calibration_rows}: no {options.set} calibration texts of length {options.length} "
                         f"(lengths of that set: {', '.join(map(str, have)) or 'none'})")
    eval_rows = read_eval(options.eval_rows)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    model, args = load_checkpoint(options.checkpoint, dtype=dtype, device=device)
    model.eval()
    src = Path(options.checkpoint)
    tok_dir = src / "tokenizer" if (src / "tokenizer" / TOKENIZER_FILE).is_file() else src
    tok = ChatTokenizer.load(tok_dir)
    layers = quantizable(model, options.ignore)

    # 1. every calibration's ranges
    def calibrate_all() -> dict:
        ranges = {}
        for (name, length), texts in sorted(calibration.items()):
            emit("stage_start", stage=f"calibrate:{_key(name, length)}")
            sequences = [serving_ids(tok, text)[:length] for text in texts[:options.samples]]
            ranges[_key(name, length)] = {"amax": observe(model, layers, sequences, _key(name, length)),
                                          "samples": len(sequences), "tokens": sum(map(len, sequences))}
        return ranges
    ranges = _cached(run / "calibration.json", calibrate_all)

    # 2. clip rates of every calibration on held-out sequences
    prompts = list(dict.fromkeys(row["prompt"] for row in eval_rows))
    held_out = [row for row in eval_rows if row["prompt"] in set(prompts[:options.test_limit])][:options.test_limit]
    tests = [(tok.encode_prompt(r["prompt"]) + tok.encode(r["output"]) + [tok.eos_id])[:options.test_max_tokens]
             for r in held_out]

    def sweep() -> dict:
        emit("stage_start", stage="clip-rates")
        stats = clip_stats(model, layers, tests, {k: v["amax"] for k, v in ranges.items()})
        return {"test": {"sequences": len(tests), "tokens": sum(map(len, tests))},
                "calibrations": {k: {**v, **{f: ranges[k][f] for f in ("samples", "tokens")}} for k, v in stats.items()}}
    clips = _cached(run / "sweep.json", sweep)
    table = {name: {length: {f: clips["calibrations"][_key(name, length)][f] for f in ("clip_rate", "flush_rate")}
                    for s, length in sorted(calibration) if s == name} for name in SETS if any(s == name for s, _ in calibration)}
    for name, row in table.items():
        emit("clip_rates", set=name, **{str(length): r["clip_rate"] for length, r in row.items()})

    # 3. the quantized student
    emit("stage_start", stage="quantize")
    chosen_key = _key(*chosen)
    fp8 = copy.deepcopy(model)
    scales = quantize_model(fp8, quantizable(fp8, options.ignore), ranges[chosen_key]["amax"])
    source_config = json.loads((src / CONFIG).read_text())
    student_dir = run / "student"
    save_checkpoint(fp8, args, student_dir, overwrite=True,
                    extra_config={k: v for k, v in source_config.items() if k.endswith("_token_id")}
                    | {"quantization_config": quantization_config(list(options.ignore))})
    for name in TOKENIZER_FILES:
        if (tok_dir / name).is_file():
            shutil.copyfile(tok_dir / name, student_dir / name)
    fp8, _ = load_checkpoint(student_dir, dtype=dtype, device=device)   # what serving will load
    fp8.eval()

    # 4. BF16 against FP8
    emit("stage_start", stage="evaluate")
    metrics = {}
    for name, m in zip(PRECISIONS, (model, fp8)):
        metrics[name], outputs = evaluate_with_outputs(m, tok, eval_rows, limit=options.eval_limit,
                                                       max_len=options.eval_max_len,
                                                       loss_rows=max(options.loss_rows, options.eval_limit))
        write_jsonl(run / eval_outputs_file(name), outputs)
    # one request at a time: FP8's rounding of activations turns the last-bit differences of a batched
    # GEMM into different answers now and then, so answers compare only between runs of the same shape
    agreement_prompts = prompts[:options.eval_limit]
    decode = {name: measure(Engine(m, tok), agreement_prompts, max_tokens=options.eval_max_tokens)
              for name, m in (("bf16", model), ("fp8", fp8))}
    fp8_out = decode["fp8"]["outputs"]
    same = sum(a == b for a, b in zip(decode["bf16"]["outputs"], fp8_out))
    metrics["greedy_agreement"] = same / len(agreement_prompts)
    # how far the answers agree: the shared prefix's share of the longer answer, averaged
    metrics["greedy_prefix_agreement"] = sum(_prefix(a, b) / max(len(a), len(b), 1) for a, b in
                                             zip(decode["bf16"]["outputs"], fp8_out)) / len(agreement_prompts)
    metrics["agreement_prompts"] = len(agreement_prompts)
    metrics["decode"] = {name: {k: d[k] for k in ("tokens", "seconds", "tokens_per_s")} for name, d in decode.items()}
    emit("evaluated", greedy_agreement=metrics["greedy_agreement"], greedy_prefix_agreement=metrics["greedy_prefix_agreement"],
         **{f"{p}.{m}": metrics[p].get(m) for p in ("bf16", "fp8") for m in ("held_out_loss", "exact_match")},
         **{f"{p}.tokens_per_s": metrics["decode"][p]["tokens_per_s"] for p in ("bf16", "fp8")})
    memory = {"bf16_bytes": _size(src), "fp8_bytes": _size(student_dir)}

    # 5. the drafter
    drafter_info, acceptance = None, None
    if options.drafter is not None:
        room = min(options.length, args.max_seq_len - 32)   # the drafter drafts 32 tokens after each text
        texts = [serving_ids(tok, text)[:room] for text in calibration[chosen][:options.samples]]
        drafter_info, acceptance, drafter_bytes = quantize_drafter(options, fp8, tok, texts, agreement_prompts, fp8_out)
        memory |= drafter_bytes
    memory["saved_bytes"] = memory["bf16_bytes"] + memory.get("drafter_bf16_bytes", 0) \
        - memory["fp8_bytes"] - memory.get("drafter_fp8_bytes", 0)

    deployed = clips["calibrations"][chosen_key]
    manifest = {
        "format": FORMAT,
        "target": {"path": str(src), "weights_sha256": sha256_file(src / WEIGHTS)},
        "student": {"path": str(student_dir), "weights_sha256": sha256_file(student_dir / WEIGHTS)},
        "drafter": drafter_info,
        "calibration": {"set": options.set, "length": options.length, "samples": ranges[chosen_key]["samples"],
                        "tokens": ranges[chosen_key]["tokens"], "observer": "static_minmax",
                        "ignore": list(options.ignore)},
        "clip_rates": {"total": deployed["clip_rate"], "flush": deployed["flush_rate"], "layers": deployed["layers"]},
        "sweep": {"test": clips["test"], "sets": table},
        "scales": scales,
        "metrics": metrics,
        "eval_outputs": {name: eval_outputs_file(name) for name in PRECISIONS},
        "acceptance": acceptance,
        "memory": memory,
    }
    path = run / "manifest.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, allow_nan=False) + "\n")   # strict JSON: the services parse it
    os.replace(tmp, path)
    return manifest


def quantize_drafter(options: JobOptions, fp8, tok: ChatTokenizer, texts: list[list[int]], prompts: list[str],
                     plain: list[list[int]]) -> tuple[dict, dict, dict]:
    """Calibrate the drafter on its inputs while it drafts for the FP8 student, quantize it, save it, and
    measure both drafters' acceptance on the FP8 student (module docstring, step 5)."""
    from distillery_compute.eagle.drafter import load_drafter, save_drafter

    emit("stage_start", stage="drafter")
    drafter = load_drafter(options.drafter, fp8).eval()
    layers = quantizable(drafter, options.ignore)
    observer = MinMax()
    handles = watch(layers, observer)
    try:
        Engine(fp8, tok, drafter=drafter, speculative=options.spec).generate(texts, SamplingParams(max_tokens=32))
    finally:
        for h in handles:
            h.remove()
    bf16_drafter = copy.deepcopy(drafter)
    quantize_model(drafter, layers, observer.amax)
    out = Path(options.run_dir) / "drafter"
    save_drafter(drafter, out, info={"target": str(Path(options.run_dir) / "student"),
                                     "quantized_from": str(options.drafter)})
    drafter = load_drafter(out, fp8).eval()
    acceptance = {}
    for name, d in (("bf16_drafter", bf16_drafter), ("fp8_drafter", drafter)):
        emit("stage_start", stage=f"acceptance:{name}")
        result = measure(Engine(fp8, tok, drafter=d, speculative=options.spec), prompts, max_tokens=options.eval_max_tokens)
        acceptance[name] = {**{k: v for k, v in result.items() if k != "outputs"},
                            "same_output": sum(a == b for a, b in zip(result["outputs"], plain)),
                            "spec": {"method": options.spec.method, "tokens": options.spec.tokens}}
        emit("acceptance", drafter=name, mean_accepted_length=acceptance[name]["mean_accepted_length"],
             same_output=acceptance[name]["same_output"], prompts=len(prompts))
    info = {"path": str(out), "weights_sha256": sha256_file(out / WEIGHTS),
            "source": {"path": str(options.drafter), "weights_sha256": sha256_file(Path(options.drafter) / WEIGHTS)}}
    return info, acceptance, {"drafter_bf16_bytes": _size(Path(options.drafter)), "drafter_fp8_bytes": _size(out)}
