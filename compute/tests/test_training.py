"""The training loop: schedules, stage configs, loss going down, accumulation, exact resume after a kill."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from distillery_compute.checkpoint import ChecksumError
from distillery_compute.model import ModelArgs, Transformer
from distillery_compute.training import TABLE_3, TrainConfig, lr_at, stage_config, train

sys.path.insert(0, str(Path(__file__).parent))
from train_job import examples, job  # noqa: E402

JOB = Path(__file__).parent / "train_job.py"


def test_schedules_warm_up_then_decay():
    cosine = TrainConfig(lr=1.0, schedule="cosine", warmup_ratio=0.1)
    lrs = [lr_at(cosine, s, 100) for s in range(100)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert all(a >= b for a, b in zip(lrs[9:], lrs[10:]))
    assert lrs[-1] < 0.01
    linear = TrainConfig(lr=2.0, schedule="linear")
    assert lr_at(linear, 0, 10) == pytest.approx(2.0) and lr_at(linear, 10, 10) == 0.0
    assert lr_at(TrainConfig(lr=0.5, schedule="constant", warmup_ratio=0.5), 7, 10) == 0.5


def test_stage_configs_follow_table_3_scaled_by_preset():
    big = stage_config("dpo", "llama-3.1-8b")
    assert (big.lr, big.warmup_ratio, big.epochs, big.grad_accum, big.batch_size) == (5e-6, 0.10, 3, 2, 1)
    assert stage_config("sft", "llama-3.1-8b").lr == 2e-5
    assert stage_config("cpt", "llama-3.1-8b").weight_decay == 0.1
    eagle = stage_config("eagle", "tiny")
    assert eagle.schedule == "linear" and eagle.epochs == 3 and eagle.lr == pytest.approx(TABLE_3["eagle"]["lr"] * 50)
    assert stage_config("sft", "micro", max_steps=5).max_steps == 5
    for bad in (lambda: stage_config("rlhf", "tiny"), lambda: stage_config("sft", "huge"),
                lambda: stage_config("sft", "tiny", learning_rate=1.0), lambda: TrainConfig(lr=1.0, schedule="step")):
        with pytest.raises(ValueError):
            bad()


def test_loss_falls_and_progress_lines_are_json(tmp_path, capsys):
    torch.manual_seed(0)
    model = Transformer(ModelArgs.from_name("micro"))
    data = examples(6)
    config = TrainConfig(lr=3e-3, epochs=40, batch_size=3, warmup_ratio=0.05)
    result = train(model, data, config, tmp_path / "state", pad_id=0, stage="cpt", min_interval_s=0.0)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    progress = [line for line in lines if line["event"] == "progress"]
    assert progress[0]["step"] == 1 and progress[-1]["step"] == result.steps == 80
    assert {"stage", "step", "total", "epoch", "loss", "lr", "tokens_per_s", "elapsed_s", "eta_s"} <= progress[0].keys()
    assert result.final_loss < 0.5 * progress[0]["loss"]
    assert lines[-1]["event"] == "checkpoint" and result.tokens == sum(len(e["input_ids"]) for e in data) * 40


def test_grad_accumulation_matches_the_bigger_batch(tmp_path):
    data = [{"input_ids": list(range(3 + i, 13 + i)), "labels": list(range(3 + i, 13 + i))} for i in range(4)]
    finals = []
    for batch_size, grad_accum in ((2, 1), (1, 2)):
        torch.manual_seed(0)
        model = Transformer(ModelArgs.from_name("micro"))
        config = TrainConfig(lr=1e-2, batch_size=batch_size, grad_accum=grad_accum, max_steps=1, bucket=0)
        train(model, data, config, tmp_path / f"{batch_size}x{grad_accum}", pad_id=0, min_interval_s=0.0)
        finals.append(model.state_dict())
    # Both take the first two (equal-length) examples of the same shuffle in their first optimizer
    # step. Adam divides each gradient by its own magnitude, so float rounding in coordinates whose
    # gradient is ~0 moves them by a little of lr (1e-2): compare at 1e-4.
    for key in finals[0]:
        torch.testing.assert_close(finals[0][key], finals[1][key], rtol=1e-3, atol=1e-4)


def test_killed_run_resumes_to_the_same_parameters(tmp_path):
    steps = 120
    reference = job(str(tmp_path / "uninterrupted"), steps).state_dict()

    state = tmp_path / "killed"
    child = subprocess.Popen([sys.executable, str(JOB), str(state), str(tmp_path / "unused.safetensors"), str(steps)],
                             stdout=subprocess.PIPE, text=True)
    for line in child.stdout:
        event = json.loads(line)
        if event["event"] == "checkpoint" and event["step"] >= 4:
            child.kill()
            break
    child.wait()
    assert child.returncode != 0, "the job finished before it could be killed"
    saved = json.loads((state / "state.json").read_text())
    assert 4 <= saved["step"] < steps and saved["result"] is None

    resumed = subprocess.run([sys.executable, str(JOB), str(state), str(tmp_path / "resumed.safetensors"), str(steps)],
                             capture_output=True, text=True, check=True)
    first = next(json.loads(line) for line in resumed.stdout.splitlines() if json.loads(line)["event"] == "progress")
    assert first["step"] == saved["step"] + 1
    for key, value in load_file(tmp_path / "resumed.safetensors").items():
        torch.testing.assert_close(value, reference[key], rtol=0, atol=0)


def test_a_damaged_or_different_state_is_refused(tmp_path):
    job(str(tmp_path / "state"), 4)
    with pytest.raises(ValueError, match="different config"):
        model = Transformer(ModelArgs.from_name("micro"))
        train(model, examples(), TrainConfig(lr=1.0, max_steps=4), tmp_path / "state", pad_id=0)
    params = tmp_path / "state" / "params.safetensors"
    params.write_bytes(params.read_bytes()[:-1] + b"\x00")
    with pytest.raises(ChecksumError, match="params.safetensors"):
        job(str(tmp_path / "state"), 4)
