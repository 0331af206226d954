"""JSONL datasets -> token ids with loss labels -> padded batches, deterministic for resumption.

    from distillery_compute.data import read_jsonl, encode_rows, epoch_batches, batches, lengths
    rows = read_jsonl("datasets/v3/sft.jsonl", "sft")             # DatasetError names file, line, field
    examples = encode_rows(tok, rows, "sft", max_len=4096)
    epoch, start = divmod(step, len(epoch_batches(lengths(examples), 8, seed, 0)))   # resume at a step
    for batch in batches(examples, 8, seed, epoch, tok.pad_id, start=start): ...

Rows, one JSON object a line (blank lines skipped, other keys ignored; the curator writes them):

    cpt  {"id", "text", "context"}                       context may be ""
    sft  {"id", "agent", "prompt", "output"}             prompt: the transcript (tokenizer.render_chat)
    dpo  {"id", "agent", "prompt", "chosen", "rejected"}

Encoded examples are dicts of 1-D int lists; labels are the token ids where the loss
counts and -100 elsewhere (the model shifts them: logits[t] predict labels[t + 1]):

    cpt  input_ids, labels    <|bos|> <|context|>\\n{context}\\n<|document|>\\n | {text} <|end|>
    sft  input_ids, labels    <|bos|> {prompt}\\n<|assistant|>\\n               | {output} <|end|>
    dpo  chosen_ids, chosen_labels, rejected_ids, rejected_labels  (one prompt encoding, loss on responses)

(-100 left of "|", token ids right of it; an empty context keeps its markers, so every
CPT document has one shape.) Each piece is encoded on its own, so the
prompt tokens are exactly what serving feeds the model (ChatTokenizer.encode_prompt)
and the label boundary never falls inside a token. A tokenizer with its own chat template
(an imported chat-tuned base: SmolLM2's ChatML) gets the prompt in that template instead:

    sft  <|im_start|>system\n...<|im_end|>\n<|im_start|>user\n...<|im_end|>\n<|im_start|>assistant\n | {output} <|im_end|>

(its bos, <|im_start|>, is the first token of the template's text; eos is <|im_end|>). CPT
documents keep the context/document markers, as plain text to such a tokenizer.
Truncation to max_len:

    sft, dpo  the prompt loses tokens from the left (the most recent turns stay); a
              response is cut only when it alone does not fit beside bos and the
              "\\n<|assistant|>\\n" marker
    cpt       the text loses tokens from the end; the context is kept whole while
              it leaves the text at least half the room, else its end is cut (its
              beginning stays) down to that
    a cut response or text gets no <|end|>: the model must not learn to stop there

collate / collate_pairs right-pad a batch (ids with pad_id, labels with -100,
attention_mask 1 = token, 0 = padding) into int64 tensors; collate_pairs gives the
batch dict dpo.py consumes.
"""

import json
import os
import random
from collections.abc import Iterator, Mapping, Sequence

import torch
from torch import Tensor

from distillery_compute.tokenizer import ChatTokenizer, cpt_context_prefix

IGNORE_INDEX = -100
KINDS = ("cpt", "sft", "dpo")
FIELDS = {
    "cpt": ("id", "text", "context"),
    "sft": ("id", "agent", "prompt", "output"),
    "dpo": ("id", "agent", "prompt", "chosen", "rejected"),
}
MAY_BE_EMPTY = {"context"}
Example = dict[str, list[int]]


class DatasetError(ValueError):
    """A dataset row that cannot be used (message: "file:line: what is wrong with which field")."""


# ---------------------------------------------------------------------------- reading

def read_jsonl(path: str | os.PathLike, kind: str) -> list[dict]:
    """The rows of a `kind` ("cpt", "sft", "dpo") JSONL file, each checked: fields present, strings, ids unique."""
    if kind not in KINDS:
        raise ValueError(f"unknown dataset kind {kind!r} (expected one of {', '.join(KINDS)})")
    rows, seen = [], {}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise DatasetError(f"{where}: not valid JSON ({e.msg} at column {e.colno})") from None
            check_row(row, kind, where)
            if row["id"] in seen:
                raise DatasetError(f"{where}: duplicate id {row['id']!r} (first on line {seen[row['id']]})")
            seen[row["id"]] = lineno
            rows.append(row)
    return rows


