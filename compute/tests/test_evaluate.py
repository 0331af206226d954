"""Held-out loss and exact match against a lookup-table "model" whose every prediction is known."""

import math

import pytest
import torch
from torch import nn

from distillery_compute.data import encode_sft
from distillery_compute.evaluate import (EXTRA_NEW_TOKENS, evaluate, evaluate_with_outputs, greedy_decode, held_out_texts,
                                         rows_to_decode)

ROWS = [{"id": str(i), "agent": agent, "prompt": f"<|user|>\nquestion {i} for the {agent}", "output": f"answer {i}!"}
        for i, agent in enumerate(["planner", "explainer", "planner", "understander", "planner"])]


class Oracle(nn.Module):
    """Next token = table[prefix]: gives `confidence` logits to the chosen token (token 0 when unknown)."""

    def __init__(self, vocab_size: int, table: dict[tuple[int, ...], int], confidence: float = 30.0):
        super().__init__()
        self.vocab_size, self.table, self.confidence = vocab_size, table, confidence
        self.anchor = nn.Parameter(torch.zeros(()))   # evaluate() finds the device through parameters()

    def forward(self, ids, attention_mask=None):
        logits = torch.zeros(*ids.shape, self.vocab_size)
        for b, row in enumerate(ids.tolist()):
            for t in range(len(row)):
                logits[b, t, self.table.get(tuple(row[:t + 1]), 0)] = self.confidence
        return logits + self.anchor


def oracle_for(tok, rows, outputs=None) -> Oracle:
    """An Oracle that writes `outputs` (default: each row's target) then eos after each row's prompt."""
    table = {}
    for i, row in enumerate(rows):
        ids = encode_sft(tok, {**row, "output": (outputs or {}).get(i, row["output"])}, 256)["input_ids"]
        table |= {tuple(ids[:t]): ids[t] for t in range(1, len(ids))}
    return Oracle(tok.vocab_size, table)


def test_rows_to_decode_takes_each_role_in_turn():
    picked = [r["id"] for r in rows_to_decode(ROWS, 4)]
    assert picked == ["1", "0", "3", "2"]   # explainer, planner, understander, then planner again
    assert len(rows_to_decode(ROWS, 99)) == 5 and rows_to_decode(ROWS, 0) == []


def test_greedy_decode_stops_at_eos_or_the_cap(tok):
    oracle = oracle_for(tok, ROWS[:1])
    prompt = tok.encode_prompt(ROWS[0]["prompt"])
    target = tok.encode(ROWS[0]["output"])
    assert greedy_decode(oracle, prompt, 50, tok.eos_id) == target
    assert greedy_decode(oracle, prompt, 2, tok.eos_id) == target[:2]


def counting(oracle: Oracle) -> list[int]:
    """Counts the oracle's forwards from now on: the returned list's one element."""
    calls, forward = [0], oracle.forward

    def counted(ids, attention_mask=None):
        calls[0] += 1
        return forward(ids, attention_mask)

    oracle.forward = counted
    return calls


def test_evaluation_decodes_a_wrong_output_in_full_and_returns_it(tok):
    """The agent-level metrics read the whole output: a row that goes wrong at once is still decoded
    to eos (or the target's length + EXTRA_NEW_TOKENS), and exact match is judged on that text."""
    row = {**ROWS[0], "output": "answer 0! " * 20}
    oracle = oracle_for(tok, [row], {0: "nonsense " * 3})
    calls = counting(oracle)
    metrics, outputs = evaluate_with_outputs(oracle, tok, [row], limit=1, max_len=512)
    assert metrics["exact_match"] == 0.0
    assert outputs == [{"id": "0", "agent": "planner", "output": "nonsense " * 3}]
    assert calls[0] == 1 + len(tok.encode("nonsense " * 3)) + 1   # the loss batch, every token, then eos

    assert evaluate(oracle_for(tok, [row]), tok, [row], limit=1, max_len=512)["exact_match"] == 1.0


def test_an_answer_longer_than_the_reference_is_decoded_whole(tok):
    """Cut at the target's length + EXTRA_NEW_TOKENS, a longer answer would be unreadable to the
    agent-level metrics: the outputs have room for up to twice the target's length."""
    row = {**ROWS[0], "output": '{"intents": ["greeting"]}'}
    longer = '{"intents": ["greeting"], "entities": {}}'
    n, m = len(tok.encode(row["output"])), len(tok.encode(longer))
    assert n + EXTRA_NEW_TOKENS < m <= 2 * n + EXTRA_NEW_TOKENS   # the case: past the old cap, within the new one
    metrics, outputs = evaluate_with_outputs(oracle_for(tok, [row], {0: longer}), tok, [row], limit=1, max_len=512)
    assert outputs[0]["output"] == longer and metrics["exact_match"] == 0.0
    assert held_out_texts(oracle_for(tok, [row], {0: longer}), tok, [row], max_len=512)[0] != longer   # the exact-match cap


