"""Quality figures of a model on held-out SFT rows: loss on the outputs and greedy exact match, per agent role,
and the decoded outputs themselves (the trainer scores them with the agent-level metrics).

    from distillery_compute.evaluate import evaluate, evaluate_with_outputs
    metrics = evaluate(model, tok, rows, limit=24, max_len=1024)
    # {"held_out_loss": 1.93, "held_out_loss.planner": 2.1, ..., "exact_match": 0.25,
    #  "exact_match.planner": 0.5, ..., "eval_rows": 120, "decoded_rows": 24}
    metrics, outputs = evaluate_with_outputs(model, tok, rows, limit=24, max_len=1024)
    # outputs: [{"id": "eval_12", "agent": "planner", "output": "const car = ..."}, ...] (the decoded rows)

Rows are the curator's held-out split in the SFT format ({"id", "agent", "prompt",
"output"}). held_out_loss is the mean token cross-entropy over every row's output
tokens and eos (exactly what SFT minimises, data.encode_sft), over all rows (or
`loss_rows` of them, each role in turn). At most `limit` rows, taken in turn from each role
so that every role is measured, are decoded greedily from the prompt as serving feeds it
(ChatTokenizer.encode_prompt: our markers, or the tokenizer's own chat template) through the
inference engine (engine/, all rows at once), each in full: up to eos or twice the target's length
+ EXTRA_NEW_TOKENS tokens (OUTPUT_HEADROOM). exact_match compares each decoded text with the target output
(surrounding whitespace ignored); the same texts are the outputs the trainer scores per agent
(stages.py writes them to <stage>/eval_outputs.jsonl). The run's evaluation is in stages.py.
"""

import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from distillery_compute.data import IGNORE_INDEX, collate, encode_sft
from distillery_compute.engine import Engine, SamplingParams
from distillery_compute.model import KVCache, Transformer
from distillery_compute.tokenizer import ChatTokenizer

EXTRA_NEW_TOKENS = 4   # decode up to the target's length + this: enough to see a wrong or missing eos
# The decoded outputs are also scored whole (the agent-level metrics parse them): an answer a little
# longer than the reference cut at its length + 4 tokens is unreadable JSON. On a real held-out
# sample every output of a trained student ran into that cap, so evaluate decodes up to
# (1 + OUTPUT_HEADROOM) x the target's length + EXTRA_NEW_TOKENS.
OUTPUT_HEADROOM = 1.0


def _autocast(device: torch.device):
    # bf16 on CUDA as in training; CPU stays fp32
    return torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else torch.autocast("cpu", enabled=False)


@torch.no_grad()
def output_losses(model: nn.Module, tok: ChatTokenizer, rows: Sequence[Mapping[str, str]], max_len: int,
                  batch_size: int = 8) -> list[tuple[float, int]]:
    """(summed cross-entropy, labelled tokens) of each row's output + eos, in row order.

    Rows are batched by length (shortest first) so that little of a batch is padding; the
    figures come back in row order.
    """
    device = next(model.parameters()).device
    encoded = [encode_sft(tok, row, max_len) for row in rows]
    order = sorted(range(len(rows)), key=lambda i: len(encoded[i]["input_ids"]))
    out: list[tuple[float, int]] = [(0.0, 0)] * len(rows)
    for start in range(0, len(order), batch_size):
        chunk = order[start:start + batch_size]
        batch = collate([encoded[i] for i in chunk], tok.pad_id)
        ids, labels = batch["input_ids"].to(device), batch["labels"].to(device)
        with _autocast(device):
            logits = model(ids)   # right padding: real tokens never attend to it
        # logits[t] predict labels[t + 1]
        nll = F.cross_entropy(logits[:, :-1].flatten(0, 1).float(), labels[:, 1:].flatten(),
                              ignore_index=IGNORE_INDEX, reduction="none").view(ids.shape[0], -1)
        counts = (labels[:, 1:] != IGNORE_INDEX).sum(-1)
        for i, total, n in zip(chunk, nll.sum(-1), counts):
            out[i] = (float(total), int(n))
    return out


