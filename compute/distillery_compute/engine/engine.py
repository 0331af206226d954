"""The inference engine: one model, its tokenizer, a paged KV cache and the scheduler.

    engine = Engine.from_checkpoint("runs/x/checkpoints/dpo")       # or Engine(model, tokenizer)
    engine.add("r1", messages=[{"role": "user", "content": "hi"}], params=SamplingParams(max_tokens=64))
    while engine.has_work():
        for out in engine.step():            # Output deltas: text, token ids, finish_reason on the last
            print(out.request_id, out.text, end="")
    done = engine.generate([prompt_ids, ...], SamplingParams(max_tokens=64))   # offline: whole completions

A prompt is chat messages (the tokenizer's chat template with its generation prompt, as transformers
renders it), a transcript in the agents' role markers (ChatTokenizer.encode_prompt, as the trainer
trains), plain text, or token ids. add() checks the request and raises RequestError naming the field
at fault; nothing else is disturbed. add() and abort() may be called from any thread; step() from one.

Each step: abort what was asked to stop (its blocks are freed before scheduling), schedule
(scheduler.py), run one forward over the paged cache (runner.py), sample a token for every sequence
whose prompt is fully in the cache, and turn new tokens into text. Text is streamed without a
trailing partial UTF-8 character or any tail that could still become a stop string; a stop string
ends the output before it, as OpenAI's API does. Finish reasons: "stop" (eos, a stop token or a stop
string), "length" (max_tokens or the context is full), "abort".

With a drafter (or any proposer) the engine decodes speculatively (speculative.py): after each step
every decoding sequence gets a draft, the next forward verifies it, and a step may then add several
tokens to a request; the output is the same as without (greedy: token for token; sampling: in
distribution). Token for token needs the target's logits of a position to be the same bits in a
one-token decode as among a draft's rows: batch_invariant (runner.py) makes them so on an fp32 CPU,
and is on by default for an FP8 target there, whose activation rounding turns a last-bit difference
into a different token (compute/README.md, speculative decoding).
"""

import dataclasses
import os
import threading
import time
from collections.abc import Mapping, Sequence as Seq
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist

from distillery_compute.checkpoint import load_checkpoint
from distillery_compute.engine.blocks import BlockPool
from distillery_compute.engine.graphs import DecodeGraphs
from distillery_compute.engine.runner import PagedRunner, mkl_packing
from distillery_compute.engine.sampling import RequestError, SamplingParams, sample
from distillery_compute.engine.scheduler import Scheduled, Scheduler, Sequence, Status
from distillery_compute.engine.speculative import EagleProposer, SpecConfig, verify
from distillery_compute.fp8.linear import FP8Linear
from distillery_compute.model import Transformer
from distillery_compute.tokenizer import ROLES, ChatTokenizer, render_chat

DEFAULT_CPU_KV_BYTES = 2 << 30       # at most this much host memory for the KV cache on CPU
CPU_KV_FRACTION = 0.25               # ... and at most this share of the memory available now
GPU_MEMORY_FRACTION = 0.85           # of the device's free memory after the weights, on CUDA


@dataclass
class Output:
    """What one step produced for one request: the new text and tokens; finish_reason on the last one."""
    request_id: str
    text: str
    token_ids: list[int]
    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0


@dataclass
class Completion:
    request_id: str
    text: str
    token_ids: list[int]
    finish_reason: str
    prompt_tokens: int
    cached_tokens: int


@dataclass(eq=False)
class _Request(Sequence):
    sent: int = 0                                  # characters of text already emitted


def _available_memory() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return DEFAULT_CPU_KV_BYTES * 4


def kv_cache_bytes(device: torch.device) -> int:
    """How much memory the KV cache gets: DISTILLERY_ENGINE_KV_BYTES if set, else the defaults above."""
    if (configured := os.environ.get("DISTILLERY_ENGINE_KV_BYTES")):
        return int(configured)
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free * GPU_MEMORY_FRACTION)
    return min(DEFAULT_CPU_KV_BYTES, int(_available_memory() * CPU_KV_FRACTION))


