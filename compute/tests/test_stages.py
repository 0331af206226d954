"""The stages' pieces on micro models: each objective learns, CPT context carries no loss, the CPT merge, LoRA folding.

The whole run through the CLI (resume after a kill, bad input) is in test_cli_train.py.
"""

import json
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from distillery_compute.checkpoint import load_checkpoint
from distillery_compute.data import IGNORE_INDEX, collate, encode_rows
from distillery_compute.expansion import expand_blocks
from distillery_compute.model import ModelArgs, Transformer
from distillery_compute.stages import (RunOptions, StageOutput, cpt, cpt_params, dpo_loss_fn, merged_model,
                                       save_stage, stage_dir, with_lora)
from distillery_compute.training import TrainConfig, lm_loss, stage_config, train

sys.path.insert(0, str(Path(__file__).parent))
from stage_fixtures import fixture_rows  # noqa: E402

ROWS = fixture_rows()


def micro(vocab_size: int, seed: int = 0) -> tuple[Transformer, ModelArgs]:
    torch.manual_seed(seed)
    args = ModelArgs.from_name("micro").replace(vocab_size=vocab_size)
    return Transformer(args), args


def progress_losses(capsys) -> list[float]:
    return [e["loss"] for e in map(json.loads, capsys.readouterr().out.splitlines()) if e["event"] == "progress"]


# ---------------------------------------------------------------------------- each objective learns

def setup_cpt(tok):
    model, args = micro(tok.vocab_size)
    expanded, _, plan = expand_blocks(model, args, every=1)
    return expanded, cpt_params(expanded, plan), lm_loss, encode_rows(tok, ROWS["cpt"][:4], "cpt", 256)


def setup_sft(tok):
    policy, _ = with_lora(micro(tok.vocab_size)[0], "sft", "micro")
    return policy, None, lm_loss, encode_rows(tok, ROWS["sft"][:4], "sft", 256)


def setup_dpo(tok):
    policy, _ = with_lora(micro(tok.vocab_size)[0], "dpo", "micro")
    return policy, None, dpo_loss_fn(0.1), encode_rows(tok, ROWS["dpo"][:4], "dpo", 256)


@pytest.mark.parametrize("stage, setup", [("cpt", setup_cpt), ("sft", setup_sft), ("dpo", setup_dpo)])
def test_each_stage_objective_falls_on_a_fixed_batch(tok, tmp_path, capsys, stage, setup):
    model, params, loss_fn, examples = setup(tok)
    # one batch of all four examples, every step: the stage's parameters, loss and learning rate
    config = TrainConfig(lr=stage_config(stage, "micro").lr, schedule="constant", epochs=12, batch_size=4,
                         max_len=256)
    train(model, examples, config, tmp_path / "state", loss_fn=loss_fn, pad_id=tok.pad_id, params=params,
          stage=stage, min_interval_s=0.0)
    losses = progress_losses(capsys)
    assert len(losses) == 12 and losses[-1] < 0.98 * losses[0], losses


def test_dpo_progress_reports_reward_margin_and_preference_accuracy(tok, tmp_path, capsys):
    policy, _, loss_fn, examples = setup_dpo(tok)
    train(policy, examples, TrainConfig(lr=1e-3, epochs=3, batch_size=4, max_len=256), tmp_path / "state",
          loss_fn=loss_fn, pad_id=tok.pad_id, stage="dpo", min_interval_s=0.0)
    events = [e for e in map(json.loads, capsys.readouterr().out.splitlines()) if e["event"] == "progress"]
    assert events[0]["loss"] == pytest.approx(0.6931, abs=1e-3)   # a fresh adapter is the reference: log 2
    assert events[-1]["reward_margin"] > 0 and 0 <= events[-1]["preference_accuracy"] <= 1


# ---------------------------------------------------------------------------- context-aware CPT

def test_cpt_context_tokens_carry_no_loss_but_condition_the_text(tok):
    model, _ = micro(tok.vocab_size)
    row = ROWS["cpt"][0]
    example = encode_rows(tok, [row], "cpt", 256)[0]   # what the cpt stage trains on
    logits = []
    hook = model.lm_head.register_forward_hook(lambda module, inputs, out: logits.append(out) or out.retain_grad())
    loss, _ = lm_loss(model, collate([example], tok.pad_id))
    loss.backward()
    hook.remove()

    # d loss / d logits[t] is softmax - onehot at every position whose next token is labelled,
    # and exactly zero where the next token is context (or the markers around it)
    grad, labels = logits[0].grad[0], torch.tensor(example["labels"])
    predicts_text = torch.cat([labels[1:] != IGNORE_INDEX, torch.tensor([False])])
    text_tokens = tok.encode(row["text"]) + [tok.eos_id]
    assert int(predicts_text.sum()) == len(text_tokens)
    assert example["input_ids"][-len(text_tokens):] == text_tokens
    assert torch.all(grad[~predicts_text] == 0)
    assert torch.all(grad[predicts_text].abs().sum(-1) > 0)
    assert tok.encode(row["context"])[0] in example["input_ids"][:-len(text_tokens)]

    # the context is still in the input: another context changes the loss on the same text
    other = encode_rows(tok, [{**row, "context": "title: a different page | source: forum"}], "cpt", 256)[0]
    with torch.no_grad():
        assert lm_loss(model, collate([other], tok.pad_id))[0] != pytest.approx(loss.item(), abs=1e-6)