@torch.no_grad()
def greedy_decode(model: nn.Module, prompt: Sequence[int], max_new_tokens: int, eos_id: int,
                  keep_going: Callable[[list[int]], bool] | None = None) -> list[int]:
    """Greedy continuation of `prompt` (eos not included): one forward over the prompt fills a
    KVCache, then one single-token forward per new token. `keep_going(new)` is asked after each
    token; False stops there (the tokens so far are returned). For evaluation's short outputs,
    not for serving (no batching, no paged cache).
    """
    device = next(model.parameters()).device
    ids = torch.tensor([list(prompt)], device=device)
    # our Transformer caches; any other causal LM (a test's lookup table) reruns the whole sequence
    cache = KVCache(model.args.n_layers) if isinstance(model, Transformer) else None
    new = []
    for _ in range(max_new_tokens):
        with _autocast(device):
            logits = model(ids, cache=cache) if cache is not None else model(ids)
        next_id = int(logits[0, -1].argmax())
        if next_id == eos_id:
            break
        new.append(next_id)
        if keep_going is not None and not keep_going(new):
            break
        step = ids.new_tensor([[next_id]])
        ids = step if cache is not None else torch.cat([ids, step], dim=1)
    return new


def rows_to_decode(rows: Sequence[Mapping[str, str]], limit: int) -> list[Mapping[str, str]]:
    """Up to `limit` rows, one from each role in turn (roles sorted), each role's rows in file order."""
    by_role = defaultdict(list)
    for row in rows:
        by_role[row["agent"]].append(row)
    queues = [by_role[role] for role in sorted(by_role)]
    chosen, depth = [], 0
    while len(chosen) < limit and any(depth < len(q) for q in queues):
        chosen += [q[depth] for q in queues if depth < len(q)][:limit - len(chosen)]
        depth += 1
    return chosen


def greedy_texts(model: nn.Module, tok: ChatTokenizer, prompts: Sequence[Sequence[int]], max_new: Sequence[int],
                 keep_going: Sequence[Callable[[str], bool]] | None = None) -> list[str]:
    """Each prompt's greedy continuation as text (up to eos or its max_new tokens), all decoded together.

    Our Transformer decodes through the inference engine (engine/: paged KV cache, continuous
    batching, prefix cache: the agents' prompts share their system prompt); any other causal LM (a
    test's lookup table) through greedy_decode, one prompt at a time. keep_going[i](text so far)
    False stops prompt i there (the text so far is returned)."""
    if not prompts:
        return []
    checks = keep_going or [None] * len(prompts)
    if not isinstance(model, Transformer):
        return [tok.decode(greedy_decode(model, prompt, n, tok.eos_id,
                                         None if check is None else lambda new, c=check: c(tok.decode(new))))
                for prompt, n, check in zip(prompts, max_new, checks)]
    # every prompt at once; the engine sizes its KV cache for that many within its memory budget
    engine = Engine(model, tok, max_seqs=len(prompts),
                    max_model_len=max(len(p) + n for p, n in zip(prompts, max_new)) + 1)
    texts = {}
    for i, (prompt, n) in enumerate(zip(prompts, max_new)):
        engine.add(str(i), SamplingParams(max_tokens=n), token_ids=list(prompt))
        texts[str(i)] = ""
    while engine.has_work():
        for out in engine.step():
            texts[out.request_id] += out.text
            check = checks[int(out.request_id)]
            if out.finish_reason is None and check is not None and not check(texts[out.request_id]):
                engine.abort(out.request_id)
    return [texts[str(i)] for i in range(len(prompts))]


