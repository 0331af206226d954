"""data.py: JSONL validation, loss masks of the three formats, truncation, padding, deterministic batches.

    compute/.venv/bin/python -m pytest compute/tests/test_data.py -q
"""

import json

import pytest
import torch

from distillery_compute.data import (IGNORE_INDEX, DatasetError, batches, collate, collate_pairs, encode_cpt,
                                     encode_dpo, encode_rows, encode_sft, epoch_batches, lengths, load_examples,
                                     read_jsonl, token_stats)
from distillery_compute.dpo import pair_logprobs
from distillery_compute.model import ModelArgs, Transformer
from distillery_compute.tokenizer import render_chat

PROMPT = render_chat([{"role": "system", "content": "You are the planner agent."},
                      {"role": "user", "content": "I want a red sedan with low mileage."}])
SFT = {"id": "s1", "agent": "planner", "prompt": PROMPT, "output": "We have three cars in stock 🚗."}
DPO = {"id": "d1", "agent": "planner", "prompt": PROMPT, "chosen": "We have three cars in stock.",
       "rejected": "No."}
CPT = {"id": "c1", "context": "Dealership inventory notes, week 12", "text": "The customer asks about financing."}


def labelled(example: dict, ids: str = "input_ids", labels: str = "labels") -> list[int]:
    """The tokens that carry loss; checks they are a contiguous tail equal to the input ids there."""
    lab = example[labels]
    first = next(i for i, v in enumerate(lab) if v != IGNORE_INDEX)
    assert all(v != IGNORE_INDEX for v in lab[first:]) and all(v == IGNORE_INDEX for v in lab[:first])
    assert lab[first:] == example[ids][first:]
    return lab[first:]


def write_jsonl(path, rows) -> None:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))


# ---------------------------------------------------------------------------- reading

def test_read_jsonl_valid(tmp_path):
    write_jsonl(tmp_path / "sft.jsonl", [SFT, "", "   ", {**SFT, "id": "s2", "extra": 1}])
    rows = read_jsonl(tmp_path / "sft.jsonl", "sft")
    assert [r["id"] for r in rows] == ["s1", "s2"]
    write_jsonl(tmp_path / "cpt.jsonl", [{**CPT, "context": ""}])
    assert read_jsonl(tmp_path / "cpt.jsonl", "cpt")[0]["context"] == ""


@pytest.mark.parametrize("bad,message", [
    ({k: v for k, v in SFT.items() if k != "output"}, "sft.jsonl:3: missing field 'output'"),
    ({**SFT, "agent": 7}, "sft.jsonl:3: field 'agent' must be a string, got int"),
    ({**SFT, "prompt": ""}, "sft.jsonl:3: field 'prompt' is empty"),
    ('{"id": "x", ', "sft.jsonl:3: not valid JSON"),
    ("[1, 2]", "sft.jsonl:3: expected a JSON object, got list"),
    ({**SFT, "id": "s1"}, r"sft.jsonl:3: duplicate id 's1' \(first on line 1\)"),
])
def test_read_jsonl_names_file_line_and_field(tmp_path, bad, message):
    write_jsonl(tmp_path / "sft.jsonl", [SFT, "", bad])
    with pytest.raises(DatasetError, match=message):
        read_jsonl(tmp_path / "sft.jsonl", "sft")


def test_read_jsonl_dpo_and_kind(tmp_path):
    write_jsonl(tmp_path / "dpo.jsonl", [DPO, {**DPO, "id": "d2", "rejected": DPO["chosen"]}])
    with pytest.raises(DatasetError, match="dpo.jsonl:2: field 'rejected' equals 'chosen'"):
        read_jsonl(tmp_path / "dpo.jsonl", "dpo")
    with pytest.raises(ValueError, match="unknown dataset kind 'rl'"):
        read_jsonl(tmp_path / "dpo.jsonl", "rl")


# ---------------------------------------------------------------------------- encoding