def check_row(row, kind: str, where: str) -> None:
    """Raise DatasetError (prefixed with `where`) unless `row` has every field of `kind` as a string."""
    if not isinstance(row, dict):
        raise DatasetError(f"{where}: expected a JSON object, got {type(row).__name__}")
    for field in FIELDS[kind]:
        if field not in row:
            raise DatasetError(f"{where}: missing field {field!r}")
        value = row[field]
        if not isinstance(value, str):
            raise DatasetError(f"{where}: field {field!r} must be a string, got {type(value).__name__}")
        if not value and field not in MAY_BE_EMPTY:
            raise DatasetError(f"{where}: field {field!r} is empty")
    if kind == "dpo" and row["chosen"] == row["rejected"]:
        raise DatasetError(f"{where}: field 'rejected' equals 'chosen' (a pair must differ)")


# ---------------------------------------------------------------------------- encoding

def _bos(tok: ChatTokenizer) -> list[int]:
    return [] if tok.bos_id is None else [tok.bos_id]


def _fit_prompt(prompt: list[int], responses: list[list[int]], room: int,
                min_prompt: int) -> tuple[list[int], list[list[int]]]:
    """Left-cut `prompt` (to >= min_prompt tokens) and, only if needed, end-cut responses to fit `room`."""
    if room - min_prompt < 1:
        raise ValueError(f"max_len leaves {room} tokens: too few for a {min_prompt}-token generation marker "
                         "and one response token")
    responses = [r[:room - min_prompt] for r in responses]   # a no-op unless a response alone is too long
    keep = room - max(map(len, responses))
    return (prompt[-keep:] if keep < len(prompt) else prompt), responses


def _prompt_parts(tok: ChatTokenizer, prompt: str) -> tuple[list[int], list[int], int]:
    """(bos, the rest of the prompt as served, how many tail tokens truncation must keep: the marker).

    The served prompt is tok.encode_prompt: our markers, or the tokenizer's own chat template. A
    leading bos stays when the prompt is left-cut."""
    ids = tok.encode_prompt(prompt)
    bos = ids[:1] if ids and ids[0] == tok.bos_id else []
    ids = ids[len(bos):]
    return bos, ids, min(len(ids), len(tok.generation_marker_ids))


def encode_sft(tok: ChatTokenizer, row: Mapping[str, str], max_len: int) -> Example:
    """{input_ids, labels}: bos + prompt + marker (no loss), then output + eos (loss)."""
    bos, prompt, min_prompt = _prompt_parts(tok, row["prompt"])
    prompt, (output,) = _fit_prompt(prompt, [tok.encode(row["output"]) + [tok.eos_id]], max_len - len(bos), min_prompt)
    return {"input_ids": bos + prompt + output, "labels": [IGNORE_INDEX] * (len(bos) + len(prompt)) + output}


def encode_dpo(tok: ChatTokenizer, row: Mapping[str, str], max_len: int) -> Example:
    """{chosen_ids, chosen_labels, rejected_ids, rejected_labels}: one prompt, loss on each response + eos."""
    bos, prompt, min_prompt = _prompt_parts(tok, row["prompt"])
    responses = [tok.encode(row[k]) + [tok.eos_id] for k in ("chosen", "rejected")]
    prompt, (chosen, rejected) = _fit_prompt(prompt, responses, max_len - len(bos), min_prompt)
    masked = [IGNORE_INDEX] * (len(bos) + len(prompt))
    return {"chosen_ids": bos + prompt + chosen, "chosen_labels": masked + chosen,
            "rejected_ids": bos + prompt + rejected, "rejected_labels": masked + rejected}


