"""Agent-level quality of the smollm2-135m student after each stage (the paper's Figure 3) on a campaign's dataset.

    compute/.venv/bin/python compute/bench/quality_bench.py --dataset DIR --budget small   # ~15 min on 2 cores
    compute/.venv/bin/python compute/bench/quality_bench.py --dataset DIR --budget full    # CPU hours; minutes on a GPU

DIR holds the curator's parts as cpt.jsonl, sft.jsonl, dpo.jsonl and eval.jsonl, or is a data dir
(`.distillery` after `./distillery run`): then the newest dataset version in its artifact store is
used. The base is imported into --base (default: DIR/bases/smollm2-135m when DIR is a data dir,
else a run-dir sibling) with bases.import_base, as the trainer does.

The student is trained by stages.run (expand, CPT, LoRA SFT, LoRA DPO, each merged; the prompts in
SmolLM2's ChatML as in the trainer). Then the base and every stage's checkpoint (expand is the base's
exact function and is not listed) are measured on the same held-out rows, each agent in turn:

    loss      mean token cross-entropy on the teacher's outputs (evaluate.output_losses)
    exact     greedy decoding (the inference engine, every row at once; up to the target's length + 16
              tokens) equals the output
    json      understander: the decoded text is one JSON object; explainer: never JSON is asked,
              so the column is left empty
    valid     understander: the object passes the agents' understandingSchema; planner: the
              decoded plan passes the agents' validatePlan over the default tool catalog (both run
              in node from services/agents/dist, so `npm run build` first)

The teacher's row is its own outputs measured the same way (exact 1 by definition; the curator only
keeps valid outputs, so its json/valid rates show what the checks accept). Budgets: `small` caps
every stage at 3 steps and measures 6 rows (2 per agent); `full` runs the preset's step budget
(stages.STEP_BUDGET) and measures every eval row. --max-steps / --rows override either.
Progress goes to stderr; the table and the command to stdout.
"""

import argparse
import contextlib
import json
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from distillery_compute.bases import BASES, import_base
from distillery_compute.checkpoint import load_checkpoint
from distillery_compute.data import read_jsonl
from distillery_compute.evaluate import held_out_texts, output_losses, rows_to_decode
from distillery_compute.stages import RunOptions, run
from distillery_compute.tokenizer import ChatTokenizer
from distillery_compute.training import stage_config

PRESET = "smollm2-135m"
PARTS = ("cpt", "sft", "dpo", "eval")
BUDGETS = {"small": {"max_steps": 3, "rows": 6}, "full": {"max_steps": None, "rows": 0}}
EXTRA_TOKENS = 16
REPO = Path(__file__).resolve().parents[2]

# Reads {"agent", "text"} lines on stdin, writes {"valid": bool|null} lines: the agents' own checks.
NODE_CHECKS = """
import { createInterface } from 'node:readline';
const agents = await import(process.argv[1]);
const tools = agents.toolCatalog(agents.DEFAULT_RULES);
for await (const line of createInterface({ input: process.stdin })) {
  const { agent, text } = JSON.parse(line);
  let valid = null;
  if (agent === 'planner') valid = agents.validatePlan(text, tools).ok;
  else if (agent === 'understander') {
    try { valid = agents.understandingSchema.safeParse(JSON.parse(text)).success; } catch { valid = false; }
  }
  process.stdout.write(JSON.stringify({ valid }) + '\\n');
}
"""


def log(message: str) -> None:
    print(f"[quality_bench] {message}", file=sys.stderr, flush=True)


def dataset_files(path: Path) -> dict[str, Path]:
    """The parts' files: DIR/<part>.jsonl, or the newest dataset version in a data dir's artifact store."""
    if all((path / f"{part}.jsonl").is_file() for part in PARTS):
        return {part: path / f"{part}.jsonl" for part in PARTS}
    manifests = sorted((path / "artifacts" / "manifests" / "dataset").glob("*.json"), key=lambda p: p.stat().st_mtime)
    if not manifests:
        raise SystemExit(f"quality_bench: {path} holds neither {', '.join(p + '.jsonl' for p in PARTS)} "
                         "nor a dataset in artifacts/manifests/dataset")
    pointer = json.loads(manifests[-1].read_text())
    manifest = json.loads(Path(pointer["uri"].removeprefix("file://")).read_text())
    log(f"dataset {manifest['id']} from {manifests[-1]}")
    return {part: Path(manifest["files"][f"{part}.jsonl"]["uri"].removeprefix("file://")) for part in PARTS}


def valid_checks(decoded: list[dict]) -> list[bool | None]:
    """The agents' own understanding schema and plan validator on each decoded text (None: not applicable)."""
    agents = REPO / "services" / "agents" / "dist" / "src" / "index.js"
    if not agents.is_file():
        log(f"no {agents} (npm run build): the valid column stays empty")
        return [None] * len(decoded)
    lines = "".join(json.dumps({"agent": d["agent"], "text": d["text"]}) + "\n" for d in decoded)
    done = subprocess.run(["node", "--input-type=module", "-e", NODE_CHECKS, str(agents)], input=lines,
                          capture_output=True, text=True, cwd=REPO, timeout=600, check=True)
    return [json.loads(line)["valid"] for line in done.stdout.splitlines()]