def test_encode_sft(tok):
    ex = encode_sft(tok, SFT, max_len=512)
    assert set(ex) == {"input_ids", "labels"}
    assert tok.decode(ex["input_ids"]) == "<|bos|>" + PROMPT + "\n<|assistant|>\n" + SFT["output"] + "<|end|>"
    assert tok.decode(labelled(ex)) == SFT["output"] + "<|end|>"
    n_prompt = len(ex["labels"]) - len(labelled(ex))
    assert ex["input_ids"][:n_prompt] == tok.encode_prompt(PROMPT)      # exactly what serving feeds the model


def test_encode_sft_truncates_prompt_from_the_left(tok):
    long_prompt = render_chat([{"role": "user", "content": f"turn {i}: the customer asks again."}
                               for i in range(40)])
    row = {**SFT, "prompt": long_prompt}
    full, cut = encode_sft(tok, row, max_len=10_000), encode_sft(tok, row, max_len=64)
    assert len(cut["input_ids"]) == 64 < len(full["input_ids"])
    assert cut["input_ids"][0] == tok.bos_id
    assert labelled(cut) == labelled(full)                           # output + <|end|> intact
    assert cut["input_ids"][1:] == full["input_ids"][-63:]            # the most recent context stays
    assert tok.decode(cut["input_ids"]).endswith("turn 39: the customer asks again.\n<|assistant|>\n"
                                                  + SFT["output"] + "<|end|>")


def test_encode_sft_cuts_an_output_that_alone_is_too_long(tok):
    row = {**SFT, "output": "the customer wants a red sedan " * 40}
    ex = encode_sft(tok, row, max_len=32)
    marker = tok.encode("\n<|assistant|>\n")
    assert len(ex["input_ids"]) == 32
    assert ex["input_ids"][:1 + len(marker)] == [tok.bos_id] + marker
    out = labelled(ex)
    assert tok.eos_id not in out and len(out) == 32 - 1 - len(marker)
    assert out == tok.encode(row["output"])[:len(out)]
    with pytest.raises(ValueError, match="max_len"):
        encode_sft(tok, row, max_len=len(marker) + 1)


def test_encode_dpo(tok):
    ex = encode_dpo(tok, DPO, max_len=512)
    assert list(ex) == ["chosen_ids", "chosen_labels", "rejected_ids", "rejected_labels"]
    chosen, rejected = labelled(ex, "chosen_ids", "chosen_labels"), labelled(ex, "rejected_ids", "rejected_labels")
    assert tok.decode(chosen) == DPO["chosen"] + "<|end|>"
    assert tok.decode(rejected) == DPO["rejected"] + "<|end|>"
    prompt = tok.encode_prompt(PROMPT)
    assert ex["chosen_ids"][:len(prompt)] == ex["rejected_ids"][:len(prompt)] == prompt
    assert ex["chosen_labels"][:len(prompt)] == ex["rejected_labels"][:len(prompt)] == [IGNORE_INDEX] * len(prompt)
    # truncation keeps one prompt for both sides, fitted to the longer response
    cut = encode_dpo(tok, DPO, max_len=40)
    n = len(cut["rejected_ids"]) - len(labelled(cut, "rejected_ids", "rejected_labels"))
    assert len(cut["chosen_ids"]) == 40 and cut["chosen_ids"][:n] == cut["rejected_ids"][:n]
    assert labelled(cut, "chosen_ids", "chosen_labels") == chosen


