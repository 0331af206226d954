"""`python -m distillery_compute train` as the trainer service runs it: micro preset, the fixture datasets.

Child-process runs are marked slow (about 15 s each on 2 cores); the input checks run in-process.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from distillery_compute.__main__ import main
from distillery_compute.checkpoint import load_checkpoint
from distillery_compute.tokenizer import ChatTokenizer

sys.path.insert(0, str(Path(__file__).parent))
from stage_fixtures import write_dataset  # noqa: E402

STAGES = ["bootstrap", "expand", "cpt", "sft", "dpo"]
ROLES = ("planner", "understander", "explainer")


def argv(data: dict[str, Path], run_dir: Path, *extra: str) -> list[str]:
    return ["train", "--run-dir", str(run_dir), "--preset", "micro", "--cpt", str(data["cpt"]), "--sft", str(data["sft"]),
            "--dpo", str(data["dpo"]), "--eval", str(data["eval"]), "--max-steps", "10", "--save-every", "4",
            "--expand-every", "1", "--eval-limit", "6", *extra]


def command(data: dict[str, Path], run_dir: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "distillery_compute", *argv(data, run_dir, *extra)]


def protocol(stdout: str) -> list[dict]:
    """Every stdout line is one JSON object with an event and a timestamp."""
    events = [json.loads(line) for line in stdout.splitlines()]
    assert events and all(isinstance(e, dict) and {"event", "ts"} <= e.keys() for e in events)
    return events


def changed(args: list[str], flag: str, value: str) -> list[str]:
    args = list(args)
    if flag in args:
        args[args.index(flag) + 1] = value
    else:
        args += [flag, value]
    return args


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict[str, Path]:
    return write_dataset(tmp_path_factory.mktemp("dataset"))


@pytest.fixture(scope="module")
def finished_run(data, tmp_path_factory) -> tuple[Path, list[dict]]:
    run_dir = tmp_path_factory.mktemp("finished") / "run"
    done = subprocess.run(command(data, run_dir), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return run_dir, protocol(done.stdout)


# ---------------------------------------------------------------------------- a whole run

@pytest.mark.slow
def test_a_run_writes_every_stage_a_report_and_a_student_transformers_loads(finished_run):
    run_dir, events = finished_run
    stage_events = [(e["event"], e["stage"]) for e in events if e["event"] in ("stage_start", "stage_done")]
    assert stage_events == [(kind, s) for s in STAGES for kind in ("stage_start", "stage_done")]
    assert all("stage" in e for e in events if e["event"] in ("progress", "checkpoint"))
    done = events[-1]
    assert done["event"] == "done" and done["student"] == str(run_dir / "student")
    assert done["report"] == str(run_dir / "report.json") and [s["stage"] for s in done["stages"]] == STAGES

    report = json.loads((run_dir / "report.json").read_text())
    assert report["student"] == str(run_dir / "student") and Path(report["tokenizer"]).is_file()
    metrics = {s["stage"]: s["metrics"] for s in report["stages"]}
    for stage in STAGES:   # the quality figures after every stage, overall and per agent role
        assert Path(report["stages"][STAGES.index(stage)]["checkpoint"]) == run_dir / stage / "checkpoint"
        assert {"held_out_loss", "exact_match"} <= metrics[stage].keys()
        assert all(f"exact_match.{r}" in metrics[stage] and f"held_out_loss.{r}" in metrics[stage] for r in ROLES)
        # and its decoded held-out outputs beside its metrics, one a decoded row
        outputs = [json.loads(line) for line in (run_dir / stage / "eval_outputs.jsonl").read_text().splitlines()]
        assert len(outputs) == metrics[stage]["decoded_rows"] == 6 and {o["agent"] for o in outputs} == set(ROLES)
    assert metrics["expand"]["layers_after"] == 2 * metrics["expand"]["layers_before"] == 4
    # expansion is an identity, and evaluation reads the saved checkpoints: the same figures
    assert metrics["expand"]["held_out_loss"] == metrics["bootstrap"]["held_out_loss"]
    assert {"train_loss", "reward_margin", "preference_accuracy", "lora_rank"} <= metrics["dpo"].keys()
    dpo_progress = [e for e in events if e["event"] == "progress" and e["stage"] == "dpo"]
    assert dpo_progress and {"reward_margin", "preference_accuracy", "loss", "lr"} <= dpo_progress[-1].keys()

    student = run_dir / "student"
    for name in ("config.json", "model.safetensors", "manifest.json", "tokenizer.json", "tokenizer_config.json"):
        assert (student / name).read_bytes() == (run_dir / "dpo" / "checkpoint" / name).read_bytes()
    assert all(v.dtype == torch.bfloat16 for v in load_file(student / "model.safetensors").values())
    ours, args = load_checkpoint(student, dtype=torch.float32)
    transformers = pytest.importorskip("transformers")
    theirs = transformers.LlamaForCausalLM.from_pretrained(student, torch_dtype=torch.float32)
    tokens = torch.tensor([ChatTokenizer.load(student).encode_prompt("<|user|>\nCan I test drive the RAV4?")])
    with torch.no_grad():
        torch.testing.assert_close(ours(tokens), theirs(tokens).logits, rtol=1e-4, atol=1e-4)


@pytest.mark.slow
def test_a_killed_run_resumes_and_ends_with_the_same_student(data, finished_run, tmp_path):
    run_dir = tmp_path / "run"
    child = subprocess.Popen(command(data, run_dir), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in child.stdout:
        event = json.loads(line)
        if event["event"] == "checkpoint" and event["stage"] == "sft":
            child.kill()   # SIGKILL, mid-stage
            break
    child.wait()
    assert child.returncode == -9, "the run ended before it could be killed"
    assert not (run_dir / "sft" / "metrics.json").exists()

    again = subprocess.run(command(data, run_dir), capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    events = protocol(again.stdout)
    skipped = {e["stage"]: e["skipped"] for e in events if e["event"] == "stage_done"}
    assert skipped == {"bootstrap": True, "expand": True, "cpt": True, "sft": False, "dpo": False}
    assert next(e for e in events if e["event"] == "progress" and e["stage"] == "sft")["step"] > 1
    assert json.loads((run_dir / "sft" / "metrics.json").read_text())["resumed_from"] >= 4
    reference = load_file(finished_run[0] / "student" / "model.safetensors")
    student = load_file(run_dir / "student" / "model.safetensors")
    assert student.keys() == reference.keys()
    for key, value in student.items():
        torch.testing.assert_close(value, reference[key], rtol=0, atol=0)

    # and once more: nothing left to do
    third = subprocess.run(command(data, run_dir), capture_output=True, text=True, timeout=600)
    assert third.returncode == 0, third.stderr
    assert all(e["skipped"] for e in protocol(third.stdout) if e["event"] == "stage_done")
    assert load_file(run_dir / "student" / "model.safetensors").keys() == student.keys()


@pytest.mark.slow
def test_a_given_base_is_measured_first_and_trained_from(data, finished_run, tmp_path, capsys):
    base = finished_run[0] / "student"
    assert main(argv(data, tmp_path / "run", "--base", str(base), "--stages", "sft", "--max-steps", "2")) == 0
    events = protocol(capsys.readouterr().out)
    assert [e["stage"] for e in events if e["event"] == "stage_done"] == ["base", "sft"]
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    base_metrics = report["stages"][0]["metrics"]
    # the base is the finished run's student, measured the same way
    finished = {s["stage"]: s["metrics"] for s in json.loads((finished_run[0] / "report.json").read_text())["stages"]}
    for key in ("held_out_loss", "exact_match", "held_out_loss.planner"):
        assert base_metrics[key] == pytest.approx(finished["dpo"][key], abs=1e-6)
    assert report["stages"][1]["metrics"]["steps"] == 2


@pytest.mark.slow
def test_expand_reports_its_starts_figures_which_measuring_it_gives(data, finished_run, tmp_path, capsys):
    """Zero-output blocks compute the base's logits exactly: expand takes the base's figures
    instead of measuring again, and measuring its checkpoint gives those figures."""
    from distillery_compute.data import read_jsonl
    from distillery_compute.stages import RunOptions, measure

    base = finished_run[0] / "student"
    assert main(argv(data, tmp_path / "run", "--base", str(base), "--stages", "expand,sft", "--max-steps", "1",
                     "--eval-rows", "4", "--eval-limit", "3")) == 0
    stages = {s["stage"]: s["metrics"] for s in json.loads((tmp_path / "run" / "report.json").read_text())["stages"]}
    assert stages["expand"]["eval_from"] == "base" and "eval_from" not in stages["sft"]
    assert (stages["base"]["eval_rows"], stages["base"]["decoded_rows"]) == (4, 3)
    measured = measure(tmp_path / "run" / "expand" / "checkpoint", read_jsonl(data["eval"], "sft"),
                       RunOptions(run_dir=tmp_path / "run", preset="micro", eval_limit=3, eval_rows=4), "remeasured")
    for key, value in measured.items():
        assert stages["expand"][key] == stages["base"][key] == pytest.approx(value, abs=1e-6), key
    # so are its outputs: copied from the base's, and what measuring it decodes
    outputs = {name: (tmp_path / "run" / name / "eval_outputs.jsonl").read_text() for name in ("base", "expand", "remeasured")}
    assert outputs["expand"] == outputs["base"] == outputs["remeasured"] and len(outputs["base"].splitlines()) == 3


# ---------------------------------------------------------------------------- bad input

@pytest.mark.slow
def test_bad_input_exits_2_with_one_line_on_stderr_and_nothing_on_stdout(data, tmp_path):
    done = subprocess.run(command(data, tmp_path / "run", "--sft", "/nonexistent.jsonl"), capture_output=True,
                          text=True, timeout=120)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines() == ["distillery_compute train: --sft /nonexistent.jsonl: no such file"]
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("flag, value, message", [
    ("--preset", "nano", "unknown preset 'nano'"),
    ("--preset", "llama-3.1-8b", "preset 'llama-3.1-8b' needs --base"),
    ("--stages", "expand,rlhf", "unknown stage(s) rlhf"),
    ("--eval", "/nonexistent.jsonl", "--eval /nonexistent.jsonl: no such file"),
    ("--eval-heldout", "/nonexistent.jsonl", "--eval-heldout /nonexistent.jsonl: no such file"),
    ("--expand-every", "0", "--expand-every must be >= 1"),
    ("--merge-alpha", "1.5", "--merge-alpha must be in [0, 1]"),
    ("--base", "/nonexistent", "--base /nonexistent: no config.json"),
])
def test_bad_arguments_are_named(data, tmp_path, capsys, flag, value, message):
    assert main(changed(argv(data, tmp_path / "run"), flag, value)) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"distillery_compute train: {message}") and len(err.splitlines()) == 1


def test_held_out_phrasing_rows_need_the_eval_rows(data, tmp_path, capsys):
    args = argv(data, tmp_path / "run", "--eval-heldout", str(data["eval"]))
    del args[args.index("--eval"):args.index("--eval") + 2]
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("distillery_compute train: --eval-heldout needs --eval") and len(err.splitlines()) == 1


def test_a_bad_row_is_named_with_file_and_line(data, tmp_path, capsys):
    broken = tmp_path / "dpo.jsonl"
    pair = {"id": "x", "agent": "planner", "prompt": "p", "chosen": "a", "rejected": "a"}
    broken.write_text(data["dpo"].read_text().splitlines()[0] + "\n" + json.dumps(pair) + "\n")
    assert main(changed(argv(data, tmp_path / "run"), "--dpo", str(broken))) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"distillery_compute train: {broken}:2: field 'rejected' equals 'chosen' (a pair must differ)\n"


@pytest.mark.slow
def test_a_run_dir_refuses_other_settings(data, finished_run, capsys):
    assert main(changed(argv(data, finished_run[0]), "--seed", "1")) == 2
    out, err = capsys.readouterr()
    assert out == "" and "holds a run with other settings (seed differ)" in err
