"""The student's training stages (paper section 2.5, Appendices A-B) as one resumable run.

    python -m distillery_compute train --run-dir runs/x --preset tiny \\
        --cpt cpt.jsonl --sft sft.jsonl --dpo dpo.jsonl --eval eval.jsonl [--eval-heldout eval-heldout.jsonl]

    bootstrap  (no --base) a byte-level BPE tokenizer and a base pretrained from scratch on the
               run's own text (CPT documents, SFT transcripts): nothing comes from outside
    expand     stage 0, LLaMA Pro block expansion: a zero-output copy after every k blocks
    cpt        stage 1, context-aware CPT (C_x excluded from the loss) of the new blocks only
               (of every weight when expand is not run), merged with the model it started from
    sft        stage 2, LoRA on every linear module, loss on the outputs only, merged
    dpo        stage 3, LoRA DPO against the SFT model (the same network, adapter disabled),
               merged: the BF16 student

Run directory (one command line per directory; run.json records it and a re-run with
other settings or other input files is refused):

    run.json                 the settings and the sha256 of every input file
    <stage>/state/           training.train's resumable state (bootstrap, cpt, sft, dpo)
    <stage>/checkpoint/      HF checkpoint (bf16) + manifest.json + the tokenizer files
    <stage>/eval_outputs.jsonl  with --eval: each decoded held-out row's greedy output, {"id", "agent", "output"}
                             (evaluate.py; the trainer service scores them with the agent-level metrics)
    <stage>/eval_outputs.heldout.jsonl  with --eval-heldout too: the same for the held-out-phrasing rows
    <stage>/metrics.json     written last: the stage is done when it exists and the checkpoint verifies
    base/metrics.json        with --base and --eval: the base's own figures (and base/eval_outputs.jsonl)
    student/                 a copy of the last stage's checkpoint
    report.json              {"stages": [{"stage", "metrics", "checkpoint"}], "student", "tokenizer", "wall_s"}

Running the same command again skips finished stages and resumes the one cut short
from its state (training.train): the student is bit-identical to an uninterrupted run.
With --eval, every stage (and the base) is measured on the held-out rows: evaluate.py.
With --eval-heldout as well, the first --eval-limit held-out-phrasing rows (turns of campaigns
whose templates no training campaign used) are decoded the same way, without their loss (the
cost stays the decoding's): a generalisation figure, its keys prefixed heldout_ (heldout_exact_match).
expand, whose figures are its start's (run_stage), copies its start's eval_outputs(.heldout).jsonl.

Under torchrun (distributed.py) every rank runs the same stages and trains its shard;
rank 0 alone trains the tokenizer, gathers each trained model, writes run.json, the
checkpoints, metrics, student and report, and evaluates, while the others wait at the
barrier that ends every stage.
"""

import hashlib
import json
import math
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from peft import LoraConfig, get_peft_model
from torch import nn

from distillery_compute import distributed, progress
from distillery_compute.checkpoint import MANIFEST, ChecksumError, load_checkpoint, save_checkpoint, verify_manifest
from distillery_compute.dpo import dpo_step
from distillery_compute.data import encode_rows
from distillery_compute.evaluate import evaluate_with_outputs
from distillery_compute.expansion import ExpansionPlan, expand_blocks, expansion_plan, freeze_for_expansion
from distillery_compute.merge import linear_merge, lora_scalings, merge_lora, task_arithmetic_merge
from distillery_compute.model import ModelArgs, Transformer, count_params
from distillery_compute.tokenizer import CONFIG_FILE, SPECIAL_MAP_FILE, TOKENIZER_FILE, ChatTokenizer, train_tokenizer
from distillery_compute.training import LossFn, TrainConfig, TrainResult, lm_loss, stage_config, train

STAGES = ("expand", "cpt", "sft", "dpo")   # what --stages selects; bootstrap runs when there is no --base
MERGES = ("linear", "task-arithmetic")
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]   # "all modules"