def test_encode_cpt_masks_exactly_the_context(tok):
    ex = encode_cpt(tok, CPT, max_len=512)
    text = labelled(ex)
    assert tok.decode(ex["input_ids"]) == \
        f"<|bos|><|context|>\n{CPT['context']}\n<|document|>\n{CPT['text']}<|end|>"
    assert tok.decode(text) == CPT["text"] + "<|end|>"
    assert tok.decode(text[:1]) == CPT["text"][:len(tok.decode(text[:1]))] != ""   # first loss token starts the text
    prefix = ex["input_ids"][:len(ex["input_ids"]) - len(text)]
    assert tok.decode(prefix) == f"<|bos|><|context|>\n{CPT['context']}\n<|document|>\n"

    empty = encode_cpt(tok, {**CPT, "context": ""}, max_len=512)
    assert tok.decode(empty["input_ids"]) == f"<|bos|><|context|>\n\n<|document|>\n{CPT['text']}<|end|>"
    assert labelled(empty) == text


def test_encode_cpt_truncation(tok):
    long_text = "the customer asks about financing options for next week " * 20
    ex = encode_cpt(tok, {**CPT, "text": long_text}, max_len=64)
    assert len(ex["input_ids"]) == 64
    assert CPT["context"] in tok.decode(ex["input_ids"])                  # context kept whole
    text = labelled(ex)
    assert tok.eos_id not in text and text == tok.encode(long_text)[:len(text)]

    # a context that alone overflows is cut from its end, leaving the text half the room
    long_context = "inventory notes: red sedan, low mileage, " * 30
    ex = encode_cpt(tok, {**CPT, "context": long_context, "text": long_text}, max_len=64)
    head, tail = tok.encode("<|context|>\n"), tok.encode("\n<|document|>\n")
    room = 64 - 1 - len(head) - len(tail)
    assert len(ex["input_ids"]) == 64 and len(labelled(ex)) == room // 2
    context = ex["input_ids"][1 + len(head):64 - room // 2 - len(tail)]
    assert context == tok.encode(long_context)[:len(context)]

    # a short text with a long context keeps the whole text and its <|end|>
    ex = encode_cpt(tok, {**CPT, "context": long_context}, max_len=64)
    assert len(ex["input_ids"]) == 64 and tok.decode(labelled(ex)) == CPT["text"] + "<|end|>"


def test_foreign_tokenizer_sft(foreign_tok):
    ex = encode_sft(foreign_tok, SFT, max_len=1024)
    eos = foreign_tok.token_to_id("</s>")
    assert ex["input_ids"][-1] == eos and ex["input_ids"][0] != eos     # eos from the config, no bos
    assert foreign_tok.decode(ex["input_ids"]) == PROMPT + "\n<|assistant|>\n" + SFT["output"] + "</s>"
    assert foreign_tok.decode(labelled(ex)) == SFT["output"] + "</s>"
    prompt_ids = ex["input_ids"][:len(ex["input_ids"]) - len(labelled(ex))]
    assert prompt_ids == foreign_tok.encode(PROMPT + "\n<|assistant|>\n")   # role markers as plain text
    assert len(foreign_tok.encode("<|assistant|>")) > 1


# ---------------------------------------------------------------------------- batches

def test_collate(tok):
    rows = [SFT, {**SFT, "output": "Yes."}, {**SFT, "prompt": "<|user|>\nhi", "output": "Hello! " * 5}]
    examples = encode_rows(tok, rows, "sft", max_len=512)
    batch = collate(examples, tok.pad_id)
    longest = max(lengths(examples))
    assert set(batch) == {"input_ids", "labels", "attention_mask"}
    for key, t in batch.items():
        assert t.dtype == torch.int64 and t.shape == (3, longest), key
    for row, ex in enumerate(examples):
        n = len(ex["input_ids"])
        assert batch["input_ids"][row, :n].tolist() == ex["input_ids"]
        assert batch["labels"][row, :n].tolist() == ex["labels"]
        assert (batch["input_ids"][row, n:] == tok.pad_id).all() and (batch["labels"][row, n:] == IGNORE_INDEX).all()
        assert batch["attention_mask"][row].tolist() == [1] * n + [0] * (longest - n)


def test_collate_pairs_feeds_dpo(tok):
    rows = [DPO, {**DPO, "id": "d2", "chosen": "Yes, the red sedan is available today.", "rejected": "Maybe."}]
    examples = encode_rows(tok, rows, "dpo", max_len=512)
    batch = collate_pairs(examples, tok.pad_id)
    assert set(batch) == {"chosen_ids", "chosen_labels", "rejected_ids", "rejected_labels",
                          "chosen_attention_mask", "rejected_attention_mask"}
    assert batch["rejected_attention_mask"].sum(1).tolist() == [len(e["rejected_ids"]) for e in examples]
    # padding is invisible: batched log-probs equal each pair's alone
    torch.manual_seed(0)
    model = Transformer(ModelArgs.from_name("micro").replace(vocab_size=tok.vocab_size)).eval()
    with torch.no_grad():
        chosen, rejected = pair_logprobs(model, batch)
        for i, ex in enumerate(examples):
            alone = pair_logprobs(model, {k: torch.tensor([v]) for k, v in ex.items()})
            torch.testing.assert_close((chosen[i], rejected[i]), (alone[0][0], alone[1][0]), atol=1e-5, rtol=1e-5)


def test_epoch_batches_deterministic():
    lens = [(i * 37) % 50 + 1 for i in range(103)]
    a = epoch_batches(lens, 8, seed=1, epoch=0)
    assert a == epoch_batches(lens, 8, seed=1, epoch=0)
    assert a != epoch_batches(lens, 8, seed=1, epoch=1) and a != epoch_batches(lens, 8, seed=2, epoch=0)
    assert sorted(i for b in a for i in b) == list(range(103)) and len(a) == 13
    assert len(epoch_batches(lens, 8, seed=1, epoch=0, drop_last=True)) == 12

    bucketed = epoch_batches(lens, 8, seed=1, epoch=0, bucket=4)
    assert bucketed == epoch_batches(lens, 8, seed=1, epoch=0, bucket=4) and len(bucketed) == 13
    assert sorted(i for b in bucketed for i in b) == list(range(103))

    def padding(order):
        return sum(max(lens[i] for i in b) * len(b) - sum(lens[i] for i in b) for b in order)
    assert padding(bucketed) < padding(a) / 2


def test_batches_resume_mid_epoch(tok, tmp_path):
    rows = [{**SFT, "id": f"s{i}", "output": "Yes. " * (i % 7 + 1)} for i in range(21)]
    write_jsonl(tmp_path / "sft.jsonl", rows)
    examples = load_examples(tmp_path / "sft.jsonl", "sft", tok, max_len=256)
    full = list(batches(examples, 4, seed=3, epoch=2, pad_id=tok.pad_id, bucket=2))
    resumed = list(batches(examples, 4, seed=3, epoch=2, pad_id=tok.pad_id, bucket=2, start=3))
    assert len(full) == 6 and len(resumed) == 3
    for x, y in zip(full[3:], resumed):
        assert all(torch.equal(x[k], y[k]) for k in x)


def test_token_stats(tok):
    sft = encode_rows(tok, [SFT, {**SFT, "output": "Yes."}], "sft", max_len=512)
    stats = token_stats(sft)
    assert stats == {"examples": 2, "tokens": sum(len(e["input_ids"]) for e in sft),
                     "loss_tokens": len(labelled(sft[0])) + len(labelled(sft[1])),
                     "max_tokens": max(len(e["input_ids"]) for e in sft)}
    dpo = encode_dpo(tok, DPO, max_len=512)
    assert token_stats([dpo])["tokens"] == len(dpo["chosen_ids"]) + len(dpo["rejected_ids"])
    assert token_stats([dpo])["loss_tokens"] == (len(labelled(dpo, "chosen_ids", "chosen_labels"))
                                                 + len(labelled(dpo, "rejected_ids", "rejected_labels")))
    assert token_stats([]) == {"examples": 0, "tokens": 0, "loss_tokens": 0, "max_tokens": 0}