def is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def measure(name: str, ckpt: Path | None, rows: list[dict], max_len: int) -> list[dict]:
    """Per row: loss (sum, tokens) and the decoded text; the teacher (ckpt None) 'decodes' its outputs."""
    if ckpt is None:
        return [{"agent": r["agent"], "loss": None, "text": r["output"]} for r in rows]
    t0 = time.monotonic()
    model, _ = load_checkpoint(ckpt, dtype=torch.float32)
    model.eval()
    tok = ChatTokenizer.load(ckpt)
    with torch.no_grad():
        losses = output_losses(model, tok, rows, max_len)
    texts = held_out_texts(model, tok, rows, max_len, EXTRA_TOKENS)   # the engine, every row at once
    out = [{"agent": row["agent"], "loss": loss, "text": text.strip()} for row, loss, text in zip(rows, losses, texts)]
    log(f"{name}: measured {len(rows)} rows in {time.monotonic() - t0:.0f} s")
    return out


def figures(results: list[dict], rows: list[dict]) -> dict[str, dict[str, float | None]]:
    """Per agent (and 'all'): loss, exact, json, valid."""
    for result, check in zip(results, valid_checks(results)):
        result["valid"] = check
    table = {}
    for agent in ["all"] + sorted({r["agent"] for r in rows}):
        mine = [(res, row) for res, row in zip(results, rows) if agent in ("all", row["agent"])]
        losses = [res["loss"] for res, _ in mine if res["loss"] is not None]
        rate = lambda values: sum(values) / len(values) if values else None   # noqa: E731
        table[agent] = {
            "loss": sum(s for s, _ in losses) / max(1, sum(n for _, n in losses)) if losses else None,
            "exact": rate([res["text"] == row["output"].strip() for res, row in mine]),
            "json": rate([is_json_object(res["text"]) for res, row in mine if row["agent"] == "understander"]),
            "valid": rate([res["valid"] for res, _ in mine if res["valid"] is not None]),
        }
    return table


def render(tables: dict[str, dict], agents: list[str]) -> str:
    cell = lambda value: "–" if value is None else f"{value:.3f}"   # noqa: E731
    head = ["model"] + [f"{a} {m}" for a in agents for m in ("loss", "exact", "json", "valid")
                        if not (m == "json" and a not in ("all", "understander"))
                        and not (m == "valid" and a == "explainer")]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, table in tables.items():
        cells = [cell(table[a][m]) for a in agents for m in ("loss", "exact", "json", "valid")
                 if not (m == "json" and a not in ("all", "understander")) and not (m == "valid" and a == "explainer")]
        lines.append("| " + " | ".join([name] + cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, required=True, help="dir with the parts' JSONL, or a data dir")
    parser.add_argument("--budget", choices=tuple(BUDGETS), default="small")
    parser.add_argument("--max-steps", type=int, help="cap on every stage's optimizer steps (overrides the budget)")
    parser.add_argument("--rows", type=int, help="held-out rows measured, each agent in turn (0: all)")
    parser.add_argument("--base", type=Path, help="the imported base (imported there when missing)")
    parser.add_argument("--run-dir", type=Path, help="the training run (resumed when it exists); default: a temp dir")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    budget = BUDGETS[args.budget]
    max_steps = args.max_steps if args.max_steps is not None else budget["max_steps"]
    n_rows = args.rows if args.rows is not None else budget["rows"]
    t0 = time.monotonic()

    files = dataset_files(args.dataset)
    rows = {part: read_jsonl(path, "sft" if part == "eval" else part) for part, path in files.items()}
    held_out = rows_to_decode(rows["eval"], n_rows) if n_rows else rows["eval"]
    work = Path(tempfile.mkdtemp(prefix="quality-bench-"))
    base_dir = args.base or (args.dataset / "bases" / PRESET if (args.dataset / "artifacts").is_dir()
                             else work / "bases" / PRESET)
    with contextlib.redirect_stdout(sys.stderr):   # the stages' protocol lines are progress here
        log(f"base {import_base(BASES[PRESET], base_dir)['out']}")
        run_dir = args.run_dir or work / "run"
        options = RunOptions(run_dir=run_dir, preset=PRESET, seed=args.seed, max_steps=max_steps, eval_limit=0)
        train_rows = {part: rows[part] for part in ("cpt", "sft", "dpo")}   # measured below, not in the run
        report = run(options, train_rows, {part: files[part] for part in ("cpt", "sft", "dpo")}, base_dir)
    checkpoints = {"base": base_dir} | {s["stage"]: Path(s["checkpoint"]) for s in report["stages"]
                                        if s["stage"] in ("cpt", "sft", "dpo")}
    steps = {s["stage"]: s["metrics"].get("steps") for s in report["stages"]}
    log(f"trained in {time.monotonic() - t0:.0f} s (steps {steps}); measuring {len(held_out)} rows per model")

    max_len = stage_config("sft", PRESET).max_len
    tables = {("after " + name if name != "base" else "base"): figures(measure(name, ckpt, held_out, max_len), held_out)
              for name, ckpt in checkpoints.items()}
    tables["teacher (its outputs)"] = figures(measure("teacher", None, held_out, max_len), held_out)
    agents = ["all"] + sorted({r["agent"] for r in held_out})
    command = "compute/.venv/bin/python compute/bench/quality_bench.py " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    print(f"## Quality per stage, {PRESET} student ({len(held_out)} held-out rows of {len(rows['eval'])}; "
          f"steps a stage: {', '.join(f'{k} {v}' for k, v in steps.items() if v is not None)})\n")
    print(render(tables, agents))
    print(f"\n{command}\n(wall {time.monotonic() - t0:.0f} s; run dir {run_dir})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