# ---------------------------------------------------------------------------- the CPT merge

@pytest.fixture(scope="module")
def expanded_start(tok_dir, tmp_path_factory) -> tuple[Path, list[int]]:
    """An expanded micro checkpoint (every=1: 2 -> 4 layers) with the tokenizer beside it."""
    from distillery_compute.tokenizer import ChatTokenizer
    model, args = micro(ChatTokenizer.load(tok_dir).vocab_size)
    expanded, new_args, plan = expand_blocks(model, args, every=1)
    options = RunOptions(run_dir=tmp_path_factory.mktemp("start"), preset="micro")
    return save_stage(StageOutput(expanded, new_args), tok_dir, options, "expand"), list(plan.new)


def run_cpt(start: Path, run_dir: Path, merge: str, alpha: float) -> dict[str, torch.Tensor]:
    from distillery_compute.expansion import expansion_plan
    options = RunOptions(run_dir=run_dir, preset="micro", merge=merge, merge_alpha=alpha, max_steps=3)
    output = cpt(options, start, ROWS["cpt"], expansion_plan(2, 1))
    return {k: v.detach().clone() for k, v in output.model.state_dict().items()}


def test_cpt_merge_interpolates_between_the_start_and_the_trained_model(expanded_start, tmp_path, capsys):
    start_path, new_blocks = expanded_start
    start = load_checkpoint(start_path, dtype=torch.float32)[0].state_dict()
    trained = run_cpt(start_path, tmp_path / "a1", "linear", 1.0)
    # alpha 1 is the trained model: the start with the state's trained parameters (new blocks only)
    state = load_file(tmp_path / "a1" / "cpt" / "state" / "params.safetensors")
    assert state and all(k.startswith(tuple(f"model.layers.{j}." for j in new_blocks)) for k in state)
    for key, value in trained.items():
        torch.testing.assert_close(value, state.get(key, start[key]), rtol=0, atol=0)
    assert any(not torch.equal(state[k], start[k]) for k in state)

    # alpha 0 is the start; 0.5 the midpoint; task arithmetic with one task vector is the same line
    for key, value in run_cpt(start_path, tmp_path / "a0", "linear", 0.0).items():
        torch.testing.assert_close(value, start[key], rtol=0, atol=0)
    half = run_cpt(start_path, tmp_path / "a5", "linear", 0.5)
    arithmetic = run_cpt(start_path, tmp_path / "t5", "task-arithmetic", 0.5)
    for key in start:
        torch.testing.assert_close(half[key], 0.5 * start[key] + 0.5 * trained[key])
        torch.testing.assert_close(arithmetic[key], half[key])
    assert stage_dir(RunOptions(run_dir=tmp_path / "a5", preset="micro"), "cpt").is_dir()


# ---------------------------------------------------------------------------- LoRA folding

def test_sft_lora_merged_equals_unmerged_in_the_forward_pass():
    model, args = micro(320)
    peft_model, rank = with_lora(model, "sft", "micro")
    assert rank == 16
    for name, param in peft_model.named_parameters():
        if "lora_B" in name:   # a fresh adapter is zero: give it something to fold
            torch.nn.init.normal_(param, std=0.05)
    tokens = torch.randint(0, args.vocab_size, (2, 10))
    with torch.no_grad():
        unmerged = peft_model(tokens)
        merged = merged_model(peft_model, args)
        torch.testing.assert_close(merged(tokens), unmerged, rtol=1e-5, atol=1e-5)
    assert type(merged) is Transformer and not any("lora" in k for k in merged.state_dict())


# ---------------------------------------------------------------------------- held-out outputs beside the metrics

@pytest.fixture(scope="module")
def micro_base(tok_dir, tmp_path_factory) -> Path:
    """A micro checkpoint (untrained) with the tokenizer beside it, as a --base."""
    from distillery_compute.tokenizer import ChatTokenizer
    model, args = micro(ChatTokenizer.load(tok_dir).vocab_size, seed=3)
    return save_stage(StageOutput(model, args), tok_dir, RunOptions(run_dir=tmp_path_factory.mktemp("base"), preset="micro"),
                      "import")


