"""Speculative decoding: a drafter proposes a tree of next tokens, the target verifies it in one forward.

    engine = Engine(model, tok, speculative=SpecConfig(method="tree"), drafter=drafter)   # or method="chain"
    engine = Engine(model, tok, proposer=my_proposer)            # anything with propose() and forget()

Every decoding sequence of a continuous batch gets a draft after each step (EagleProposer): the
drafter first catches up on the positions the target computed since (their features come from the
runner's aux cache, prefix-cache hits included), then drafts. A chain is the drafter's argmax k times
(top_k 1). A tree is EAGLE-2's dynamic tree: the top_k tokens at the root, then at each depth the
frontier (the top_k nodes by cumulative draft log-probability) is expanded by one drafter forward
into top_k children each; the `budget` best nodes overall (ancestors always kept) are verified.

The target computes the sequence's last token and every node in one forward (runner.py: each node
at its depth's position, seeing the cached prefix and its ancestors). verify() walks the tree from
the root: greedy accepts the child equal to the target's argmax, so the output is the target's
greedy output token for token; sampling tries the children in order, accepting child x with
probability p(x) of the target's (temperature, top_p) distribution and else removing x from p and
renormalising, and ends with a token drawn from what is left: the drafts are deterministic, so this
is lossless rejection sampling (EAGLE's sibling scheme). The accepted path's keys and values are
moved into place (a chain's already are) and the rest is overwritten later. The number of drafted
tokens shrinks as the batch grows (SpecConfig.batch_tokens): a large batch already fills the forward.
"""

from collections.abc import Sequence as Seq
from dataclasses import dataclass, field

import torch
from torch import Tensor

from distillery_compute.eagle.drafter import Eagle3Drafter, attend
from distillery_compute.engine.sampling import SamplingParams, probabilities

METHODS = ("chain", "tree")


