"""The student's training stages (paper section 2.5, Appendices A-B), each a resumable step of one run.

    python -m distillery_compute train --run-dir runs/x --preset tiny \\
        --cpt cpt.jsonl --sft sft.jsonl --dpo dpo.jsonl --eval eval.jsonl

    bootstrap  (no --base) a byte-level BPE tokenizer and a base model pretrained from scratch
               on the CPT documents and the SFT transcripts: nothing comes from outside
    expand     stage 0, LLaMA Pro block expansion: one zero-output copy after every k blocks
    cpt        stage 1, context-aware CPT of the new blocks (C_x excluded from the loss), then
               merged with the model before CPT (linear or task arithmetic)
    sft        stage 2, LoRA on every linear module, loss on the outputs only, merged
    dpo        stage 3, LoRA DPO against the SFT model (the adapter disabled), merged: the student

Every stage writes DIR/<stage>/checkpoint (Hugging Face layout + manifest.json + tokenizer
files) and DIR/<stage>/metrics.json; a stage whose checkpoint verifies is skipped when the
command runs again, and a stage cut short resumes from DIR/<stage>/state (training.train).
Metrics after each stage, with --eval: held-out loss on the outputs and exact match of the
greedy outputs against the judge-refined targets, overall and per agent role.
"""

import json
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from peft import LoraConfig, get_peft_model

from distillery_compute import progress
from distillery_compute.checkpoint import ChecksumError, load_checkpoint, save_checkpoint, verify_manifest
from distillery_compute.data import IGNORE_INDEX, encode_rows, encode_sft
from distillery_compute.dpo import dpo_step
from distillery_compute.expansion import expand_blocks, expansion_plan, freeze_for_expansion
from distillery_compute.merge import linear_merge, merge_lora, task_arithmetic_merge
from distillery_compute.model import ModelArgs, Transformer
from distillery_compute.tokenizer import CONFIG_FILE, TOKENIZER_FILE, ChatTokenizer, train_tokenizer
from distillery_compute.training import lm_loss, stage_config, train

STAGES = ("bootstrap", "expand", "cpt", "sft", "dpo")
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
# Table 3: SFT r=128, DPO r=64 (alpha = 2r). A 256-wide tiny model cannot use rank 128 (half
# its width); the small presets take a rank that is the same share of their width.
LORA_RANK = {"sft": {"micro": 16, "tiny": 32}, "dpo": {"micro": 8, "tiny": 16}}
PAPER_RANK = {"sft": 128, "dpo": 64}
BOOTSTRAP_EPOCHS = 4   # passes over the bootstrap corpus: a few minutes for tiny on 2 cores at --max-steps 400


@dataclass(frozen=True)
class RunOptions:
    run_dir: Path
    preset: str
    seed: int = 0
    expand_every: int = 4
    merge: str = "linear"          # linear | task-arithmetic
    merge_alpha: float = 0.7       # share of the CPT-trained model (ours: the paper names no value)
    beta: float = 0.1
    max_steps: int | None = None
    save_every: int = 50
    eval_limit: int = 24
    device: str = "cpu"


# ---------------------------------------------------------------------------- checkpoints of the run

def stage_dir(options: RunOptions, stage: str) -> Path:
    return options.run_dir / stage


def finished(options: RunOptions, stage: str) -> dict | None:
    """The stage's metrics when its checkpoint is complete and verifies, else None."""
    ckpt, metrics = stage_dir(options, stage) / "checkpoint", stage_dir(options, stage) / "metrics.json"
    if not metrics.is_file():
        return None
    try:
        verify_manifest(ckpt)
    except (ChecksumError, FileNotFoundError):
        return None
    return json.loads(metrics.read_text())