# Table 3: LoRA r=128 for SFT and r=64 for DPO on an 8B (width 4096); it names no alpha, we
# take alpha = 2r. The small presets (width 64 / 256 / 576) keep the 2:1 ratio at r=16 / r=8:
# rank 128 would be half of tiny's width, no longer a low-rank update (on SmolLM2's 576, Table 3's
# rank-to-width ratio gives 18 and 9).
LORA_RANK = {"sft": 128, "dpo": 64}
SMALL_LORA_RANK = {"sft": 16, "dpo": 8}
SMALL_LORA_PRESETS = ("micro", "tiny", "smollm2-135m")

# Optimizer steps per stage when --max-steps is not given, for the presets an embedded run
# trains on CPU (Table 3's epochs still apply and may end a stage sooner, except pretrain,
# which loops over its small corpus until the budget is spent). Measured on 2 cores, tiny:
# ~1 s a pretraining step (8 sequences of ~128 tokens), 0.2-0.5 s an SFT step, ~1 s a DPO
# step (a pair, twice, plus the reference): bootstrap ~1-4 min, each other stage 1-3 min.
# The Llama presets have no budget: Table 3's epochs decide, and they need --base.
# smollm2-135m (imported, never bootstrapped) on 2 cores with the production prompts (~1,250
# tokens): ~5-8 s a LoRA SFT step, ~8 s a CPT step (8 documents), ~25-30 s a DPO step (2 pairs):
# ~15 min of training a job, besides loading, saving and evaluating each stage.
STEP_BUDGET = {
    "micro": {"pretrain": 100, "cpt": 50, "sft": 100, "dpo": 50},
    "tiny": {"pretrain": 240, "cpt": 100, "sft": 200, "dpo": 100},
    "smollm2-135m": {"cpt": 20, "sft": 80, "dpo": 12},
}
BOOTSTRAP_PRESETS = ("micro", "tiny")
MIN_BOOTSTRAP_VOCAB = 384   # 8 specials + 256 bytes + some merges (micro's 256 has no room for any)


EVAL_KEYS = ("held_out_loss", "exact_match", "eval_rows", "decoded_rows")   # evaluate.py's figures
EVAL_OUTPUTS = "eval_outputs.jsonl"   # a measured stage's decoded held-out outputs, beside its metrics.json
HELDOUT_OUTPUTS = "eval_outputs.heldout.jsonl"   # ... and those of the held-out-phrasing rows (--eval-heldout)
HELDOUT_PREFIX = "heldout_"   # the held-out-phrasing rows' figures among a stage's metrics: heldout_exact_match, ...


class RunError(ValueError):
    """A run that cannot go on as asked (other settings in the run dir, no base for a big preset, ...)."""


@dataclass(frozen=True)
class RunOptions:
    run_dir: Path
    preset: str
    seed: int = 0
    stages: tuple[str, ...] = STAGES
    expand_every: int = 4
    merge: str = "linear"
    # The paper merges after CPT "to combine domain-specific adaptation with the general
    # capabilities of the original model" and names no weights: an equal share (0.5) for
    # linear; for task arithmetic the task vector's scale. With one fine-tuned model both
    # give original + a·(trained - original); task arithmetic also allows a > 1.
    merge_alpha: float = 0.5
    beta: float = 0.1            # Table 3's DPO penalty
    max_steps: int | None = None
    save_every: int = 50
    eval_limit: int = 24         # rows decoded greedily per stage (exact match)
    eval_rows: int = 0           # rows whose held-out loss is measured, each role in turn (0: all)
    device: str = "cpu"


@dataclass
class StageOutput:
    model: Transformer
    args: ModelArgs
    metrics: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------- configs