def encode_cpt(tok: ChatTokenizer, row: Mapping[str, str], max_len: int) -> Example:
    """{input_ids, labels}: bos + "<|context|>\\n{context}\\n<|document|>\\n" (no loss), then text + eos (loss)."""
    head, context, tail = (tok.encode(s) for s in cpt_context_prefix(row["context"]))
    bos, text = _bos(tok), tok.encode(row["text"]) + [tok.eos_id]
    room = max_len - len(bos) - len(head) - len(tail)
    if room < 2:
        raise ValueError(f"max_len {max_len} leaves {room} tokens for context and text")
    if len(context) + len(text) > room:
        # the text keeps all the room the context leaves, and at least half of it
        text = text[:max(room - len(context), room // 2)]
        context = context[:room - len(text)]
    prefix = bos + head + context + tail
    return {"input_ids": prefix + text, "labels": [IGNORE_INDEX] * len(prefix) + text}


ENCODERS = {"cpt": encode_cpt, "sft": encode_sft, "dpo": encode_dpo}


def encode_rows(tok: ChatTokenizer, rows: Sequence[Mapping[str, str]], kind: str, max_len: int) -> list[Example]:
    """Every row encoded with the `kind` encoder, in order."""
    encode = ENCODERS[kind]
    return [encode(tok, row, max_len) for row in rows]


def load_examples(path: str | os.PathLike, kind: str, tok: ChatTokenizer, max_len: int) -> list[Example]:
    """read_jsonl + encode_rows."""
    return encode_rows(tok, read_jsonl(path, kind), kind, max_len)


# ---------------------------------------------------------------------------- batches

def _pad(rows: Sequence[Sequence[int]], value: int, length: int) -> Tensor:
    return torch.tensor([list(r) + [value] * (length - len(r)) for r in rows], dtype=torch.int64)


def _padded(rows: Sequence[Sequence[int]], labels: Sequence[Sequence[int]],
            pad_id: int) -> tuple[Tensor, Tensor, Tensor]:
    """(ids, labels, attention_mask), right-padded to the longest row."""
    length = max(map(len, rows))
    return (_pad(rows, pad_id, length), _pad(labels, IGNORE_INDEX, length),
            _pad([[1] * len(r) for r in rows], 0, length))


def collate(examples: Sequence[Example], pad_id: int) -> dict[str, Tensor]:
    """{input_ids, labels, attention_mask}, (batch, longest) int64."""
    ids, labels, mask = _padded([e["input_ids"] for e in examples], [e["labels"] for e in examples], pad_id)
    return {"input_ids": ids, "labels": labels, "attention_mask": mask}


def collate_pairs(examples: Sequence[Example], pad_id: int) -> dict[str, Tensor]:
    """The dpo.py batch: {chosen,rejected}_{ids,labels,attention_mask}, each side padded to its own longest."""
    batch = {}
    for side in ("chosen", "rejected"):
        ids, labels, mask = _padded([e[f"{side}_ids"] for e in examples], [e[f"{side}_labels"] for e in examples],
                                    pad_id)
        batch |= {f"{side}_ids": ids, f"{side}_labels": labels, f"{side}_attention_mask": mask}
    return batch


def example_length(example: Example) -> int:
    """Tokens of an example's longest sequence (input_ids, or the longer of a pair)."""
    return max(len(v) for k, v in example.items() if k.endswith("_ids"))


def lengths(examples: Sequence[Example]) -> list[int]:
    return [example_length(e) for e in examples]


def epoch_batches(lengths: Sequence[int], batch_size: int, seed: int, epoch: int, *,
                  bucket: int = 0, drop_last: bool = False) -> list[list[int]]:
    """One epoch's batches as lists of example indices; the same (seed, epoch) always gives the same list.

    The order is a shuffle seeded by (seed, epoch). With bucket > 1, each run of
    bucket * batch_size shuffled examples is sorted by length (longest first) before
    it is cut into batches, and the batch order is shuffled again: batches of similar
    lengths, little padding, no long-first bias. The number of batches is the same
    every epoch, so step s is batch s % n of epoch s // n.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    rng = random.Random(f"distillery:{seed}:{epoch}")   # str seeds hash with sha512: stable across processes
    order = list(range(len(lengths)))
    rng.shuffle(order)
    if bucket > 1:
        chunk = bucket * batch_size
        order = [i for start in range(0, len(order), chunk)
                 for i in sorted(order[start:start + chunk], key=lambda i: -lengths[i])]
    out = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    if drop_last and out and len(out[-1]) < batch_size:
        out.pop()
    if bucket > 1:
        rng.shuffle(out)
    return out


def batches(examples: Sequence[Example], batch_size: int, seed: int, epoch: int, pad_id: int, *,
            start: int = 0, bucket: int = 0, drop_last: bool = False) -> Iterator[dict[str, Tensor]]:
    """The collated batches of one epoch (epoch_batches order), from batch index `start` on."""
    is_pairs = bool(examples) and "chosen_ids" in examples[0]
    collate_fn = collate_pairs if is_pairs else collate
    for indices in epoch_batches(lengths(examples), batch_size, seed, epoch, bucket=bucket,
                                 drop_last=drop_last)[start:]:
        yield collate_fn([examples[i] for i in indices], pad_id)


def token_stats(examples: Sequence[Example]) -> dict[str, int]:
    """{examples, tokens, loss_tokens, max_tokens}: both sides of a pair count towards tokens and loss tokens."""
    tokens = loss_tokens = 0
    for e in examples:
        for key, values in e.items():
            if key.endswith("_ids"):
                tokens += len(values)
            elif key.endswith("labels"):
                loss_tokens += sum(v != IGNORE_INDEX for v in values)
    return {"examples": len(examples), "tokens": tokens, "loss_tokens": loss_tokens,
            "max_tokens": max(lengths(examples), default=0)}
