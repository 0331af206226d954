"""The drafter service's job: data from the student, the drafters of Table 2, their acceptance, a manifest.

    manifest = run_job(JobOptions(checkpoint=..., eagle_rows=..., eval_rows=..., run_dir=...,
                                  variants=("external", "synthetic", "combined")))

  1. data: the student answers the eagle prompts of each set the variants need (data.py), once per
     set into run_dir/data/<set>;
  2. training: one drafter per variant (external: the external set; synthetic: the in-domain set;
     combined: both) into run_dir/drafters/<variant>/drafter (train.py, resumable);
  3. evaluation: each drafter drafts for the student on the held-out agent prompts (eval.jsonl's
     prompts), greedy, one request at a time, as a chain and as a tree, against plain decoding:
     mean accepted length, acceptance by position, draft time share, tokens/s and whether the
     output equals plain decoding's;
  4. run_dir/manifest.json: the target, the data sets, the hyperparameters and the metrics of every
     variant, and `best`: the variant with the highest mean accepted length (tree). A rerun with the
     same run_dir reuses what is done.
"""

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from distillery_compute.checkpoint import sha256_file
from distillery_compute.eagle.data import DataOptions, build_data, read_rows
from distillery_compute.eagle.drafter import load_drafter
from distillery_compute.eagle.measure import measure
from distillery_compute.eagle.train import TrainOptions, train_drafter
from distillery_compute.engine import Engine
from distillery_compute.engine.speculative import SpecConfig
from distillery_compute.progress import emit

VARIANTS = {"external": ("external",), "synthetic": ("in-domain",), "combined": ("in-domain", "external")}


@dataclass
class JobOptions:
    checkpoint: Path
    eagle_rows: Path
    eval_rows: Path
    run_dir: Path
    variants: tuple[str, ...] = ("combined",)
    data: DataOptions = field(default_factory=DataOptions)
    train: TrainOptions = field(default_factory=TrainOptions)
    max_prompts: int | None = None   # eagle prompts answered per set (None: all)
    eval_limit: int = 16
    eval_max_tokens: int = 256
    chain: SpecConfig = field(default_factory=lambda: SpecConfig(method="chain", tokens=7))
    tree: SpecConfig = field(default_factory=lambda: SpecConfig(method="tree", tokens=6, top_k=2, budget=7))


def held_out_prompts(path: Path, limit: int) -> list[str]:
    prompts, seen = [], set()
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not isinstance(row.get("prompt"), str):
            raise ValueError(f"{path}:{n}: an eval row needs a string prompt")
        if row["prompt"] not in seen:
            seen.add(row["prompt"])
            prompts.append(row["prompt"])
    return prompts[:limit]


def run_job(options: JobOptions) -> dict:
    unknown = [v for v in options.variants if v not in VARIANTS]
    if unknown or not options.variants:
        raise ValueError(f"variants must be some of {', '.join(VARIANTS)}, got {', '.join(options.variants) or 'none'}")
    run = Path(options.run_dir)
    sets = sorted({s for v in options.variants for s in VARIANTS[v]})
    engine = Engine.from_checkpoint(options.checkpoint)
    data = {}
    for name in sets:
        emit("stage_start", stage=f"data:{name}")
        rows = read_rows(options.eagle_rows, (name,))[:options.max_prompts]
        data[name] = build_data(options.checkpoint, rows, run / "data" / name, options.data, engine=engine)
    prompts = held_out_prompts(Path(options.eval_rows), options.eval_limit)
    plain = _measured(run / "plain.json", lambda: measure(engine, prompts, max_tokens=options.eval_max_tokens))
    variants = {}
    for variant in options.variants:
        emit("stage_start", stage=f"train:{variant}")
        trained = train_drafter(options.checkpoint, [run / "data" / s for s in VARIANTS[variant]],
                                run / "drafters" / variant, options.train)
        metrics = {}
        for method, spec in (("chain", options.chain), ("tree", options.tree)):
            emit("stage_start", stage=f"evaluate:{variant}:{method}")
            spec_engine = Engine(engine.model, engine.tokenizer, drafter=load_drafter(trained["path"], engine.model).eval(),
                                 speculative=spec)
            result = measure(spec_engine, prompts, max_tokens=options.eval_max_tokens)
            metrics[method] = {**{k: v for k, v in result.items() if k != "outputs"},
                               "speedup": round(result["tokens_per_s"] / plain["tokens_per_s"], 3),
                               "same_output": sum(a == b for a, b in zip(result["outputs"], plain["outputs"])),
                               "spec": asdict(spec)}
            emit("evaluated", variant=variant, method=method, **metrics[method])
        variants[variant] = {"path": trained["path"], "sets": list(VARIANTS[variant]), "train": trained["options"],
                             "final": trained["final"], "metrics": metrics,
                             "weights_sha256": sha256_file(Path(trained["path"]) / "model.safetensors")}
    manifest = {
        "target": {"path": str(options.checkpoint), "weights_sha256": sha256_file(Path(options.checkpoint) / "model.safetensors")},
        "data": {name: {k: v for k, v in summary.items() if k != "shards"} for name, summary in data.items()},
        "held_out": {"prompts": len(prompts), "max_tokens": options.eval_max_tokens,
                     "plain": {k: v for k, v in plain.items() if k not in ("outputs",)}},
        "variants": variants,
        "best": max(variants, key=lambda v: variants[v]["metrics"]["tree"]["mean_accepted_length"] or 0),
    }
    path = run / "manifest.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(tmp, path)
    return manifest


def _measured(path: Path, compute) -> dict:
    if path.is_file():
        return json.loads(path.read_text())
    result = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result) + "\n")
    return result