def train_config(stage: str, options: RunOptions, examples: int = 0) -> TrainConfig:
    """stage_config for the run: the step budget (or --max-steps), the run's seed and save interval."""
    budget = options.max_steps or STEP_BUDGET.get(options.preset, {}).get(stage)
    config = stage_config(stage, options.preset, seed=options.seed, save_every=options.save_every, max_steps=budget)
    if stage == "pretrain" and budget is not None:
        # from scratch on a small corpus: as many passes as the budget takes
        steps_per_epoch = math.ceil(math.ceil(examples / config.batch_size) / config.grad_accum)
        config = stage_config(stage, options.preset, seed=options.seed, save_every=options.save_every,
                              max_steps=budget, epochs=max(1, math.ceil(budget / max(1, steps_per_epoch))))
    return config


def stage_dir(options: RunOptions, stage: str) -> Path:
    return options.run_dir / stage


def train_metrics(result: TrainResult) -> dict:
    return {"train_loss": result.final_loss, "steps": result.steps, "epochs": result.epochs,
            "tokens": result.tokens, "train_wall_s": result.wall_s, "resumed_from": result.resumed_from,
            **result.metrics}


# ---------------------------------------------------------------------------- building blocks

def with_lora(model: Transformer, stage: str, preset: str, seed: int = 0):
    """(peft model, rank): a fresh LoRA adapter (B = 0, so it starts as `model`) on every linear module."""
    rank = SMALL_LORA_RANK[stage] if preset in SMALL_LORA_PRESETS else LORA_RANK[stage]
    model.requires_grad_(False)
    torch.manual_seed(seed)   # A's random init: the same adapter on every run with this seed
    config = LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.0, target_modules=LORA_TARGETS, bias="none")
    return get_peft_model(model, config), rank


def from_state(state: dict, args: ModelArgs) -> Transformer:
    """A Transformer holding `state`'s tensors (their device and dtype)."""
    with torch.device("meta"):
        model = Transformer(args)
    model.load_state_dict(state, strict=True, assign=True)
    model.tie_weights()
    return model


def trained_model(model: Transformer, args: ModelArgs) -> Transformer | None:
    """What train() left: the model itself; sharded under torchrun, a plain copy gathered to
    rank 0's CPU (every rank takes part) and None on the other ranks, which write nothing."""
    if not distributed.is_sharded(model):
        return model
    state = distributed.full_state(model)
    return from_state(state, args) if distributed.is_main() else None


def merged_model(peft_model: nn.Module, args: ModelArgs) -> Transformer | None:
    """A plain Transformer with the adapters folded in (W + s·B·A), on the peft model's device
    (sharded under torchrun: gathered, on rank 0's CPU; None on the other ranks)."""
    if distributed.is_sharded(peft_model):
        state = distributed.full_state(peft_model)
        if not distributed.is_main():
            return None
        state = merge_lora(state, scaling=lora_scalings(peft_model))
    else:
        state = merge_lora(peft_model)
    return from_state(state, args)