def held_out_texts(model: nn.Module, tok: ChatTokenizer, rows: Sequence[Mapping[str, str]], max_len: int,
                   extra_tokens: int = EXTRA_NEW_TOKENS, stop_on_mismatch: bool = False,
                   headroom: float = 0.0) -> list[str]:
    """Each row's greedy output, decoded from its prompt as serving feeds it (the most recent turns kept
    within max_len, as in training), up to (1 + headroom) x the target's length + extra_tokens. stop_on_mismatch ends a
    row once its text can no longer equal the target (all a caller that wants exact match alone needs;
    evaluate decodes in full, for the agent-level metrics)."""
    prompts, max_new, checks = [], [], []
    for row in rows:
        n = math.ceil(len(tok.encode(row["output"])) * (1 + headroom)) + extra_tokens
        prompts.append(tok.encode_prompt(row["prompt"])[-max(1, max_len - n):])
        max_new.append(n)
        target = row["output"].strip()
        # Text only grows as tokens are added, so once the stripped text so far is no prefix of the
        # target no continuation can match: stop there (an untrained model stops after a token or two).
        # A trailing U+FFFD is a character whose bytes are still coming.
        checks.append(lambda text, target=target: target.startswith(text.rstrip("\ufffd").strip()))
    return greedy_texts(model, tok, prompts, max_new, checks if stop_on_mismatch else None)


def is_exact_match(text: str, row: Mapping[str, str]) -> bool:
    """Whether a decoded text is the row's output (surrounding whitespace ignored)."""
    return text.strip() == row["output"].strip()


def evaluate(model: nn.Module, tok: ChatTokenizer, rows: Sequence[Mapping[str, str]], limit: int,
             max_len: int, loss_rows: int = 0) -> dict[str, float]:
    """held_out_loss and exact_match, overall and as "<metric>.<agent>", plus the row counts (module docstring)."""
    return evaluate_with_outputs(model, tok, rows, limit, max_len, loss_rows)[0]


def evaluate_with_outputs(model: nn.Module, tok: ChatTokenizer, rows: Sequence[Mapping[str, str]], limit: int,
                          max_len: int, loss_rows: int = 0,
                          with_loss: bool = True) -> tuple[dict[str, float], list[dict[str, str]]]:
    """(evaluate()'s figures, the decoded outputs: one {"id", "agent", "output"} per decoded row, in decoding order).

    loss_rows > 0 measures the loss on that many rows only, each role in turn (rows_to_decode);
    the decoded rows are the first `limit` of those. with_loss=False skips the loss (no held_out_loss
    figures): the run's held-out-phrasing rows cost their decoding only (stages.measure)."""
    if loss_rows:
        rows = rows_to_decode(rows, loss_rows)
    was_training = model.training
    model.eval()
    try:
        losses = output_losses(model, tok, rows, max_len) if with_loss else []
        decoded = rows_to_decode(rows, limit)
        # in full, not stopped at the first wrong token: the agent-level metrics read the whole output
        texts = held_out_texts(model, tok, decoded, max_len, headroom=OUTPUT_HEADROOM) if decoded else []
    finally:
        model.train(was_training)
    hits = [is_exact_match(text, row) for text, row in zip(texts, decoded)]

    metrics: dict[str, float] = {}
    if with_loss:
        metrics["held_out_loss"] = sum(s for s, _ in losses) / max(1, sum(n for _, n in losses))
        for role in sorted({row["agent"] for row in rows}):
            mine = [loss for row, loss in zip(rows, losses) if row["agent"] == role]
            metrics[f"held_out_loss.{role}"] = sum(s for s, _ in mine) / max(1, sum(n for _, n in mine))
    if hits:   # --eval-limit 0: loss only
        metrics["exact_match"] = sum(hits) / len(hits)
    for role in sorted({row["agent"] for row in decoded}):
        mine = [hit for row, hit in zip(decoded, hits) if row["agent"] == role]
        metrics[f"exact_match.{role}"] = sum(mine) / len(mine)
    outputs = [{"id": row["id"], "agent": row["agent"], "output": text} for row, text in zip(decoded, texts)]
    return metrics | {"eval_rows": len(rows), "decoded_rows": len(decoded)}, outputs