def test_held_out_texts_can_stop_once_the_output_can_no_longer_match(tok):
    """For a caller that wants exact match alone: a model that goes wrong at once costs a forward or two."""
    row = {**ROWS[0], "output": "answer 0! " * 20}
    oracle = oracle_for(tok, [row], {0: "nonsense " * 20})
    calls = counting(oracle)
    [text] = held_out_texts(oracle, tok, [row], max_len=512, stop_on_mismatch=True)
    assert calls[0] <= 3 and not row["output"].startswith(text.strip())   # stopped within the first word
    assert held_out_texts(oracle, tok, [row], max_len=512)[0].strip() == ("nonsense " * 20).strip()


def test_the_outputs_are_the_decoded_rows_each_role_in_turn(tok):
    wrong = {2: "answer 7!"}
    metrics, outputs = evaluate_with_outputs(oracle_for(tok, ROWS, wrong), tok, ROWS, limit=4, max_len=256)
    assert [o["id"] for o in outputs] == [r["id"] for r in rows_to_decode(ROWS, 4)] == ["1", "0", "3", "2"]
    assert all(o["agent"] == ROWS[int(o["id"])]["agent"] for o in outputs)
    assert {o["id"]: o["output"] for o in outputs}["2"] == "answer 7!"
    assert [o["output"] for o in outputs if o["id"] != "2"] == [ROWS[i]["output"] for i in (1, 0, 3)]
    assert metrics["exact_match"] == 0.75 and metrics["decoded_rows"] == len(outputs)
    assert evaluate_with_outputs(oracle_for(tok, ROWS), tok, ROWS, limit=0, max_len=256)[1] == []


def test_a_perfect_model_scores_1_and_near_zero_loss_and_a_wrong_role_scores_0(tok):
    metrics = evaluate(oracle_for(tok, ROWS), tok, ROWS, limit=10, max_len=256)
    assert metrics["exact_match"] == 1.0 and metrics["held_out_loss"] < 1e-6
    assert {k for k in metrics if k.startswith("exact_match.")} == {
        "exact_match.planner", "exact_match.explainer", "exact_match.understander"}
    assert metrics["eval_rows"] == metrics["decoded_rows"] == 5

    # the second planner row answers wrongly: planner 2 of 3, overall 4 of 5; its loss is confident and wrong
    wrong = evaluate(oracle_for(tok, ROWS, {2: "answer 7!"}), tok, ROWS, limit=10, max_len=256)
    assert wrong["exact_match.planner"] == pytest.approx(2 / 3) and wrong["exact_match"] == pytest.approx(0.8)
    assert wrong["exact_match.explainer"] == wrong["exact_match.understander"] == 1.0
    assert wrong["held_out_loss.planner"] > 1.0 and wrong["held_out_loss.explainer"] < 1e-6

    # decoding is limited, the loss covers every row
    few = evaluate(oracle_for(tok, ROWS), tok, ROWS, limit=2, max_len=256)
    assert few["decoded_rows"] == 2 and "exact_match.understander" not in few
    assert "held_out_loss.understander" in few


def test_held_out_loss_is_the_token_mean_over_outputs(tok):
    uniform = Oracle(tok.vocab_size, {}, confidence=0.0)   # every token equally likely
    assert evaluate(uniform, tok, ROWS, limit=0, max_len=256)["held_out_loss"] == pytest.approx(math.log(tok.vocab_size))


def test_greedy_decode_with_the_kv_cache_picks_the_tokens_full_forwards_pick():
    from distillery_compute.model import ModelArgs, Transformer

    torch.manual_seed(0)
    model = Transformer(ModelArgs.from_name("micro")).eval()
    prompt = torch.randint(0, 256, (9,)).tolist()
    slow, ids = [], torch.tensor([prompt])
    with torch.no_grad():
        for _ in range(12):   # the uncached reference: the whole sequence every step
            slow.append(int(model(ids)[0, -1].argmax()))
            ids = torch.cat([ids, ids.new_tensor([[slow[-1]]])], dim=1)
    assert greedy_decode(model, prompt, 12, eos_id=-1) == slow


def test_loss_rows_measure_that_many_rows_each_role_in_turn(tok):
    metrics = evaluate(oracle_for(tok, ROWS), tok, ROWS, limit=2, max_len=256, loss_rows=3)
    assert metrics["eval_rows"] == 3 and metrics["decoded_rows"] == 2
    assert {k for k in metrics if k.startswith("held_out_loss.")} == {
        "held_out_loss.planner", "held_out_loss.explainer", "held_out_loss.understander"}