def dpo_loss_fn(beta: float) -> LossFn:
    """DPO's loss for training.train; the reference is the policy with its adapter disabled (the SFT model)."""
    def loss_fn(policy: nn.Module, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        loss, metrics = dpo_step(policy, batch, None, beta)
        return loss, {k: metrics[k] for k in ("reward_margin", "preference_accuracy")}
    return loss_fn


def cpt_params(model: Transformer, plan: ExpansionPlan | None) -> list[nn.Parameter]:
    """LLaMA Pro: only the inserted blocks learn; with no expansion (or none inserted), every weight does."""
    if plan is not None and plan.new:
        if plan.n_layers != model.args.n_layers:
            raise RunError(f"the expansion plan has {plan.n_layers} layers but the model {model.args.n_layers}")
        return freeze_for_expansion(model, plan)
    model.requires_grad_(True)
    return list(model.parameters())


def merge_with_original(original: dict, trained: dict, method: str, alpha: float) -> dict:
    """The end of CPT: the trained model merged back with the one it started from."""
    if method == "linear":
        return linear_merge(original, trained, alpha)
    if method == "task-arithmetic":
        return task_arithmetic_merge(original, [trained], [alpha])
    raise RunError(f"unknown merge {method!r} (known: {', '.join(MERGES)})")


def load_start(path: Path, options: RunOptions) -> tuple[Transformer, ModelArgs, ChatTokenizer]:
    """A checkpoint in fp32 on the run's device (training keeps fp32 masters; CUDA autocasts to bf16)."""
    model, args = load_checkpoint(path, dtype=torch.float32, device=options.device)
    return model, args, ChatTokenizer.load(path)


# ---------------------------------------------------------------------------- stages

def bootstrap(options: RunOptions, rows: dict[str, list[dict]]) -> tuple[StageOutput, Path]:
    """(base, tokenizer dir): tokenizer and model trained from scratch on the CPT documents and SFT transcripts."""
    texts = ([f"{r['context']}\n{r['text']}" for r in rows["cpt"]]
             + [f"{r['prompt']}\n{r['output']}" for r in rows["sft"]])
    args = ModelArgs.from_name(options.preset)
    tok_dir = stage_dir(options, "bootstrap") / "tokenizer"
    # the preset's vocabulary at most: BPE stops merging earlier when the text is small
    if distributed.is_main():
        tok = train_tokenizer(texts, vocab_size=max(args.vocab_size, MIN_BOOTSTRAP_VOCAB), out_dir=tok_dir)
    distributed.barrier()   # under torchrun the other ranks load what rank 0 wrote
    if not distributed.is_main():
        tok = ChatTokenizer.load(tok_dir)
    args = args.replace(vocab_size=tok.vocab_size)
    torch.manual_seed(options.seed)
    model = Transformer(args).to(options.device)
    # the documents as training will see them, but every token counts (plain language modelling)
    examples = [{"input_ids": e["input_ids"], "labels": e["input_ids"]}
                for kind in ("cpt", "sft") for e in encode_rows(tok, rows[kind], kind, stage_config(
                    "pretrain", options.preset).max_len)]
    config = train_config("pretrain", options, len(examples))
    result = train(model, examples, config, stage_dir(options, "bootstrap") / "state", pad_id=tok.pad_id,
                   stage="bootstrap", device=options.device)
    metrics = {**train_metrics(result), "params": count_params(model), "vocab_size": tok.vocab_size,
               "layers": args.n_layers}
    return StageOutput(trained_model(model, args), args, metrics), tok_dir


def expand(options: RunOptions, start: Path) -> StageOutput:
    model, args, _ = load_start(start, options)
    expanded, new_args, plan = expand_blocks(model, args, every=options.expand_every)
    return StageOutput(expanded, new_args, {"layers_before": args.n_layers, "layers_after": new_args.n_layers,
                                            "new_blocks": list(plan.new), "expand_every": options.expand_every})


def cpt(options: RunOptions, start: Path, rows: list[dict], plan: ExpansionPlan | None) -> StageOutput:
    """Context-aware CPT (data.encode_cpt masks C_x), then merged with the start (merge_with_original)."""
    model, args, tok = load_start(start, options)
    original = ({k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
                if distributed.is_main() else {})   # only rank 0 merges
    # what requires grad after cpt_params, in model order: train's default (no list holding the
    # unsharded tensors alive under torchrun)
    trained_params = sum(p.numel() for p in cpt_params(model, plan))
    config = train_config("cpt", options)
    examples = encode_rows(tok, rows, "cpt", config.max_len)
    result = train(model, examples, config, stage_dir(options, "cpt") / "state", pad_id=tok.pad_id,
                   stage="cpt", device=options.device)
    metrics = {**train_metrics(result), "trained_params": trained_params, "merge": options.merge,
               "merge_alpha": options.merge_alpha}
    model = trained_model(model, args)
    if model is not None:   # None: a rank other than 0 under torchrun
        model.load_state_dict(merge_with_original(original, model.state_dict(), options.merge, options.merge_alpha))
        model.requires_grad_(False)
    return StageOutput(model, args, metrics)


def sft(options: RunOptions, start: Path, rows: list[dict]) -> StageOutput:
    """LoRA SFT on the outputs (data.encode_sft), the adapter folded into the weights."""
    model, args, tok = load_start(start, options)
    peft_model, rank = with_lora(model, "sft", options.preset, options.seed)
    config = train_config("sft", options)
    examples = encode_rows(tok, rows, "sft", config.max_len)
    result = train(peft_model, examples, config, stage_dir(options, "sft") / "state", pad_id=tok.pad_id,
                   loss_fn=lm_loss, stage="sft", device=options.device)
    return StageOutput(merged_model(peft_model, args), args, {**train_metrics(result), "lora_rank": rank})


def dpo(options: RunOptions, start: Path, rows: list[dict]) -> StageOutput:
    """LoRA DPO with the start (the SFT model) as the reference, the adapter folded in: the student."""
    model, args, tok = load_start(start, options)
    peft_model, rank = with_lora(model, "dpo", options.preset, options.seed)
    config = train_config("dpo", options)
    examples = encode_rows(tok, rows, "dpo", config.max_len)
    result = train(peft_model, examples, config, stage_dir(options, "dpo") / "state", pad_id=tok.pad_id,
                   loss_fn=dpo_loss_fn(options.beta), stage="dpo", device=options.device)
    return StageOutput(merged_model(peft_model, args), args,
                       {**train_metrics(result), "lora_rank": rank, "beta": options.beta})


# ---------------------------------------------------------------------------- stage checkpoints

def finished(options: RunOptions, stage: str) -> dict | None:
    """The stage's metrics when it is done (metrics.json written, checkpoint verifies), else None."""
    metrics = stage_dir(options, stage) / "metrics.json"
    if not metrics.is_file():
        return None
    try:
        verify_manifest(stage_dir(options, stage) / "checkpoint")
    except (ChecksumError, OSError, ValueError):
        return None   # damaged or half-written: the stage runs again (its training state makes that quick)
    return json.loads(metrics.read_text())


def save_stage(output: StageOutput, tok_dir: Path, options: RunOptions, stage: str) -> Path:
    """The stage's checkpoint: bf16 weights, config, manifest and the tokenizer files beside them.

    The start checkpoint's manifest "source" (an imported base's origin and licence) is carried
    over, so the student names the weights it derives from.
    """
    out = stage_dir(options, stage) / "checkpoint"
    tok = ChatTokenizer.load(tok_dir)
    ids = {"eos_token_id": tok.eos_id, "pad_token_id": tok.pad_id}
    if tok.bos_id is not None:
        ids["bos_token_id"] = tok.bos_id
    source = json.loads((tok_dir / MANIFEST).read_text()).get("source") if (tok_dir / MANIFEST).is_file() else None
    save_checkpoint(output.model, output.args, out, dtype=torch.bfloat16, extra_config=ids, source=source,
                    overwrite=True)
    for name in (TOKENIZER_FILE, CONFIG_FILE, SPECIAL_MAP_FILE):
        if (tok_dir / name).is_file():
            shutil.copyfile(tok_dir / name, out / name)
    return out


def write_text(path: Path, text: str) -> None:
    """Written to a temporary file and renamed: a kill leaves the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def write_json(path: Path, obj) -> None:
    write_text(path, json.dumps(obj, indent=2, allow_nan=False, default=str) + "\n")


def write_jsonl(path: Path, rows: list[dict]) -> None:
    """One JSON object a line."""
    write_text(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def claim_run_dir(options: RunOptions, inputs: dict[str, Path], base: Path | None) -> None:
    """Write run.json, or check that the one there records these settings and input files."""
    settings = {k: v for k, v in asdict(options).items() if k not in ("run_dir", "device")}
    settings |= {"stages": list(options.stages), "base": None if base is None else str(base.resolve()),
                 "inputs": {name: sha256(path) for name, path in sorted(inputs.items())}}
    path = options.run_dir / "run.json"
    if path.is_file():
        saved = json.loads(path.read_text())
        differs = sorted(k for k in settings.keys() | saved.keys() if saved.get(k) != settings.get(k))
        if differs:
            raise RunError(f"{options.run_dir} holds a run with other settings ({', '.join(differs)} differ): "
                           "run the same command to resume it, or use a new --run-dir")
        return
    write_json(path, settings)


# ---------------------------------------------------------------------------- the run

def measure(ckpt: Path, rows: list[dict], options: RunOptions, stage: str, heldout: list[dict] | None = None) -> dict:
    """evaluate.py's figures for a checkpoint as saved (bf16 weights, its own tokenizer files); its
    decoded outputs go to <stage>/eval_outputs.jsonl. With `heldout` (the held-out-phrasing rows), the
    first eval_limit of them are decoded too, without their loss, into <stage>/eval_outputs.heldout.jsonl,
    their figures prefixed heldout_."""
    model, _, tok = load_start(ckpt, options)
    max_len = stage_config("sft", options.preset).max_len
    metrics, outputs = evaluate_with_outputs(model, tok, rows, options.eval_limit, max_len, loss_rows=options.eval_rows)
    write_jsonl(stage_dir(options, stage) / EVAL_OUTPUTS, outputs)
    if heldout:
        figures, outputs = evaluate_with_outputs(model, tok, heldout, options.eval_limit, max_len, with_loss=False)
        write_jsonl(stage_dir(options, stage) / HELDOUT_OUTPUTS, outputs)
        metrics |= {HELDOUT_PREFIX + k: v for k, v in figures.items()}
    return metrics


def run_stage(stage: str, options: RunOptions, rows: dict[str, list[dict]], start: Path | None,
              plan: ExpansionPlan | None, start_metrics: dict | None = None) -> tuple[Path, dict, bool]:
    """(checkpoint, metrics, skipped) of one stage, between its stage_start and stage_done lines.

    Under torchrun every rank trains; rank 0 alone saves, evaluates and writes the metrics,
    and the others wait for it at the end (the next stage starts from what it wrote).
    `start_metrics`: the start checkpoint's figures, which expand reports as its own (below).
    """
    progress.emit("stage_start", stage=stage)
    ckpt, metrics = stage_dir(options, stage) / "checkpoint", finished(options, stage)
    skipped = metrics is not None
    distributed.barrier()   # every rank has looked before rank 0 writes anything
    if not skipped:
        t0 = time.monotonic()
        if stage == "bootstrap":
            output, tok_dir = bootstrap(options, rows)
        else:
            tok_dir = start
            if stage == "expand":
                output = expand(options, start)
            elif stage == "cpt":
                output = cpt(options, start, rows["cpt"], plan)
            elif stage == "sft":
                output = sft(options, start, rows["sft"])
            else:
                output = dpo(options, start, rows["dpo"])
        metrics = output.metrics
        if distributed.is_main():
            ckpt = save_stage(output, tok_dir, options, stage)
            del output   # evaluation reads the checkpoint: the figures are those of the bf16 weights shipped
            if rows.get("eval") and stage == "expand" and start_metrics:
                # zero-output copies: the expanded model computes its start's logits exactly (+0 is
                # exact, test_expansion), so its figures are the start's; measuring again would cost
                # as much as the start's evaluation (minutes for a 135M model on CPU)
                metrics |= {k: v for k, v in start_metrics.items() if k.startswith((*EVAL_KEYS, HELDOUT_PREFIX))}
                metrics["eval_from"] = "base"
                for name in (EVAL_OUTPUTS, HELDOUT_OUTPUTS):
                    base_outputs = stage_dir(options, "base") / name
                    if base_outputs.is_file():   # and so are its outputs
                        shutil.copyfile(base_outputs, stage_dir(options, stage) / name)
            elif rows.get("eval"):
                metrics |= measure(ckpt, rows["eval"], options, stage, rows.get("eval_heldout"))
            metrics["wall_s"] = round(time.monotonic() - t0, 3)
            write_json(stage_dir(options, stage) / "metrics.json", metrics)   # last: it marks the stage done
        distributed.barrier()
    progress.emit("stage_done", stage=stage, checkpoint=str(ckpt), metrics=metrics, skipped=skipped)
    return ckpt, metrics, skipped


def evaluate_base(options: RunOptions, rows: dict[str, list[dict]], base: Path) -> tuple[dict, bool]:
    """The given base's figures, measured once per run dir (base/metrics.json, after
    base/eval_outputs(.heldout).jsonl)."""
    progress.emit("stage_start", stage="base")
    path = stage_dir(options, "base") / "metrics.json"
    skipped = path.is_file()
    distributed.barrier()   # every rank has looked before rank 0 writes
    if skipped:
        metrics = json.loads(path.read_text())
    else:
        metrics = {}
        if distributed.is_main():   # rank 0 measures; the others wait
            metrics = measure(base, rows["eval"], options, "base", rows.get("eval_heldout"))
            write_json(path, metrics)
        distributed.barrier()
    progress.emit("stage_done", stage="base", checkpoint=str(base), metrics=metrics, skipped=skipped)
    return metrics, skipped


def run(options: RunOptions, rows: dict[str, list[dict]], inputs: dict[str, Path],
        base: Path | None = None) -> dict:
    """Every stage in order (finished ones skipped), then DIR/student and DIR/report.json; returns the report."""
    if base is None and options.preset not in BOOTSTRAP_PRESETS:
        raise RunError(f"preset {options.preset!r} needs --base: bootstrapping trains a base from scratch, "
                       f"for {', '.join(BOOTSTRAP_PRESETS)} only")
    t0 = time.monotonic()
    options.run_dir.mkdir(parents=True, exist_ok=True)
    distributed.main_first(lambda: claim_run_dir(options, inputs, base))
    report, current, plan, base_metrics = [], base, None, None
    if base is not None and rows.get("eval"):
        base_metrics, skipped = evaluate_base(options, rows, base)
        report.append({"stage": "base", "metrics": base_metrics, "checkpoint": str(base), "skipped": skipped})
    chain = (["bootstrap"] if base is None else []) + [s for s in STAGES if s in options.stages]
    for stage in chain:
        # each stage starts from the previous one's checkpoint on disk, never from memory, so a
        # resumed run and an uninterrupted one see the same (bf16) weights
        current, metrics, skipped = run_stage(stage, options, rows, current, plan,
                                              base_metrics if current == base else None)
        if stage == "expand":
            plan = expansion_plan(metrics["layers_before"], metrics["expand_every"])
        report.append({"stage": stage, "metrics": metrics, "checkpoint": str(current), "skipped": skipped})

    student = options.run_dir / "student"
    if not distributed.is_main():
        return {"stages": report, "student": str(student)}
    tmp = Path(tempfile.mkdtemp(dir=options.run_dir, prefix=".student.tmp-"))
    shutil.copytree(current, tmp, dirs_exist_ok=True)
    if student.exists():
        shutil.rmtree(student)
    os.replace(tmp, student)
    summary = {"stages": report, "student": str(student), "tokenizer": str(student / TOKENIZER_FILE),
               "wall_s": round(time.monotonic() - t0, 3)}
    write_json(options.run_dir / "report.json", summary)
    return summary


def parse_stages(text: str) -> tuple[str, ...]:
    """--stages "expand,cpt,sft,dpo" -> the known stages named, in pipeline order."""
    names = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in names if s not in STAGES]
    if unknown:
        raise RunError(f"unknown stage(s) {', '.join(unknown)} (known: {', '.join(STAGES)})")
    return tuple(s for s in STAGES if s in names)
