"""The student's stages on the imported SmolLM2-135M-Instruct base (conftest.smollm2_base), on CPU.

    compute/.venv/bin/python -m pytest compute/tests/test_smollm2_training.py -q

Marked slow: each stage loads, trains and saves a 135M model (a few seconds a stage on 2 cores
besides the training steps). The held-out figures are measured in the SFT test, not per stage.
"""

import contextlib
import io
import json
import math
import sys
from pathlib import Path

import pytest
import torch

from distillery_compute.__main__ import main
from distillery_compute.checkpoint import args_from_hf_config, load_checkpoint
from distillery_compute.data import encode_rows
from distillery_compute.evaluate import output_losses
from distillery_compute.stages import merged_model, with_lora
from distillery_compute.tokenizer import ChatTokenizer
from distillery_compute.training import lm_loss, stage_config, train

sys.path.insert(0, str(Path(__file__).parent))
from stage_fixtures import fixture_rows, write_dataset  # noqa: E402

ROLES = ("explainer", "planner", "understander")


def held_out_loss(model, tok, rows) -> dict[str, float]:
    """Mean token cross-entropy on the outputs, overall and per agent role (evaluate.py's figure)."""
    losses = output_losses(model, tok, rows, max_len=1024)
    by_role = {role: [loss for row, loss in zip(rows, losses) if row["agent"] == role] for role in ROLES}
    mean = lambda pairs: sum(s for s, _ in pairs) / sum(n for _, n in pairs)   # noqa: E731
    return {"all": mean(losses)} | {role: mean(pairs) for role, pairs in by_role.items()}


@pytest.mark.slow
def test_expand_cpt_sft_dpo_run_on_the_imported_base(smollm2_base, tmp_path):
    data = write_dataset(tmp_path / "data")
    run_dir = tmp_path / "run"
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(["train", "--run-dir", str(run_dir), "--preset", "smollm2-135m", "--base", str(smollm2_base),
                     "--cpt", str(data["cpt"]), "--sft", str(data["sft"]), "--dpo", str(data["dpo"]),
                     "--max-steps", "1", "--expand-every", "30", "--device", "cpu"])
    assert code == 0
    events = [json.loads(line) for line in stdout.getvalue().splitlines()]
    done = {e["stage"]: e["metrics"] for e in events if e["event"] == "stage_done"}
    assert list(done) == ["expand", "cpt", "sft", "dpo"] and events[-1]["event"] == "done"
    # one block after the 30th: CPT back-propagates through one block only (the test's time)
    assert (done["expand"]["layers_before"], done["expand"]["layers_after"]) == (30, 31)
    assert done["cpt"]["trained_params"] == 3_540_096   # the new block only
    assert (done["sft"]["lora_rank"], done["dpo"]["lora_rank"]) == (16, 8)
    assert all(done[s]["steps"] == 1 and math.isfinite(done[s]["train_loss"]) for s in ("cpt", "sft", "dpo"))

    student = run_dir / "student"
    for name in ("tokenizer.json", "tokenizer_config.json"):
        assert (student / name).read_bytes() == (smollm2_base / name).read_bytes()
    source = json.loads((student / "manifest.json").read_text())["source"]   # the licence travels to the student
    assert source == json.loads((smollm2_base / "manifest.json").read_text())["source"]
    assert (source["license"], source["model"]) == ("Apache-2.0", "HuggingFaceTB/SmolLM2-135M-Instruct")
    args = args_from_hf_config(json.loads((student / "config.json").read_text()))
    assert (args.n_layers, args.dim, args.vocab_size, args.tie_word_embeddings) == (31, 576, 49152, True)
    assert ChatTokenizer.load(student).eos_token == "<|im_end|>"


@pytest.mark.slow
def test_a_short_sft_lowers_held_out_loss_on_agent_outputs(smollm2_base, tmp_path):
    rows = fixture_rows()
    model, args = load_checkpoint(smollm2_base, dtype=torch.float32)
    tok = ChatTokenizer.load(smollm2_base)
    before = held_out_loss(model, tok, rows["eval"])

    # stage 2 as stages.sft runs it: LoRA r=16 on every linear module, Table 3 x the preset's factor
    peft_model, _ = with_lora(model, "sft", "smollm2-135m")
    config = stage_config("sft", "smollm2-135m", max_steps=4, save_every=100)
    examples = encode_rows(tok, rows["sft"], "sft", config.max_len)
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        train(peft_model, examples, config, tmp_path / "state", pad_id=tok.pad_id, loss_fn=lm_loss, stage="sft")
    after = held_out_loss(merged_model(peft_model, args), tok, rows["eval"])
    print(f"held-out loss before {before} after {after}")
    assert all(after[k] < before[k] for k in before), (before, after)
