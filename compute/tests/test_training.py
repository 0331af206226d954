"""The training loop: schedules, stage configs, the loss, accumulation, progress lines, exact resume after a kill."""

import json
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from distillery_compute.checkpoint import ChecksumError
from distillery_compute.data import collate, encode_rows
from distillery_compute.model import PRESETS, ModelArgs, Transformer
from distillery_compute.tokenizer import render_chat
from distillery_compute.training import (LR_FACTOR, TABLE_3, TrainConfig, lm_loss, lr_at, stage_config, train)
from train_job import examples, job

JOB = Path(__file__).parent / "train_job.py"
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def micro(vocab_size: int = 256, seed: int = 0) -> Transformer:
    torch.manual_seed(seed)
    return Transformer(ModelArgs.from_name("micro").replace(vocab_size=vocab_size))


def lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


# ---------------------------------------------------------------------------- schedules and configs

def test_schedules_warm_up_then_decay():
    cosine = TrainConfig(lr=1.0, schedule="cosine", warmup_ratio=0.1)
    lrs = [lr_at(cosine, s, 100) for s in range(100)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == lrs[10] == 1.0      # 10 warm-up steps, the last at lr
    assert all(a > b for a, b in zip(lrs[10:], lrs[11:]))
    assert lrs[-1] < 1e-3 and lr_at(cosine, 100, 100) == 0.0
    linear = TrainConfig(lr=2.0, schedule="linear", warmup_ratio=0.2)
    assert [lr_at(linear, s, 10) for s in range(11)] == pytest.approx([1, 2, 2, 1.75, 1.5, 1.25, 1, .75, .5, .25, 0])
    constant = TrainConfig(lr=0.5, schedule="constant", warmup_ratio=0.5)
    assert [lr_at(constant, s, 4) for s in range(4)] == [0.25, 0.5, 0.5, 0.5]


def test_stage_configs_follow_table_3_scaled_by_preset():
    for preset in ("llama-3.1-8b", "llama-3.2-1b"):   # the paper's rates as printed
        cpt, sft, dpo, eagle = (stage_config(s, preset) for s in ("cpt", "sft", "dpo", "eagle"))
        assert (cpt.lr, cpt.schedule, cpt.weight_decay, cpt.warmup_ratio, cpt.epochs) == (1e-5, "cosine", 0.1, 0.01, 1)
        assert (sft.lr, sft.warmup_ratio, sft.batch_size, sft.grad_accum, sft.epochs) == (2e-5, 0.05, 1, 1, 1)
        assert (dpo.lr, dpo.warmup_ratio, dpo.epochs, dpo.batch_size, dpo.grad_accum) == (5e-6, 0.10, 3, 1, 2)
        assert (eagle.lr, eagle.schedule, eagle.warmup_ratio, eagle.epochs, eagle.batch_size) == (3e-4, "linear", 0.01,
                                                                                                100, 8)
        assert sft.max_len == 8192
    tiny = {s: stage_config(s, "tiny") for s in TABLE_3}
    assert tiny["sft"].lr == pytest.approx(1e-3) and tiny["cpt"].lr == pytest.approx(5e-4)
    assert tiny["dpo"].lr == pytest.approx(2.5e-4) and tiny["eagle"].lr == pytest.approx(9e-4)
    assert (tiny["pretrain"].lr, tiny["pretrain"].warmup_ratio, tiny["pretrain"].weight_decay) == (1e-3, 0.05, 0.1)
    assert tiny["eagle"].epochs == 10 and tiny["dpo"].epochs == 3 and tiny["sft"].max_len == 2048
    assert stage_config("sft", "micro").max_len == 256
    assert set(LR_FACTOR) == set(PRESETS)   # every model preset has its scaling
    assert stage_config("sft", "micro", max_steps=5, lr=0.1).max_steps == 5

    for bad, name in ((lambda: stage_config("rlhf", "tiny"), "rlhf"), (lambda: stage_config("sft", "huge"), "huge"),
                      (lambda: stage_config("sft", "tiny", learning_rate=1.0), "learning_rate"),
                      (lambda: TrainConfig(lr=1.0, schedule="step"), "step"),
                      (lambda: TrainConfig(lr=1.0, grad_accum=0), "grad_accum"),
                      (lambda: stage_config("sft", "tiny", warmup_ratio=1.0), "warmup_ratio")):
        with pytest.raises(ValueError, match=name):
            bad()


# ---------------------------------------------------------------------------- the loss

def test_lm_loss_is_the_mean_over_labelled_tokens_for_any_padding():
    model = micro().eval()
    rows = [{"input_ids": [5, 6, 7, 8, 9, 10], "labels": [-100, -100, 7, 8, 9, 10]},
            {"input_ids": [11, 12, 13], "labels": [-100, 12, 13]}]
    with torch.no_grad():
        nll, n = 0.0, 0
        for r in rows:   # each row alone, no padding: the reference
            logits = model(torch.tensor([r["input_ids"]]))[0, :-1]
            target = torch.tensor(r["labels"][1:])
            nll += F.cross_entropy(logits, target, ignore_index=-100, reduction="sum")
            n += int((target != -100).sum())
        right = collate(rows, pad_id=0)
        torch.testing.assert_close(lm_loss(model, right)[0], nll / n)
        # left padding needs the mask (positions and keys); lm_loss passes it then
        left = {"input_ids": torch.tensor([[5, 6, 7, 8, 9, 10], [0, 0, 0, 11, 12, 13]]),
                "labels": torch.tensor([[-100, -100, 7, 8, 9, 10], [-100, -100, -100, -100, 12, 13]]),
                "attention_mask": torch.tensor([[1] * 6, [0, 0, 0, 1, 1, 1]])}
        torch.testing.assert_close(lm_loss(model, left)[0], nll / n)
        # HF-style outputs (.logits), and a batch without labelled tokens is 0, not nan
        hf_style = lambda ids, **kw: SimpleNamespace(logits=model(ids, **kw))  # noqa: E731
        torch.testing.assert_close(lm_loss(hf_style, right)[0], nll / n)
        assert lm_loss(model, {**right, "labels": torch.full_like(right["labels"], -100)})[0] == 0


# ---------------------------------------------------------------------------- training

def sft_examples(tok, n: int = 4) -> list[dict]:
    rows = [{"id": str(i), "agent": "planner", "prompt": render_chat([{"role": "user", "content": q}]), "output": a}
            for i, (q, a) in enumerate([("Do you have a red sedan?", "We have three cars in stock."),
                                        ("What about financing?", "Financing options for next week."),
                                        ("Is a trade-in possible?", "Trade-in appointment with Müller."),
                                        ("Price?", "€25,000 with low mileage.")][:n])]
    return encode_rows(tok, rows, "sft", max_len=256)


def test_loss_falls_and_progress_lines_carry_the_documented_fields(tok, tmp_path, capsys):
    model = micro(tok.vocab_size)
    data = sft_examples(tok)
    config = TrainConfig(lr=3e-3, warmup_ratio=0.1, epochs=30, batch_size=2, max_len=256)
    result = train(model, data, config, tmp_path / "state", pad_id=tok.pad_id, stage="sft", min_interval_s=0.0)
    events = lines(capsys)
    progress = [e for e in events if e["event"] == "progress"]
    assert [e["step"] for e in progress] == list(range(1, 61)) and result.steps == 60 and result.epochs == 30
    for e in progress:
        assert {"stage", "step", "total", "epoch", "loss", "lr", "tokens_per_s", "elapsed_s", "eta_s"} <= e.keys()
        assert e["stage"] == "sft" and e["total"] == 60 and e["ts"].endswith("Z")
    assert progress[0]["epoch"] == 1 and progress[-1]["epoch"] == 30 and progress[-1]["eta_s"] == 0
    assert result.final_loss < 0.4 * progress[0]["loss"]
    assert result.tokens == sum(len(e["input_ids"]) for e in data) * 30 == progress[-1]["tokens"]
    assert events[-1] == {"event": "checkpoint", "ts": events[-1]["ts"], "stage": "sft", "step": 60, "total": 60,
                          "path": str(tmp_path / "state")}

    # throttled: only the first and the last step of a run, checkpoints still all there
    train(micro(tok.vocab_size), data, TrainConfig(lr=3e-3, epochs=5, batch_size=2, save_every=4, max_len=256),
          tmp_path / "quiet", pad_id=tok.pad_id, min_interval_s=3600.0)
    events = lines(capsys)
    assert [(e["event"], e["step"]) for e in events] == [("progress", 1), ("checkpoint", 4), ("checkpoint", 8),
                                                         ("progress", 10), ("checkpoint", 10)]


def test_grad_accumulation_matches_the_bigger_batch(tmp_path):
    # equal-length examples: 2 per batch x 1, or 1 per batch x 2, make the same first optimizer step
    data = [{"input_ids": list(range(3 + i, 13 + i)), "labels": [-100] * 2 + list(range(5 + i, 13 + i))}
            for i in range(4)]
    models, moments = [], []
    for batch_size, grad_accum in ((2, 1), (1, 2)):
        model = micro()
        config = TrainConfig(lr=1e-2, batch_size=batch_size, grad_accum=grad_accum, max_grad_norm=0.0, bucket=0,
                             max_steps=1)
        assert train(model, data, config, tmp_path / f"{batch_size}x{grad_accum}", pad_id=0).steps == 1
        models.append(model.state_dict())
        moments.append(torch.load(tmp_path / f"{batch_size}x{grad_accum}" / "optimizer.pt"))
    # Adam's first update is about lr * sign(g), blind to the gradient's scale, so the
    # moments are compared too: exp_avg = 0.1 g would show a sum where a mean belongs.
    for a, b in zip(moments[0]["state"].values(), moments[1]["state"].values()):
        torch.testing.assert_close(a["exp_avg"], b["exp_avg"], rtol=1e-4, atol=1e-7)
    # where a gradient is ~1e-9, float rounding flips Adam's step (up to lr = 1e-2): atol lr / 10
    for key in models[0]:
        torch.testing.assert_close(models[0][key], models[1][key], rtol=1e-3, atol=1e-3)


def test_lora_dpo_training_saves_only_the_adapters_and_averages_metrics(tmp_path):
    peft = pytest.importorskip("peft")
    from distillery_compute.dpo import dpo_step

    g = torch.Generator().manual_seed(1)
    pairs = []
    for i in range(4):
        prompt = torch.randint(3, 256, (5 + i,), generator=g).tolist()
        chosen, rejected = (torch.randint(3, 256, (4 + k,), generator=g).tolist() for k in range(2))
        pairs.append({"chosen_ids": prompt + chosen, "chosen_labels": [-100] * len(prompt) + chosen,
                      "rejected_ids": prompt + rejected, "rejected_labels": [-100] * len(prompt) + rejected})
    policy = peft.get_peft_model(micro(), peft.LoraConfig(r=4, lora_alpha=8, target_modules=LORA_TARGETS))
    config = TrainConfig(lr=1e-2, batch_size=2, epochs=3)
    result = train(policy, pairs, config, tmp_path / "state", loss_fn=dpo_step, pad_id=0, stage="dpo",
                   min_interval_s=0)
    assert result.steps == 6
    assert {"reward_margin", "preference_accuracy", "chosen_reward"} <= result.metrics.keys()
    assert result.metrics["reward_margin"] > 0
    assert result.tokens == 3 * sum(len(p["chosen_ids"]) + len(p["rejected_ids"]) for p in pairs)
    saved = load_file(tmp_path / "state" / "params.safetensors")
    assert saved and all(".lora_A." in k or ".lora_B." in k for k in saved)
    assert len(saved) == 2 * 7 * 2   # A and B, 7 modules, 2 layers


# ---------------------------------------------------------------------------- resumption

STEPS = 12


def test_killed_run_resumes_to_the_same_parameters(tmp_path, capsys):
    reference, ref_result = job(tmp_path / "a", STEPS)
    again, _ = job(tmp_path / "b", STEPS)
    for key, value in reference.state_dict().items():   # CPU runs are deterministic
        assert torch.equal(value, again.state_dict()[key]), key

    state = tmp_path / "killed"
    child = subprocess.Popen([sys.executable, str(JOB), str(state), str(STEPS), "0.05"],
                             stdout=subprocess.PIPE, text=True)
    try:
        for line in child.stdout:
            event = json.loads(line)
            if event["event"] == "checkpoint" and event["step"] >= 4:
                child.send_signal(signal.SIGKILL)
                break
    finally:
        child.kill()
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    saved = json.loads((state / "state.json").read_text())
    assert 4 <= saved["step"] < STEPS and saved["result"] is None
    (tmp_path / ".killed.tmp-cut").mkdir()                     # what a kill during a save leaves
    (tmp_path / ".killed.tmp-cut" / "params.safetensors").write_bytes(b"\x00" * 10)

    capsys.readouterr()
    model, result = job(state, STEPS)
    first = next(e for e in lines(capsys) if e["event"] == "progress")
    assert first["step"] == saved["step"] + 1 and result.resumed_from == saved["step"]
    for key, value in reference.state_dict().items():
        torch.testing.assert_close(model.state_dict()[key], value, rtol=0, atol=0)
    assert (result.steps, result.tokens, result.final_loss) == (ref_result.steps, ref_result.tokens,
                                                                ref_result.final_loss)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "killed"]

    # finished: a fresh model gets the trained weights and the saved result, nothing is trained
    model, again = job(state, STEPS)
    assert again == result and not [e for e in lines(capsys) if e["event"] == "progress"]
    for key, value in reference.state_dict().items():
        torch.testing.assert_close(model.state_dict()[key], value, rtol=0, atol=0)


def test_a_damaged_or_different_state_is_refused(tmp_path):
    job(tmp_path / "s", STEPS, epochs=1)   # 3 steps in all: saves at step 2 and at the end
    with pytest.raises(ValueError, match=r"different config \(lr 0.003 -> 0.1\)"):
        job(tmp_path / "s", STEPS, epochs=1, lr=0.1)
    with pytest.raises(ValueError, match="other training examples"):
        job(tmp_path / "s", STEPS, epochs=1, data=examples(11))
    params = tmp_path / "s" / "params.safetensors"
    params.write_bytes(params.read_bytes()[:-1] + b"\x01")
    with pytest.raises(ChecksumError, match="params.safetensors"):
        job(tmp_path / "s", STEPS, epochs=1)
    (tmp_path / "s" / "manifest.json").unlink()
    with pytest.raises(ChecksumError, match="manifest.json"):
        job(tmp_path / "s", STEPS, epochs=1)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("not a training state")
    with pytest.raises(ValueError, match="holds no training state"):
        job(tmp_path / "other", STEPS)


def test_examples_longer_than_max_len_are_refused(tmp_path):
    with pytest.raises(ValueError, match="exceed max_len 10"):
        job(tmp_path / "s", 2, max_len=10)
