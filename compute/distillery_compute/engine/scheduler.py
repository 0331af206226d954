"""Iteration-level scheduling (continuous batching) over the paged KV cache.

Every engine step the scheduler decides which tokens of which sequences the next forward computes,
under a token budget (vLLM v1's rule, not a prefill phase and a decode phase):

  1. running sequences first, in arrival order: a decoding one computes its one new token, one
     whose prompt is still being prefilled computes its next chunk (at most the budget left);
  2. when a running sequence needs a block and none is free, the most recently admitted running
     sequence is preempted: its blocks are released and it goes back to the head of the queue with
     its tokens so far. preemption="recompute" (the default) computes them again when it returns
     (its full blocks stay in the prefix cache, so a recompute finds those not evicted since);
     "swap" first copies its keys and values to host memory and back into fresh blocks on return;
  3. if nothing was preempted, waiting sequences are admitted in arrival order while budget, blocks
     and max_seqs allow: each first takes the cached prefix of its tokens (prefix cache), then
     prefills as much of the rest as the budget holds; a long prompt is chunked over several steps.
     One that finds too few free blocks gives its cached prefix back and waits: a waiting sequence
     holds no blocks, so those that run can always finish.
     One whose next uncached block is being computed by an admitted sequence (agents' prompts
     arriving together share a system prompt) waits a step and then finds it cached.

A sequence whose cache has caught up with its tokens gets a sampled token after the forward
(engine.py); one still mid-prompt does not. A decoding sequence with a draft (speculative.py)
computes its last token and the draft's nodes in the same forward, budget allowing (else the draft
is dropped); after verification only the accepted positions count as computed.
"""

import enum
from collections import deque
from dataclasses import dataclass, field

from distillery_compute.engine.blocks import BlockPool, prefix_keys
from distillery_compute.engine.sampling import SamplingParams


PREEMPTION = ("recompute", "swap")


class Status(enum.Enum):
    WAITING = "waiting"
    RUNNING = "running"
    FINISHED = "finished"


@dataclass(eq=False)
class Sequence:
    id: str
    prompt: list[int]
    params: SamplingParams
    output: list[int] = field(default_factory=list)
    blocks: list[int] = field(default_factory=list)      # block table, in position order
    keys: list[bytes] = field(default_factory=list)      # prefix-cache keys of its full, computed blocks
    lookup: list[bytes] = field(default_factory=list)    # keys of the full blocks of its tokens but the last
    computed: int = 0                                    # positions whose keys and values are in the cache
    cached_tokens: int = 0                               # prompt positions the prefix cache supplied
    status: Status = Status.WAITING
    finish_reason: str | None = None
    swapped: int = 0                                     # positions whose keys and values wait in host memory
    draft: "object | None" = None                        # a speculative.DraftTree to verify next step

    @property
    def tokens(self) -> list[int]:
        return self.prompt + self.output

    @property
    def length(self) -> int:
        return len(self.prompt) + len(self.output)


@dataclass
class Scheduled:
    seq: Sequence
    start: int   # first position computed this step
    count: int   # positions computed this step
    drafted: int = 0   # of which draft nodes (verified after the forward)

    @property
    def samples(self) -> bool:
        """Whether this step brings the sequence's cache up to its last token (a token is sampled)."""
        return self.start + self.count - self.drafted == self.seq.length