class Engine:
    def __init__(self, model: Transformer, tokenizer: ChatTokenizer, *, block_size: int = 16,
                 num_blocks: int | None = None, max_batched_tokens: int = 512, max_seqs: int = 64,
                 max_model_len: int | None = None, prefix_caching: bool = True, preemption: str = "recompute",
                 group: "dist.ProcessGroup | None" = None, drafter=None, speculative: SpecConfig | None = None,
                 proposer=None, batch_invariant: bool | None = None, decode_graphs: str | None = None):
        self.tokenizer, self.model = tokenizer, model
        self.spec = speculative or SpecConfig()
        self.spec.check()
        aux_layers = drafter.config.aux_layers if drafter is not None else ()
        self.args = model.args
        self.max_model_len = min(max_model_len or model.args.max_seq_len, model.args.max_seq_len)
        device = model.model.norm.weight.device
        world = dist.get_world_size(group) if group is not None else 1
        if num_blocks is None:   # what memory allows, at most what max_seqs full contexts need
            per_block = PagedRunner.bytes_per_block(model.args, block_size, model.model.norm.weight.dtype, world,
                                                    len(aux_layers))
            num_blocks = min(kv_cache_bytes(device) // per_block, max_seqs * -(-self.max_model_len // block_size))
        # the KV cache must hold at least one sequence of the full context
        num_blocks = max(num_blocks, -(-self.max_model_len // block_size))
        if batch_invariant is None:   # the emulated FP8 target: where a last-bit difference changes tokens
            batch_invariant = (mkl_packing(device, model.model.norm.weight.dtype)
                               and any(isinstance(m, FP8Linear) for m in model.modules()))
        if decode_graphs is None:   # CUDA graphs for decode steps on one GPU (graphs.py)
            decode_graphs = "capture" if device.type == "cuda" and world == 1 and not batch_invariant else "off"
        if decode_graphs not in ("capture", "eager", "off"):
            raise ValueError(f"decode_graphs must be capture, eager or off, got {decode_graphs!r}")
        # a decode graph's padding rows write into one block more than the pool hands out
        self.runner = PagedRunner(model, num_blocks + (decode_graphs != "off"), block_size, group, aux_layers,
                                  batch_invariant)
        if decode_graphs != "off":
            self.runner.graphs = DecodeGraphs(self.runner, max_seqs, capture=decode_graphs == "capture")
        self.proposer = proposer or (EagleProposer(drafter, self.runner, self.spec) if drafter is not None else None)
        self.drafter_name = "drafter" if self.proposer is not None else ""
        self._moved: list[tuple[str, str, tuple]] = []   # KV moves done here, for the other TP ranks
        self.reset_speculation()
        self.pool = BlockPool(num_blocks, block_size, prefix_caching)
        self.scheduler = Scheduler(self.pool, max_batched_tokens, max_seqs, preemption)
        self.device = device
        self._inbox: list[_Request] = []
        self._aborts: set[str] = set()
        self._live: dict[str, _Request] = {}
        self._lock = threading.Lock()
        self.steps = 0

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike, *, device: str | torch.device | None = None,
                        dtype: torch.dtype | None = None, drafter: str | os.PathLike | None = None, **kw) -> "Engine":
        """Load a checkpoint dir (manifest verified: a tampered file is refused, ChecksumError naming it)
        with its tokenizer (the dir's tokenizer/ or the dir itself), and a drafter dir if given (its
        manifest verified too). CUDA runs bf16, CPU fp32."""
        from distillery_compute.eagle.drafter import load_drafter
        device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        dtype = dtype or (torch.bfloat16 if device.type == "cuda" else torch.float32)
        path = Path(path)
        model, _ = load_checkpoint(path, dtype=dtype, device=device)
        tok_dir = path / "tokenizer" if (path / "tokenizer" / "tokenizer.json").is_file() else path
        loaded = load_drafter(drafter, model).eval() if drafter is not None else None
        engine = cls(model.eval(), ChatTokenizer.load(tok_dir), drafter=loaded, **kw)
        engine.drafter_name = str(Path(drafter).resolve()) if drafter is not None else ""
        return engine

    # ------------------------------------------------------------------ requests

    def encode(self, *, messages: Seq[Mapping[str, str]] | None = None, transcript: str | None = None,
               text: str | None = None, token_ids: Seq[int] | None = None) -> list[int]:
        """The prompt's token ids from exactly one of its forms (module docstring)."""
        given = [name for name, value in (("messages", messages), ("transcript", transcript), ("text", text),
                                          ("token_ids", token_ids)) if value is not None]
        if len(given) != 1:
            raise RequestError("prompt", f"give exactly one of messages, transcript, text, token_ids (got "
                                         f"{', '.join(given) or 'none'})")
        tok = self.tokenizer
        if messages is not None:
            if not messages:
                raise RequestError("messages", "must hold at least one message")
            for i, m in enumerate(messages):
                if not isinstance(m, Mapping) or m.get("role") not in ROLES:
                    raise RequestError(f"messages[{i}].role", f"must be one of {', '.join(ROLES)}")
                if not isinstance(m.get("content"), str):
                    raise RequestError(f"messages[{i}].content", "must be a string")
            try:
                return tok.encode_chat(messages) if tok.chat_template is not None else tok.encode_prompt(
                    render_chat(messages))
            except (ValueError, TypeError, AttributeError) as error:
                raise RequestError("messages", str(error)) from None
        if transcript is not None:
            try:
                return tok.encode_prompt(transcript)
            except ValueError as error:
                raise RequestError("transcript", str(error)) from None
        if text is not None:
            return ([] if tok.bos_id is None else [tok.bos_id]) + tok.encode(text)
        ids, vocab = list(token_ids), self.args.vocab_size
        for i, t in enumerate(ids):
            if isinstance(t, bool) or not isinstance(t, int) or not 0 <= t < vocab:
                raise RequestError(f"token_ids[{i}]", f"must be a token id below {vocab}, got {t!r}")
        return ids

    def add(self, request_id: str, params: SamplingParams, **prompt) -> int:
        """Queue a request (prompt as in encode()); returns its prompt length in tokens."""
        if not isinstance(request_id, str) or not request_id:
            raise RequestError("request_id", "must be a non-empty string")
        ids = self.encode(**prompt)
        if not ids:
            raise RequestError("prompt", "is empty")
        if len(ids) >= self.max_model_len:
            raise RequestError("prompt", f"is {len(ids)} tokens; the model's context holds {self.max_model_len} "
                                         "(prompt and at least one new token)", code="context_length_exceeded")
        params.check(self.args.vocab_size)
        params.make_generator(self.device)
        request = _Request(id=request_id, prompt=ids, params=params)
        with self._lock:
            if request_id in self._live or any(r.id == request_id for r in self._inbox):
                raise RequestError("request_id", f"{request_id!r} is already being served", code="duplicate_request")
            self._inbox.append(request)
            self._aborts.discard(request_id)   # an abort asked before this request arrived was for an earlier one
        return len(ids)

    def abort(self, request_id: str) -> None:
        """Stop a request at the next step; its blocks are freed and it ends with finish_reason "abort"."""
        with self._lock:
            self._aborts.add(request_id)

    def has_work(self) -> bool:
        with self._lock:
            return bool(self._inbox or self._aborts or self.scheduler.has_work())

    # ------------------------------------------------------------------ the loop

    def step(self) -> list[Output]:
        outputs: list[Output] = []
        with self._lock:
            inbox, aborts = self._inbox, self._aborts
            self._inbox, self._aborts = [], set()
        for request in inbox:
            self._live[request.id] = request
            self.scheduler.add(request)
        for request_id in aborts:
            if (request := self._live.get(request_id)) is not None:
                outputs.append(self._finish(request, "abort", []))
        began = time.perf_counter()
        batch = self.scheduler.schedule()
        swaps, self.scheduler.swaps = self.scheduler.swaps, []
        logits = self._forward(swaps, [self._work(item) for item in batch])
        if not batch:
            return outputs
        row = 0
        for item in batch:
            seq = item.seq
            rows = 1 + item.drafted if item.samples else 0
            mine, row = (logits[row:row + rows] if rows else None), row + rows
            if not item.samples:
                self.scheduler.computed(item)
            elif not item.drafted:
                self.scheduler.computed(item)
                outputs.append(self._accept(seq, sample(mine, [seq.params])))
            else:
                outputs.append(self._speculated(item, mine))
        self.steps += 1
        if self.proposer is not None:
            self._propose()
        self.spec_stats["step_seconds"] += time.perf_counter() - began
        return outputs

    def _work(self, item: Scheduled) -> tuple:
        seq = item.seq
        tokens = seq.tokens[item.start:item.start + item.count - item.drafted]
        if not item.drafted:
            return tokens, item.start, seq.blocks, int(item.samples)
        tree = seq.draft
        work = (tokens + tree.tokens, item.start, seq.blocks, 1 + item.drafted)
        return work if tree.is_chain() else work + (([0] + tree.depths, tree.visibility()),)

    def _speculated(self, item: Scheduled, logits: torch.Tensor) -> Output:
        """Verify a sequence's draft: keep the accepted path's keys and values, emit its tokens and the next."""
        seq, tree = item.seq, item.seq.draft
        seq.draft = None
        path, following = verify(tree, logits, seq.params)
        if path != list(range(len(path))):   # a tree's path: its keys and values into consecutive slots
            bs, table = self.runner.block_size, seq.blocks
            slot = lambda p: table[p // bs] * bs + p % bs   # noqa: E731
            moves = ([slot(item.start + 1 + node) for node in path],
                     [slot(item.start + 1 + j) for j in range(len(path))])
            self.runner.move(*moves)
            if self.runner.world > 1:
                self._moved.append(("move", seq.id, moves))
        stats = self.spec_stats
        stats["rounds"] += 1
        stats["drafted"] += len(tree.tokens)
        stats["accepted"] += len(path)
        depth = max(tree.depths)
        stats["accepted_at"] += [[0, 0]] * (depth - len(stats["accepted_at"]))
        for d in range(depth):   # [accepted, drafted] at each depth: per-position acceptance
            stats["accepted_at"][d] = [stats["accepted_at"][d][0] + (d < len(path)), stats["accepted_at"][d][1] + 1]
        item.count, item.drafted = 1 + len(path), 0
        tokens = [tree.tokens[node] for node in path] + [following]
        out = self._accept(seq, tokens[:len(path)], more=True) if path else None
        if out is not None and out.finish_reason is not None:
            return out
        self.scheduler.computed(item)
        last = self._accept(seq, [following])
        return last if out is None else dataclasses.replace(last, text=out.text + last.text,
                                                            token_ids=out.token_ids + last.token_ids)

    def _propose(self) -> None:
        began = time.perf_counter()
        decoding = [s for s in self.scheduler.running if s.computed == s.length - 1]
        work = []
        for seq in decoding:
            room = min(seq.params.max_tokens - len(seq.output) - 1, self.max_model_len - seq.length)
            depth, top_k, nodes = self.spec.shape(len(decoding), room)
            if nodes > 0:
                work.append((seq, depth, top_k, nodes))
        for (seq, *_), tree in zip(work, self.proposer.propose(work) if work else []):
            seq.draft = tree
        self.spec_stats["draft_seconds"] += time.perf_counter() - began

    def _forward(self, swaps, work) -> torch.Tensor | None:
        if self.runner.world > 1:   # the other ranks swap and run the same forward (tp.serve_worker)
            moved, self._moved = self._moved, []
            dist.broadcast_object_list([(moved + swaps, work)], src=0, group=self.runner.group)
        self.runner.swap(swaps)
        return self.runner.forward(self.runner.prepare(work)) if work else None

    def _accept(self, request: _Request, tokens: list[int], more: bool = False) -> Output:
        """Add tokens to a request's output until one ends it; `more`: further tokens follow this step
        (nothing is held back for them, the caller emits the rest)."""
        params, tok = request.params, self.tokenizer
        taken: list[int] = []
        text = ""
        for token in tokens:
            if (token == tok.eos_id and not params.ignore_eos) or token in params.stop_token_ids:
                return self._finish(request, "stop", taken)
            request.output.append(token)
            taken.append(token)
            text = tok.decode(request.output)
            for stop in params.stop:   # the earliest stop string ends the output before it
                at = text.find(stop, max(0, request.sent - len(stop)))
                if at >= 0:
                    return self._finish(request, "stop", taken, text[:at])
            if len(request.output) >= params.max_tokens or request.length >= self.max_model_len:
                return self._finish(request, "length", taken, text)
        if more:
            return Output(request.id, "", taken)
        # hold back a partial character and any tail that may grow into a stop string
        ready = len(text.rstrip("\ufffd"))
        for stop in params.stop:
            for keep in range(min(len(stop) - 1, ready), 0, -1):
                if text[:ready].endswith(stop[:keep]):
                    ready -= keep
                    break
        return self._emit(request, text, max(ready, request.sent), taken)

    def _emit(self, request: _Request, text: str, upto: int, token_ids: list[int],
              finish_reason: str | None = None) -> Output:
        delta = text[request.sent:upto]
        request.sent = max(request.sent, upto)
        return Output(request.id, delta, token_ids, finish_reason, len(request.prompt), len(request.output),
                      request.cached_tokens)

    def _finish(self, request: _Request, reason: str, token_ids: list[int], text: str | None = None) -> Output:
        """End a request: its last output (the rest of its text unless aborted) and its blocks freed."""
        self.scheduler.finish(request, reason)
        del self._live[request.id]
        if self.proposer is not None:
            self.proposer.forget(request.id)
        if text is None:
            text = self.tokenizer.decode(request.output) if reason != "abort" else ""
        return self._emit(request, text, len(text), token_ids, reason)

    # ------------------------------------------------------------------ offline use

    def generate(self, prompts: Seq[Seq[int] | str], params: SamplingParams | Seq[SamplingParams]) -> list[Completion]:
        """Whole completions of token-id prompts (or agent transcripts, str), all submitted at once."""
        many = params if isinstance(params, (list, tuple)) else [params] * len(prompts)
        ids = [f"offline-{self.steps}-{i}" for i in range(len(prompts))]
        for request_id, prompt, p in zip(ids, prompts, many):
            p = dataclasses.replace(p, generator=None)   # add() seeds a generator of its own
            if isinstance(prompt, str):
                self.add(request_id, p, transcript=prompt)
            else:
                self.add(request_id, p, token_ids=prompt)
        done: dict[str, Completion] = {}
        parts: dict[str, tuple[str, list[int]]] = {i: ("", []) for i in ids}
        while len(done) < len(ids):
            for out in self.step():
                text, tokens = parts[out.request_id]
                parts[out.request_id] = text, tokens = text + out.text, tokens + out.token_ids
                if out.finish_reason is not None:
                    done[out.request_id] = Completion(out.request_id, text, tokens, out.finish_reason,
                                                      out.prompt_tokens, out.cached_tokens)
        return [done[i] for i in ids]

    def stats(self) -> dict[str, float]:
        with self._lock:
            queued = len(self._inbox)
        return {"running": len(self.scheduler.running), "waiting": len(self.scheduler.waiting) + queued,
                "preemptions": self.scheduler.preemptions, "steps": self.steps, **self.pool.stats()}

    def reset_speculation(self) -> None:
        """Start speculation()'s counts afresh (a benchmark, after its warm-up)."""
        self.spec_stats = {"rounds": 0, "drafted": 0, "accepted": 0, "accepted_at": [], "draft_seconds": 0.0,
                           "step_seconds": 0.0}

    def speculation(self) -> dict:
        """Speculative decoding so far: rounds (verified drafts), mean accepted length (tokens a round
        adds, the target's own included), acceptance by draft position (unconditional), and the
        share of step time spent drafting."""
        s = self.spec_stats
        rounds = s["rounds"]
        return {"rounds": rounds, "drafted": s["drafted"], "accepted": s["accepted"],
                "mean_accepted_length": (rounds + s["accepted"]) / rounds if rounds else None,
                "acceptance_by_position": [a / d for a, d in s["accepted_at"]],
                "draft_time_share": s["draft_seconds"] / s["step_seconds"] if s["step_seconds"] else 0.0}