def save_stage(model: Transformer, args: ModelArgs, tok_dir: Path, options: RunOptions, stage: str,
               metrics: dict) -> Path:
    """The stage's checkpoint (bf16, HF layout, with the tokenizer) and then its metrics: the metrics file marks it done."""
    out = stage_dir(options, stage) / "checkpoint"
    tok = ChatTokenizer.load(tok_dir)
    ids = {"eos_token_id": tok.eos_id, "pad_token_id": tok.pad_id} | ({} if tok.bos_id is None else {"bos_token_id": tok.bos_id})
    save_checkpoint(model, args, out, extra_config=ids, overwrite=True)
    for name in (TOKENIZER_FILE, CONFIG_FILE):
        if (tok_dir / name).is_file():
            shutil.copyfile(tok_dir / name, out / name)
    (stage_dir(options, stage) / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return out


def load_stage(path: Path, options: RunOptions) -> tuple[Transformer, ModelArgs]:
    """A checkpoint in fp32 on the run's device (training precision; checkpoints are stored in bf16)."""
    model, args = load_checkpoint(path, dtype=torch.float32, device=options.device)
    return model, args


# ---------------------------------------------------------------------------- stages

def bootstrap(options: RunOptions, rows: dict[str, list[dict]]) -> dict:
    """Tokenizer + base pretrained from scratch on the run's own text (CPT documents, SFT transcripts)."""
    texts = [f"{r['context']}\n{r['text']}" for r in rows["cpt"]] + [f"{r['prompt']}\n{r['output']}" for r in rows["sft"]]
    args = ModelArgs.from_name(options.preset)
    tok_dir = stage_dir(options, "bootstrap") / "tokenizer"
    # the preset's vocabulary, but at least bytes + specials + some merges (micro's 256 has no room)
    tok = train_tokenizer(texts, vocab_size=max(args.vocab_size, 384), out_dir=tok_dir)
    args = args.replace(vocab_size=tok.vocab_size)
    torch.manual_seed(options.seed)
    model = Transformer(args).to(options.device)
    config = stage_config("pretrain", options.preset, epochs=BOOTSTRAP_EPOCHS, seed=options.seed,
                          max_steps=options.max_steps, save_every=options.save_every)
    examples = []
    for text in texts:   # plain language modelling: every token counts
        ids = ([] if tok.bos_id is None else [tok.bos_id]) + tok.encode(text)[:config.max_len - 2] + [tok.eos_id]
        examples.append({"input_ids": ids, "labels": ids})
    result = train(model, examples, config, stage_dir(options, "bootstrap") / "state", pad_id=tok.pad_id,
                   stage="bootstrap", device=options.device)
    return {"train_loss": result.final_loss, "steps": result.steps, "tokens": result.tokens,
            "wall_s": result.wall_s, "vocab_size": tok.vocab_size, "params": sum(p.numel() for p in model.parameters())}, model, args, tok_dir


def expand(options: RunOptions, base: Path) -> tuple[dict, Transformer, ModelArgs]:
    model, args = load_stage(base, options)
    expanded, new_args, plan = expand_blocks(model, args, every=options.expand_every)
    return {"layers_before": args.n_layers, "layers_after": new_args.n_layers, "new_blocks": len(plan.new),
            "expand_every": options.expand_every}, expanded, new_args


def cpt(options: RunOptions, start: Path, rows: list[dict], tok: ChatTokenizer, base_layers: int | None):
    """Context-aware CPT, then the merge with the model it started from."""
    model, args = load_stage(start, options)
    original = {k: v.detach().clone() for k, v in model.state_dict().items()}
    # LLaMA Pro: only the inserted blocks learn; without expansion (or none inserted), every weight does.
    plan = expansion_plan(base_layers, options.expand_every) if base_layers is not None else None
    params = freeze_for_expansion(model, plan) if plan is not None and plan.new else list(model.parameters())
    config = stage_config("cpt", options.preset, seed=options.seed, max_steps=options.max_steps,
                          save_every=options.save_every)
    examples = encode_rows(tok, rows, "cpt", config.max_len)
    result = train(model, examples, config, stage_dir(options, "cpt") / "state", pad_id=tok.pad_id, params=params,
                   stage="cpt", device=options.device)
    trained = model.state_dict()
    merged = (linear_merge(original, trained, options.merge_alpha) if options.merge == "linear"
              else task_arithmetic_merge(original, [trained], [options.merge_alpha]))
    model.load_state_dict(merged)
    return {"train_loss": result.final_loss, "steps": result.steps, "tokens": result.tokens, "wall_s": result.wall_s,
            "merge": options.merge, "merge_alpha": options.merge_alpha}, model, args


def with_lora(model: Transformer, stage: str, preset: str):
    rank = LORA_RANK[stage].get(preset, PAPER_RANK[stage])
    model.requires_grad_(False)
    config = LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.0, target_modules=LORA_TARGETS, bias="none")
    return get_peft_model(model, config), rank