class Scheduler:
    def __init__(self, pool: BlockPool, max_batched_tokens: int = 512, max_seqs: int = 64,
                 preemption: str = "recompute"):
        if max_batched_tokens < 1 or max_seqs < 1:
            raise ValueError("max_batched_tokens and max_seqs must be at least 1")
        if preemption not in PREEMPTION:
            raise ValueError(f"preemption must be one of {', '.join(PREEMPTION)}, got {preemption!r}")
        self.preemption = preemption
        # ("out" | "in" | "drop", sequence id, blocks) for the runner to carry out, in order, before the
        # step's forward (swap mode): a block swapped out may be handed to another sequence this step
        self.swaps: list[tuple[str, str, list[int]]] = []
        self.pool, self.budget, self.max_seqs = pool, max_batched_tokens, max_seqs
        self.waiting: deque[Sequence] = deque()
        self.running: list[Sequence] = []
        self.preemptions = 0

    def add(self, seq: Sequence) -> None:
        self.waiting.append(seq)

    def has_work(self) -> bool:
        return bool(self.waiting or self.running)

    def schedule(self) -> list[Scheduled]:
        budget, batch, preempted = self.budget, [], False
        i = 0
        while i < len(self.running) and budget > 0:
            seq = self.running[i]
            count = min(seq.length - seq.computed, budget)
            drafted = len(seq.draft.tokens) if seq.draft is not None and count == seq.length - seq.computed == 1 else 0
            if drafted and budget < 1 + drafted:
                seq.draft, drafted = None, 0
            count += drafted
            if drafted and not self._reserve(seq, seq.computed + count):   # no blocks for the draft: drop it, not others
                seq.draft, count, drafted = None, count - drafted, 0
            while not self._reserve(seq, seq.computed + count):
                victim = self.running[-1]
                self._preempt(victim)
                preempted = True
                if victim is seq:
                    break
            if seq.status is Status.RUNNING:
                batch.append(Scheduled(seq, seq.computed, count, drafted))
                budget -= count
                i += 1
        # in-batch prefix sharing: a waiting sequence whose next uncached block another sequence is
        # computing now waits a step, then finds it in the cache instead of computing it twice
        pending = {key for seq in self.running for key in seq.lookup[seq.computed // self.pool.block_size:]}
        deferred = []
        while not preempted and self.waiting and budget > 0 and len(self.running) < self.max_seqs:
            seq = self.waiting.popleft()
            if seq.swapped:   # back from host memory: fresh blocks, its keys and values copied in
                count = min(seq.length - seq.swapped, budget)
                if not self._reserve(seq, seq.swapped + count):
                    self.waiting.appendleft(seq)
                    break
                self.swaps.append(("in", seq.id, seq.blocks[:-(-seq.swapped // self.pool.block_size)]))
                seq.computed, seq.swapped = seq.swapped, 0
                seq.status = Status.RUNNING
                self.running.append(seq)
                batch.append(Scheduled(seq, seq.computed, count))
                budget -= count
                continue
            if not seq.blocks:
                seq.lookup = prefix_keys(seq.tokens[:-1], self.pool.block_size)
                seq.blocks = self.pool.cached_prefix(seq.lookup)
                seq.keys = seq.lookup[:len(seq.blocks)]
                seq.computed = len(seq.blocks) * self.pool.block_size
                if not seq.output:
                    seq.cached_tokens = seq.computed
            if len(seq.blocks) < len(seq.lookup) and seq.lookup[len(seq.blocks)] in pending:
                self._give_back(seq)
                deferred.append(seq)
                continue
            count = min(seq.length - seq.computed, budget)
            if not self._reserve(seq, seq.computed + count):
                # no room yet: its cached prefix goes back (findable in the prefix cache until evicted),
                # for a waiting sequence holding blocks could leave every block held and none running
                self._give_back(seq)
                self.waiting.appendleft(seq)
                break
            self.pool.count_lookup(seq.length, seq.computed)
            seq.status = Status.RUNNING
            self.running.append(seq)
            batch.append(Scheduled(seq, seq.computed, count))
            budget -= count
            pending.update(seq.lookup[seq.computed // self.pool.block_size:])
        self.waiting.extendleft(reversed(deferred))
        return batch

    def _reserve(self, seq: Sequence, positions: int) -> bool:
        """Blocks for `positions` positions of `seq` (allocating what it lacks), False when too few are free."""
        missing = -(-positions // self.pool.block_size) - len(seq.blocks)
        if missing <= 0:
            return True
        blocks = self.pool.allocate(missing)
        if blocks is None:
            return False
        seq.blocks += blocks
        return True

    def _give_back(self, seq: Sequence) -> None:
        """Release a sequence's blocks (full ones stay findable in the prefix cache): nothing of it is cached."""
        self.pool.release(seq.blocks)
        seq.blocks, seq.keys, seq.computed = [], [], 0

    def _preempt(self, seq: Sequence) -> None:
        self.running.remove(seq)
        if self.preemption == "swap" and seq.computed:
            full = -(-seq.computed // self.pool.block_size)
            self.swaps.append(("out", seq.id, seq.blocks[:full]))
            seq.swapped = seq.computed
        self._give_back(seq)
        seq.draft, seq.status = None, Status.WAITING
        self.preemptions += 1
        self.waiting.appendleft(seq)

    def computed(self, item: Scheduled) -> None:
        """After the forward: the step's positions are in the cache; its newly full blocks join the prefix cache."""
        seq = item.seq
        seq.computed = item.start + item.count
        full, known = seq.computed // self.pool.block_size, len(seq.keys)
        if full > known:
            seq.keys += prefix_keys(seq.tokens[:full * self.pool.block_size], self.pool.block_size,
                                    seq.keys[-1] if seq.keys else None, known)
            for index in range(known, full):
                self.pool.register(seq.blocks[index], seq.keys[index])

    def finish(self, seq: Sequence, reason: str) -> None:
        """Take a sequence out (done, aborted or failed) and release its blocks."""
        if seq.status is Status.RUNNING:
            self.running.remove(seq)
        elif seq.status is Status.WAITING:
            self.waiting.remove(seq)
        self.pool.release(seq.blocks)
        if seq.swapped:
            self.swaps.append(("drop", seq.id, []))
            seq.swapped = 0
        seq.blocks = []
        seq.status, seq.finish_reason = Status.FINISHED, reason
