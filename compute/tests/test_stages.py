"""The student's stages end to end through the CLI (micro preset, tiny fixture datasets), resume and bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from distillery_compute.checkpoint import load_checkpoint
from distillery_compute.model import ModelArgs, Transformer
from distillery_compute.stages import merged_model, with_lora

sys.path.insert(0, str(Path(__file__).parent))
from stage_fixtures import write_dataset  # noqa: E402


def command(data: dict[str, Path], run_dir: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "distillery_compute", "train", "--run-dir", str(run_dir), "--preset", "micro",
            "--cpt", str(data["cpt"]), "--sft", str(data["sft"]), "--dpo", str(data["dpo"]), "--eval", str(data["eval"]),
            "--max-steps", "10", "--save-every", "4", "--expand-every", "1", "--eval-limit", "6", *extra]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict[str, Path]:
    return write_dataset(tmp_path_factory.mktemp("dataset"))


@pytest.fixture(scope="module")
def finished_run(data, tmp_path_factory) -> tuple[Path, list[dict]]:
    run_dir = tmp_path_factory.mktemp("run")
    done = subprocess.run(command(data, run_dir), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return run_dir, [json.loads(line) for line in done.stdout.splitlines()]


def test_the_cli_runs_every_stage_and_writes_a_student_transformers_loads(finished_run):
    run_dir, events = finished_run
    assert [e["stage"] for e in events if e["event"] == "stage_done"] == ["bootstrap", "expand", "cpt", "sft", "dpo"]
    assert events[-1]["event"] == "done"
    report = json.loads((run_dir / "report.json").read_text())
    metrics = {stage["stage"]: stage["metrics"] for stage in report["stages"]}
    assert metrics["expand"]["layers_after"] == 2 * metrics["expand"]["layers_before"]
    assert {"reward_margin", "preference_accuracy", "train_loss"} <= metrics["dpo"].keys()
    for stage in metrics.values():   # the quality figures, per stage and per agent role
        assert {"held_out_loss", "exact_match", "exact_match.planner", "exact_match.understander", "exact_match.explainer"} <= stage.keys()
    dpo_progress = [e for e in events if e["event"] == "progress" and e["stage"] == "dpo"]
    assert dpo_progress and "preference_accuracy" in dpo_progress[-1]

    ours, args = load_checkpoint(run_dir / "student", dtype=torch.float32)
    transformers = pytest.importorskip("transformers")
    theirs = transformers.LlamaForCausalLM.from_pretrained(run_dir / "student", torch_dtype=torch.float32)
    tokens = torch.randint(0, args.vocab_size, (1, 12))
    torch.testing.assert_close(ours(tokens), theirs(tokens).logits, rtol=1e-4, atol=1e-4)


def test_a_killed_run_resumes_where_it_stopped_and_ends_with_the_same_student(data, finished_run, tmp_path):
    run_dir = tmp_path / "run"
    child = subprocess.Popen(command(data, run_dir), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in child.stdout:
        event = json.loads(line)
        if event["event"] == "checkpoint" and event["stage"] == "sft":
            child.kill()
            break
    child.wait()
    assert child.returncode != 0, "the run finished before it could be killed"

    again = subprocess.run(command(data, run_dir), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    events = [json.loads(line) for line in again.stdout.splitlines()]
    skipped = {e["stage"]: e["skipped"] for e in events if e["event"] == "stage_done"}
    assert skipped == {"bootstrap": True, "expand": True, "cpt": True, "sft": False, "dpo": False}
    first_sft = next(e for e in events if e["event"] == "progress" and e["stage"] == "sft")
    assert first_sft["step"] > 1
    reference = load_file(finished_run[0] / "student" / "model.safetensors")
    for key, value in load_file(run_dir / "student" / "model.safetensors").items():
        torch.testing.assert_close(value, reference[key], rtol=0, atol=0)


@pytest.mark.parametrize("change, message", [
    (("--preset", "nano"), "unknown preset 'nano'"),
    (("--stages", "expand,rlhf"), "unknown stage(s) rlhf"),
    (("--sft", "/nonexistent.jsonl"), "--sft /nonexistent.jsonl: no such file"),
])
def test_bad_input_exits_2_naming_what_is_wrong(data, tmp_path, change, message):
    argv = command(data, tmp_path / "run")
    if change[0] in argv:
        argv[argv.index(change[0]) + 1] = change[1]
    else:
        argv += list(change)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert f"distillery_compute train: {message}" in done.stderr


def test_a_bad_row_is_reported_with_file_and_line(data, tmp_path):
    broken = tmp_path / "dpo.jsonl"
    rows = data["dpo"].read_text().splitlines()
    broken.write_text("\n".join([rows[0], json.dumps({"id": "x", "agent": "planner", "prompt": "p", "chosen": "a", "rejected": "a"})]) + "\n")
    argv = command(data, tmp_path / "run")
    argv[argv.index("--dpo") + 1] = str(broken)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and f"{broken}:2: field 'rejected' equals 'chosen'" in done.stderr


def test_lora_merged_equals_lora_unmerged():
    torch.manual_seed(0)
    args = ModelArgs.from_name("micro")
    peft_model, _ = with_lora(Transformer(args), "sft", "micro")
    for name, param in peft_model.named_parameters():
        if "lora_B" in name:   # a fresh adapter is zero: give it something to fold
            torch.nn.init.normal_(param, std=0.05)
    tokens = torch.randint(0, args.vocab_size, (2, 10))
    with torch.no_grad():
        unmerged = peft_model(tokens)
        merged = merged_model(peft_model, args, "cpu")(tokens)
    torch.testing.assert_close(merged, unmerged, rtol=1e-5, atol=1e-5)