def merged_model(peft_model, args: ModelArgs, device: str) -> Transformer:
    """The plain Transformer with the adapters folded in (merge.merge_lora)."""
    state = merge_lora(peft_model)
    with torch.device("meta"):
        model = Transformer(args)
    model.load_state_dict({k: v.to(device) for k, v in state.items()}, assign=True)
    model.tie_weights()
    return model


def sft(options: RunOptions, start: Path, rows: list[dict], tok: ChatTokenizer):
    model, args = load_stage(start, options)
    peft_model, rank = with_lora(model, "sft", options.preset)
    config = stage_config("sft", options.preset, seed=options.seed, max_steps=options.max_steps,
                          save_every=options.save_every)
    examples = encode_rows(tok, rows, "sft", config.max_len)
    result = train(peft_model, examples, config, stage_dir(options, "sft") / "state", pad_id=tok.pad_id,
                   loss_fn=lm_loss, stage="sft", device=options.device)
    return {"train_loss": result.final_loss, "steps": result.steps, "tokens": result.tokens, "wall_s": result.wall_s,
            "lora_rank": rank}, merged_model(peft_model, args, options.device), args


def dpo(options: RunOptions, start: Path, rows: list[dict], tok: ChatTokenizer):
    model, args = load_stage(start, options)
    peft_model, rank = with_lora(model, "dpo", options.preset)
    config = stage_config("dpo", options.preset, seed=options.seed, max_steps=options.max_steps,
                          save_every=options.save_every)
    examples = encode_rows(tok, rows, "dpo", config.max_len)

    def loss_fn(policy, batch):
        # reference = the SFT model: the same network with the LoRA adapter disabled
        loss, metrics = dpo_step(policy, batch, None, options.beta)
        return loss, {k: metrics[k] for k in ("reward_margin", "preference_accuracy")}

    result = train(peft_model, examples, config, stage_dir(options, "dpo") / "state", pad_id=tok.pad_id,
                   loss_fn=loss_fn, stage="dpo", device=options.device)
    return {"train_loss": result.final_loss, "steps": result.steps, "tokens": result.tokens, "wall_s": result.wall_s,
            "lora_rank": rank, "beta": options.beta, **result.metrics}, merged_model(peft_model, args, options.device), args


# ---------------------------------------------------------------------------- evaluation

@torch.no_grad()
def greedy(model: Transformer, prompt: list[int], max_new: int, eos_id: int) -> list[int]:
    """Greedy decoding by full forwards (our model has no KV cache yet; fine for tiny models)."""
    ids = list(prompt)
    for _ in range(max_new):
        next_id = int(model(torch.tensor([ids], device=next(model.parameters()).device))[0, -1].argmax())
        if next_id == eos_id:
            break
        ids.append(next_id)
    return ids[len(prompt):]