@dataclass
class SpecConfig:
    # the defaults verify 8 tokens a sequence: on an x86 CPU MKL's packed GEMM is tuned for 8 rows,
    # which then cost less than 5 (compute/README.md, EAGLE)
    method: str = "chain"
    tokens: int = 7           # a chain's length, a tree's depth
    top_k: int = 2            # a tree's branching (a chain's is 1)
    budget: int = 7           # a tree's nodes verified per sequence, the root aside
    batch_tokens: int = 64    # verified tokens per step, all sequences together, the drafts cut to fit

    def check(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"speculative method must be one of {', '.join(METHODS)}, got {self.method!r}")
        for name in ("tokens", "top_k", "budget", "batch_tokens"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"speculative {name} must be a whole number of at least 1, got {getattr(self, name)!r}")

    def shape(self, decoding: int, room: int) -> tuple[int, int, int]:
        """(depth, top_k, nodes) for one of `decoding` sequences that may take `room` more tokens."""
        share = min(room, self.batch_tokens // max(1, decoding) - 1)
        if self.method == "chain":
            depth = min(self.tokens, share)
            return depth, 1, depth
        nodes = min(self.budget, share)
        return min(self.tokens, nodes), min(self.top_k, nodes), nodes


@dataclass
class DraftTree:
    """Drafted tokens (target ids) in verification order: every parent (-1: the root) before its children."""
    tokens: list[int]
    parents: list[int]

    def __post_init__(self):
        self.depths = []
        for p in self.parents:
            self.depths.append(1 if p < 0 else self.depths[p] + 1)

    def is_chain(self) -> bool:
        return all(p == i - 1 for i, p in enumerate(self.parents))

    def visibility(self) -> Tensor:
        """(1 + n, 1 + n) bool: row i (0: the root) sees the root, its ancestors and itself."""
        n = len(self.tokens)
        seen = torch.eye(n + 1, dtype=torch.bool)
        seen[:, 0] = True
        for i, p in enumerate(self.parents):
            if p >= 0:
                seen[i + 1] |= seen[p + 1]
        return seen

    def children(self, node: int) -> list[int]:
        return [i for i, p in enumerate(self.parents) if p == node]


def verify(tree: DraftTree, logits: Tensor, params: SamplingParams) -> tuple[list[int], int]:
    """The accepted nodes (a root-to-node path) and the token that follows them (the target's own).
    logits: (1 + n, vocab), row 0 the root's."""
    path, node = [], -1
    while True:
        row = logits[node + 1]
        kids = tree.children(node)
        if params.temperature == 0:
            best = int(row.argmax())
            nxt = next((c for c in kids if tree.tokens[c] == best), None)
            if nxt is None:
                return path, best
        else:
            p = probabilities(row, params)
            nxt = None
            for c in kids:
                token = tree.tokens[c]
                mass = float(p.sum())
                if float(torch.rand((), generator=params.generator)) * mass < float(p[token]):
                    nxt = c
                    break
                p[token] = 0
            if nxt is None:
                return path, int(torch.multinomial(p, 1, generator=params.generator))
        path.append(nxt)
        node = nxt


@dataclass
class DraftCache:
    """One sequence's drafter keys and values: `length` committed positions, then this round's nodes."""
    k: Tensor
    v: Tensor
    length: int = 0
    temp: int = 0

    def append(self, k: Tensor, v: Tensor) -> int:
        at, n = self.length + self.temp, k.shape[0]
        if at + n > self.k.shape[0]:
            grow = max(2 * self.k.shape[0], at + n)
            self.k = torch.cat([self.k, self.k.new_empty((grow - self.k.shape[0], *self.k.shape[1:]))])
            self.v = torch.cat([self.v, self.v.new_empty((grow - self.v.shape[0], *self.v.shape[1:]))])
        self.k[at:at + n], self.v[at:at + n] = k, v
        self.temp += n
        return at


@dataclass
class _Node:
    draft_id: int
    score: float
    parent: int
    depth: int
    hidden: Tensor                   # the hidden state its expansion reads: its parent's output
    temp: int | None = None          # its keys' index in the cache's round, once expanded
    ancestors: list[int] = field(default_factory=list)   # expanded ancestors' temp indices


class EagleProposer:
    """Drafts for the engine's decoding sequences with an EAGLE-3 drafter over the runner's aux cache."""

    def __init__(self, drafter: Eagle3Drafter, runner, config: SpecConfig):
        if tuple(runner.aux_layers) != tuple(drafter.config.aux_layers):
            raise ValueError(f"the runner keeps layers {runner.aux_layers}, the drafter reads {drafter.config.aux_layers}")
        self.drafter, self.runner, self.config = drafter, runner, config
        self.caches: dict[str, DraftCache] = {}

    def forget(self, seq_id: str) -> None:
        self.caches.pop(seq_id, None)

    def _cache(self, seq_id: str) -> DraftCache:
        if seq_id not in self.caches:
            a, w = self.drafter.args, self.drafter.norm.weight
            shape = (256, a.n_kv_heads, a.head_dim)
            self.caches[seq_id] = DraftCache(w.new_empty(shape), w.new_empty(shape))
        return self.caches[seq_id]

    @torch.inference_mode()
    def propose(self, work: Seq[tuple]) -> list[DraftTree | None]:
        """A draft per (sequence, depth, top_k, nodes): the sequence's keys and values are in the
        runner's cache up to its last token, which the target computes next with the draft."""
        d, bs = self.drafter, self.runner.block_size
        caches = [self._cache(seq.id) for seq, *_ in work]
        # catch up: positions the drafter has not seen, each with the token after it
        tokens, slots, positions, last = [], [], [], []
        for (seq, *_), cache in zip(work, caches):
            new = range(cache.length, seq.length - 1)
            tokens += seq.tokens[new.start + 1:new.stop + 1]
            slots += [seq.blocks[p // bs] * bs + p % bs for p in new]
            positions += new
            last.append(len(tokens) - 1)
        device = d.norm.weight.device
        hidden = d.fuse(self.runner.aux_cache[torch.tensor(slots, device=device)])
        q, k, v = d.project(torch.tensor(tokens, device=device), hidden, torch.tensor(positions, device=device))
        first = 0
        outs = []
        for cache, end in zip(caches, last):
            cache.append(k[first:end + 1], v[first:end + 1])
            cache.length, cache.temp = cache.length + cache.temp, 0
            outs.append(attend(q[end:end + 1], cache.k[:cache.length], cache.v[:cache.length], None))
            first = end + 1
        rows = torch.tensor(last, device=device)
        root_out = d.finish(hidden[rows], torch.cat(outs))
        root_logp = torch.log_softmax(d.logits(root_out).float(), dim=-1)
        # the trees, grown depth by depth over every sequence at once
        nodes: list[list[_Node]] = []
        frontier: list[list[int]] = []
        for i, (seq, depth, top_k, budget) in enumerate(work):
            scores, ids = root_logp[i].topk(top_k)
            nodes.append([_Node(int(t), float(s), -1, 1, root_out[i]) for s, t in zip(scores, ids)])
            frontier.append(list(range(top_k)) if depth > 1 else [])
        for level in range(1, max((w[1] for w in work), default=0)):
            grow = [(i, j) for i, f in enumerate(frontier) for j in f]
            if not grow:
                break
            ids = torch.tensor([nodes[i][j].draft_id for i, j in grow], device=device)
            hidden = torch.stack([nodes[i][j].hidden for i, j in grow])
            pos = torch.tensor([work[i][0].length - 2 + level for i, _ in grow], device=device)
            q, k, v = d.project(d.to_target(ids), hidden, pos)
            outs, at = [], 0
            for i, f in enumerate(frontier):
                if not f:
                    continue
                cache, n = caches[i], len(f)
                start = cache.append(k[at:at + n], v[at:at + n]) - cache.length
                for r, j in enumerate(f):
                    nodes[i][j].temp = start + r
                seen = torch.zeros(n, cache.length + cache.temp, dtype=torch.bool, device=device)
                seen[:, :cache.length] = True
                for r, j in enumerate(f):
                    seen[r, [cache.length + t for t in nodes[i][j].ancestors + [nodes[i][j].temp]]] = True
                outs.append(attend(q[at:at + n], cache.k[:cache.length + cache.temp],
                                   cache.v[:cache.length + cache.temp], seen))
                at += n
            out = d.finish(hidden, torch.cat(outs))
            logp = torch.log_softmax(d.logits(out).float(), dim=-1)
            at = 0
            for i, f in enumerate(frontier):
                seq, depth, top_k, _ = work[i]
                children = []
                for j in f:
                    parent = nodes[i][j]
                    scores, ids = logp[at].topk(top_k)
                    for s, t in zip(scores.tolist(), ids.tolist()):
                        nodes[i].append(_Node(t, parent.score + s, j, level + 1, out[at],
                                              ancestors=parent.ancestors + [parent.temp]))
                        children.append(len(nodes[i]) - 1)
                    at += 1
                children.sort(key=lambda c: -nodes[i][c].score)
                frontier[i] = children[:top_k] if level + 1 < depth else []
        for cache in caches:
            cache.temp = 0
        return [self._select(ns, budget) for ns, (_, _, _, budget) in zip(nodes, work)]

    def _select(self, nodes: list[_Node], budget: int) -> DraftTree:
        """The `budget` best nodes by cumulative log-probability, with their ancestors, parents first."""
        keep: set[int] = set()
        for j in sorted(range(len(nodes)), key=lambda j: -nodes[j].score):
            chain = []
            while j >= 0 and j not in keep:
                chain.append(j)
                j = nodes[j].parent
            if len(keep) + len(chain) <= budget:
                keep.update(chain)
            if len(keep) >= budget:
                break
        order = sorted(keep, key=lambda j: (nodes[j].depth, -nodes[j].score))
        index = {j: r for r, j in enumerate(order)}
        target = self.drafter.to_target(torch.tensor([nodes[j].draft_id for j in order],
                                                     device=self.drafter.d2t.device)).tolist()
        return DraftTree(target, [index[nodes[j].parent] if nodes[j].parent >= 0 else -1 for j in order])