def read_outputs(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_base_and_each_stage_write_their_decoded_outputs_and_expand_copies_the_bases(micro_base, tmp_path, capsys):
    from distillery_compute.evaluate import OUTPUT_HEADROOM, held_out_texts, rows_to_decode
    from distillery_compute.stages import EVAL_OUTPUTS, evaluate_base, load_start, measure, run_stage
    options = RunOptions(run_dir=tmp_path, preset="micro", eval_limit=4, expand_every=1)
    rows = {"eval": ROWS["eval"]}
    base_metrics, skipped = evaluate_base(options, rows, micro_base)
    assert not skipped and base_metrics["decoded_rows"] == 4

    # the decoded rows, each role in turn, with the text greedy decoding gives the checkpoint as saved
    outputs = read_outputs(tmp_path / "base" / EVAL_OUTPUTS)
    decoded = rows_to_decode(ROWS["eval"], 4)
    assert [(o["id"], o["agent"]) for o in outputs] == [(r["id"], r["agent"]) for r in decoded]
    model, _, tok = load_start(micro_base, options)
    max_len = stage_config("sft", "micro").max_len
    assert [o["output"] for o in outputs] == held_out_texts(model, tok, decoded, max_len, headroom=OUTPUT_HEADROOM)
    assert base_metrics["exact_match"] == sum(o["output"].strip() == r["output"].strip()
                                              for o, r in zip(outputs, decoded)) / 4

    # expand computes the base's logits exactly: its figures and outputs are the base's, copied
    ckpt, metrics, _ = run_stage("expand", options, rows, micro_base, None, base_metrics)
    assert metrics["eval_from"] == "base"
    assert (tmp_path / "expand" / EVAL_OUTPUTS).read_bytes() == (tmp_path / "base" / EVAL_OUTPUTS).read_bytes()

    # a measured stage writes its own beside its metrics (here the expanded checkpoint, measured)
    measured = measure(ckpt, ROWS["eval"], options, "sft")
    assert measured["decoded_rows"] == 4
    assert read_outputs(tmp_path / "sft" / EVAL_OUTPUTS) == outputs


def test_held_out_phrasing_rows_are_decoded_after_every_measured_stage_without_their_loss(micro_base, tmp_path, capsys):
    from distillery_compute.evaluate import rows_to_decode
    from distillery_compute.stages import EVAL_OUTPUTS, HELDOUT_OUTPUTS, run
    # short answers (an untrained model decodes up to twice the target's length); other phrasings
    evaluation = [{**row, "output": "Booked."} for row in ROWS["eval"]]
    heldout = [{**row, "id": f"heldout_{row['id']}", "prompt": row["prompt"].replace("can I", "could I"),
                "output": "Booked."} for row in ROWS["sft"][:5]]
    rows = {"sft": ROWS["sft"][:4], "eval": evaluation, "eval_heldout": heldout}
    inputs = {name: tmp_path / f"{name}.jsonl" for name in rows}
    for name, path in inputs.items():
        path.write_text("".join(json.dumps(row) + "\n" for row in rows[name]))
    options = RunOptions(run_dir=tmp_path / "run", preset="micro", stages=("expand", "sft"), expand_every=1,
                         max_steps=1, eval_limit=2)
    report = run(options, rows, inputs, micro_base)

    metrics = {entry["stage"]: entry["metrics"] for entry in report["stages"]}
    assert list(metrics) == ["base", "expand", "sft"]
    decoded = rows_to_decode(heldout, 2)
    for stage, figures in metrics.items():
        # the first --eval-limit held-out-phrasing rows, roles in turn, beside the eval rows' outputs
        outputs = read_outputs(tmp_path / "run" / stage / HELDOUT_OUTPUTS)
        assert [(o["id"], o["agent"]) for o in outputs] == [(r["id"], r["agent"]) for r in decoded]
        assert (tmp_path / "run" / stage / EVAL_OUTPUTS).is_file()
        assert figures["heldout_decoded_rows"] == 2 and figures["heldout_eval_rows"] == len(heldout)
        assert figures["heldout_exact_match"] == sum(o["output"].strip() == r["output"].strip()
                                                     for o, r in zip(outputs, decoded)) / 2
        assert {f"heldout_exact_match.{r['agent']}" for r in decoded} <= figures.keys()
        # decoded only: no loss is measured on them, while the eval rows' loss still is
        assert not any(key.startswith("heldout_held_out_loss") for key in figures)
        assert "held_out_loss" in figures
    # expand computes the base's logits exactly: its held-out-phrasing figures and outputs are the base's
    run_dir = tmp_path / "run"
    assert (run_dir / "expand" / HELDOUT_OUTPUTS).read_bytes() == (run_dir / "base" / HELDOUT_OUTPUTS).read_bytes()
    assert {k: v for k, v in metrics["expand"].items() if k.startswith("heldout_")} == \
        {k: v for k, v in metrics["base"].items() if k.startswith("heldout_")}
    # the run records the input: a resume with another file is refused
    assert "eval_heldout" in json.loads((tmp_path / "run" / "run.json").read_text())["inputs"]