@torch.no_grad()
def evaluate(model: Transformer, tok: ChatTokenizer, rows: list[dict], limit: int, max_len: int) -> dict[str, float]:
    """Held-out loss on the outputs (all rows) and exact match of greedy outputs (up to `limit` rows, spread over roles)."""
    model.eval()
    device = next(model.parameters()).device
    loss_sum, loss_tokens = 0.0, 0
    for row in rows:
        example = encode_sft(tok, row, max_len)
        ids = torch.tensor([example["input_ids"]], device=device)
        labels = torch.tensor([example["labels"]], device=device)
        logits = model(ids)
        loss_sum += F.cross_entropy(logits[0, :-1].float(), labels[0, 1:], ignore_index=IGNORE_INDEX, reduction="sum").item()
        loss_tokens += int((labels[0, 1:] != IGNORE_INDEX).sum())
    by_role = defaultdict(list)
    for row in rows:
        by_role[row["agent"]].append(row)
    per_role = max(1, limit // max(1, len(by_role)))
    hits = defaultdict(list)
    for role, role_rows in sorted(by_role.items()):
        for row in role_rows[:per_role]:
            target = tok.encode(row["output"])
            prompt = tok.encode_prompt(row["prompt"])[-(max_len - len(target) - 8):]   # what serving feeds the model
            out = greedy(model, prompt, len(target) + 8, tok.eos_id)
            hits[role].append(float(tok.decode(out).strip() == row["output"].strip()))
    metrics = {"held_out_loss": loss_sum / max(1, loss_tokens)}
    all_hits = [h for role_hits in hits.values() for h in role_hits]
    metrics["exact_match"] = sum(all_hits) / max(1, len(all_hits))
    metrics |= {f"exact_match.{role}": sum(h) / len(h) for role, h in hits.items()}
    model.train()
    return metrics


# ---------------------------------------------------------------------------- the run

def run(options: RunOptions, rows: dict[str, list[dict]], stages: list[str], base: Path | None) -> dict:
    """Runs `stages` in order (skipping finished ones) and writes DIR/student and DIR/report.json."""
    t0 = time.monotonic()
    options.run_dir.mkdir(parents=True, exist_ok=True)
    report, current = [], base
    tok_dir = base if base is not None else None
    base_layers = None
    for stage in (["bootstrap"] if base is None else []) + [s for s in STAGES[1:] if s in stages]:
        progress.emit("stage_start", stage=stage)
        done = finished(options, stage)
        ckpt = stage_dir(options, stage) / "checkpoint"
        if done is None:
            model = args = None
            if stage == "bootstrap":
                metrics, model, args, tok_dir = bootstrap(options, rows)
            else:
                tok = ChatTokenizer.load(tok_dir)
                if stage == "expand":
                    metrics, model, args = expand(options, current)
                elif stage == "cpt":
                    metrics, model, args = cpt(options, current, rows["cpt"], tok, base_layers)
                elif stage == "sft":
                    metrics, model, args = sft(options, current, rows["sft"], tok)
                else:
                    metrics, model, args = dpo(options, current, rows["dpo"], tok)
            if rows.get("eval"):
                metrics |= evaluate(model, ChatTokenizer.load(tok_dir), rows["eval"], options.eval_limit,
                                    stage_config("sft", options.preset).max_len)
            ckpt = save_stage(model, args, tok_dir, options, stage, metrics)
            done, skipped = metrics, False
        else:
            skipped = True
            if stage == "bootstrap":
                tok_dir = stage_dir(options, "bootstrap") / "tokenizer"
        if stage == "expand":
            base_layers = done["layers_before"]
        current = ckpt
        report.append({"stage": stage, "metrics": done, "checkpoint": str(ckpt)})
        progress.emit("stage_done", stage=stage, checkpoint=str(ckpt), metrics=done, skipped=skipped)

    student = options.run_dir / "student"
    if student.exists():
        shutil.rmtree(student)
    shutil.copytree(current, student)
    summary = {"stages": report, "student": str(student), "tokenizer": str(student / TOKENIZER_FILE),
               "wall_s": round(time.monotonic() - t0, 3)}
    (options.run_dir / "report.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def check_stages(names: list[str]) -> list[str]:
    unknown = [s for s in names if s not in STAGES[1:]]
    if unknown:
        raise ValueError(f"unknown stage(s) {', '.join(unknown)} (known: {', '.join(STAGES[1:])})")
    return names
