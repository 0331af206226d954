"""bench/table1.py's core on a micro student saved to disk as the real ones are: a BF16 checkpoint, an
untrained EAGLE-3 drafter and an FP8 quantize run (student/, drafter/). Run in float64 so that
verifying a draft and decoding one token cannot disagree on a near tie: speculative rows must give
the plain rows' outputs token for token."""

import copy
import json
import random
import sys
from pathlib import Path

import pytest
import torch

from distillery_compute.checkpoint import save_checkpoint
from distillery_compute.eagle.drafter import DrafterConfig, Eagle3Drafter, save_drafter
from distillery_compute.eagle.vocab import vocab_maps
from distillery_compute.fp8.calibrate import observe, quantizable, quantize_model
from distillery_compute.fp8.export import quantization_config
from distillery_compute.model import ModelArgs, Transformer, init_weights

sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
import table1  # noqa: E402

ARGS = ModelArgs.from_name("micro").replace(vocab_size=384, max_seq_len=256, n_layers=8)
WORDS = "the customer wants a red sedan with low mileage and asks about financing options".split()


@pytest.fixture(scope="module")
def artifacts(tok_dir, tmp_path_factory) -> table1.Artifacts:
    out = tmp_path_factory.mktemp("table1")
    torch.manual_seed(0)
    model = Transformer(ARGS)
    model.apply(lambda m: init_weights(m, std=0.3))
    model = model.double().eval()
    files = {name: (tok_dir / name).read_bytes() for name in ("tokenizer.json", "tokenizer_config.json")}
    student = save_checkpoint(model, ARGS, out / "student", extra_files=files)
    d2t, t2d = vocab_maps(torch.rand(ARGS.vocab_size), 96)
    drafter = save_drafter(Eagle3Drafter(DrafterConfig.for_target(ARGS, 96), d2t, t2d).attach(model).eval(),
                           out / "drafter")
    fp8 = copy.deepcopy(model)
    rng = random.Random(3)
    calibration = [[rng.randrange(8, ARGS.vocab_size) for _ in range(40)] for _ in range(4)]
    quantize_model(fp8, quantizable(fp8), observe(model, quantizable(model), calibration))
    save_checkpoint(fp8, ARGS, out / "q" / "student", extra_files=files,
                    extra_config={"quantization_config": quantization_config(["lm_head"])})
    save_drafter(Eagle3Drafter(DrafterConfig.for_target(ARGS, 96), d2t, t2d).attach(fp8).eval(), out / "q" / "drafter")
    return table1.Artifacts(checkpoint={"bf16": student, "fp8": out / "q" / "student"},
                            drafter={"bf16": drafter, "fp8": out / "q" / "drafter"})


@pytest.fixture(scope="module")
def eval_rows(tmp_path_factory) -> Path:
    rng = random.Random(5)
    rows = []
    for i, agent in enumerate(("understander", "planner", "planner")):   # the third repeats the second's prompt
        prompt = f"<|system|>\nYou are the {agent}.\n<|user|>\n" + " ".join(rng.choice(WORDS) for _ in range(12))
        rows.append({"id": f"turn_{i}:call_1", "agent": agent, "prompt": rows[-1]["prompt"] if i == 2 else prompt,
                     "output": "a red sedan"})
    path = tmp_path_factory.mktemp("rows") / "eval.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def table(artifacts, eval_rows):
    calls = table1.read_calls(eval_rows, 8)
    source = table1.EngineSource(artifacts, device="cpu", dtype=torch.float64, max_seqs=2,
                                 num_blocks=table1.kv_blocks_for(calls, concurrency=2, max_tokens=8))
    return calls, table1.run_table(source, calls, concurrency=2, max_tokens=8), source


def test_the_calls_are_the_first_distinct_prompts(eval_rows):
    calls = table1.read_calls(eval_rows, 8)
    assert [c.id for c in calls] == ["turn_0:call_1", "turn_1:call_1"]
    assert [c.id for c in table1.read_calls(eval_rows, 1)] == ["turn_0:call_1"]


def test_every_configuration_has_its_row_and_speculation_keeps_the_plain_outputs(table):
    calls, rows, _ = table
    by = {r.config: r for r in rows}
    assert list(by) == [c.name for c in table1.CONFIGS]
    for row in rows:
        assert row.skipped is None, row.skipped
        assert [c["id"] for c in row.calls] == [c.id for c in calls]
        assert all(c["seconds"] > 0 and 1 <= len(c["token_ids"]) <= 8 for c in row.calls)
    for name, plain in (("eagle-chain", "bf16"), ("eagle-tree", "bf16"), ("eagle-chain+fp8", "fp8"),
                        ("eagle-tree+fp8", "fp8")):
        assert by[name].compared_with == plain and by[name].identical == len(calls)
        assert [c["token_ids"] for c in by[name].calls] == [c["token_ids"] for c in by[plain].calls]
        assert by[name].mean_accepted_length >= 1
    assert by["fp8"].compared_with == "bf16" and by["bf16"].compared_with is None


def test_a_row_whose_artifacts_are_missing_is_skipped_with_the_reason(artifacts, eval_rows, tmp_path):
    calls = table1.read_calls(eval_rows, 1)
    broken = table1.Artifacts(checkpoint={"bf16": artifacts.checkpoint["bf16"], "fp8": tmp_path / "nothing"},
                              drafter={"bf16": None, "fp8": None})
    source = table1.EngineSource(broken, device="cpu", dtype=torch.float64, max_seqs=1)
    rows = {r.config: r for r in table1.run_table(source, calls, concurrency=1, max_tokens=4, rounds=2)}
    assert rows["bf16"].skipped is None
    assert len(rows["bf16"].round_seconds) == 2 and rows["bf16"].seconds == pytest.approx(min(rows["bf16"].round_seconds), abs=1e-3)
    assert "no drafter for the bf16 student" in rows["eagle-chain"].skipped
    assert "nothing" in rows["fp8"].skipped


def test_the_markdown_and_the_teacher_rows(table, tmp_path):
    calls, rows, source = table
    teacher = {"teachers": [{"name": "reference", "model": "reference-policy", "wallSeconds": 0.002,
                             "calls": [{"id": c.id, "agent": c.agent, "seconds": 0.001, "output": "a red sedan"}
                                       for c in calls]}],
               "skipped": [{"name": "openai x", "reason": "network"}]}
    (tmp_path / "teacher.json").write_text(json.dumps(teacher))
    count = lambda text: len(source.tokenizer.encode(text))  # noqa: E731
    teachers = table1.teacher_rows(table1.read_teacher_json(tmp_path / "teacher.json", calls), count)
    assert teachers[0].calls[0]["output_tokens"] == count("a red sedan") and teachers[1].skipped == "network"
    text = table1.render(teachers + rows, calls)
    lines = text.splitlines()
    assert lines[2].startswith("| teacher: reference | reference-policy | – |") and lines[2].endswith("| – | 2/2 | – |")
    assert "| bf16 | plain | – |" in text and "| 1.00x | – |" in text
    assert f"| {len(calls)}/{len(calls)} vs bf16 |" in text and "| teacher: openai x | - | skipped: network |" in text
    assert "| configuration | planner (1) | understander (1) |" in text
    teacher["teachers"][0]["calls"] = teacher["teachers"][0]["calls"][:1]
    (tmp_path / "teacher.json").write_text(json.dumps(teacher))
    with pytest.raises(table1.TableInputError, match="not this table's 2"):
        table1.read_teacher_json(tmp_path / "teacher.json", calls)
    assert json.dumps(table1.to_json(teachers + rows, calls, {}))   # every figure serialises
