"""Decode steps as CUDA graphs: one graph per (batch, context) bucket, replayed with new inputs.

    runner.graphs = DecodeGraphs(runner, max_seqs=64)        # the Engine does this on one CUDA GPU (decode_graphs)
    logits = runner.forward(step)                            # a decode-only step that fits: a replay

A batch-1 decode of an 8B model launches some 500 kernels; on a GPU their launch overhead in Python is
as long as the weights take to read, so a step is captured once and replayed (vLLM and SGLang do the
same). A graph's shapes are fixed, so a step is padded to its bucket: the batch to the next of 1, 2,
4, 8, ... rows (the extra rows decode token 0 into a scratch block that no sequence owns), every
block table to the next power-of-two number of blocks (the scratch block past a table's end), and
each row attends over its table's blocks gathered side by side with the positions past its context
length masked (two batched matmuls a layer, the query heads of a key/value head together, as the
eager runner's decodes; no attention backend to pick under capture). Padding the context costs at most twice
the keys and values a step reads; steps whose padded context passes max_context_tokens (large
batches of long contexts) and every step that is not a plain decode (prefills, drafts) run eagerly.

A graph is captured the first time its bucket is met (a few hundred milliseconds on an 8B model)
and shares one memory pool with the others. capture=False runs the same padded computation without
capturing it: the CPU tests check it against the eager runner that way, and where a GPU is present
the gpu tests check the replays (tests/test_gpu.py).
"""

import torch
import torch.nn.functional as F
from torch import Tensor

from distillery_compute.engine.runner import PagedRunner, Step

MAX_CONTEXT_TOKENS = 1 << 16   # batch x padded context a graph may gather, in tokens


def bucket(n: int) -> int:
    """The next power of two >= n."""
    return 1 << max(0, n - 1).bit_length()


class DecodeGraphs:
    def __init__(self, runner: PagedRunner, max_seqs: int, capture: bool = True,
                 max_context_tokens: int = MAX_CONTEXT_TOKENS):
        if runner.world > 1 or runner.batch_invariant:
            raise ValueError("decode graphs run one rank without batch-invariant decoding")
        if capture and runner.device.type != "cuda":
            raise ValueError(f"CUDA graphs need a CUDA device, the model is on {runner.device}")
        self.runner, self.capture, self.max_context_tokens = runner, capture, max_context_tokens
        self.max_batch = bucket(max_seqs)
        self.scratch_block = runner.num_blocks - 1   # the runner holds one block more than the pool hands out
        self.captured: dict[tuple[int, int], tuple] = {}
        self.pool = None
        self.runs = 0      # steps served here (replayed, or run eagerly with capture=False)

    def fits(self, step: Step) -> bool:
        tables, _ = step.decodes
        batch, width = bucket(len(tables)), bucket(max(len(t) for t in tables))
        return batch <= self.max_batch and batch * width * self.runner.block_size <= self.max_context_tokens

    def run(self, step: Step) -> Tensor:
        """The step's logits (fp32), one row a sequence, from its bucket's graph."""
        tables, lengths = step.decodes
        n, width = len(tables), bucket(max(len(t) for t in tables))
        graph, inputs, logits = self._bucket(bucket(n), width)
        # every row is written, the padding rows too: rows an earlier step of this bucket filled with its
        # sequences would otherwise write into their slots, which may belong to others by now
        pad, extra = self.scratch_block, bucket(n) - n
        inputs["tokens"].copy_(F.pad(step.tokens, (0, extra)))
        inputs["positions"].copy_(F.pad(step.positions, (0, extra)))
        inputs["slots"].copy_(F.pad(step.slots, (0, extra), value=pad * self.runner.block_size))
        inputs["tables"].copy_(torch.tensor([t + [pad] * (width - len(t)) for t in tables] + [[pad] * width] * extra))
        inputs["lengths"].copy_(torch.tensor(lengths + [1] * extra))
        self.runs += 1
        if graph is None:
            return self._decode(**inputs)[:n]
        graph.replay()
        return logits[:n].clone()

    def _bucket(self, batch: int, width: int) -> tuple:
        """(graph or None, its static inputs, its static logits) for a bucket, captured on first use."""
        key = (batch, width)
        if key in self.captured:
            return self.captured[key]
        device, bs = self.runner.device, self.runner.block_size
        scratch_slot = self.scratch_block * bs
        # the padding rows: token 0 at position 0 into the scratch block, attending over its first slot
        inputs = dict(tokens=torch.zeros(batch, dtype=torch.long, device=device),
                      positions=torch.zeros(batch, dtype=torch.long, device=device),
                      slots=torch.full((batch,), scratch_slot, dtype=torch.long, device=device),
                      tables=torch.full((batch, width), self.scratch_block, dtype=torch.long, device=device),
                      lengths=torch.ones(batch, dtype=torch.long, device=device))
        graph, logits = None, None
        if self.capture:
            side = torch.cuda.Stream(device)
            side.wait_stream(torch.cuda.current_stream(device))
            with torch.cuda.stream(side):   # warm up (lazy inits, cuBLAS workspaces) off the capture
                self._decode(**inputs)
            torch.cuda.current_stream(device).wait_stream(side)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph, pool=self.pool):
                logits = self._decode(**inputs)
            self.pool = graph.pool()
        self.captured[key] = (graph, inputs, logits)
        return self.captured[key]

    @torch.inference_mode()
    def _decode(self, tokens: Tensor, positions: Tensor, slots: Tensor, tables: Tensor, lengths: Tensor) -> Tensor:
        r = self.runner
        batch, width = tables.shape
        context, group = width * r.block_size, r.heads // r.kv_heads
        hidden = (torch.arange(context, device=tables.device)[None, :] >= lengths[:, None])[:, None, None, :]

        def attention(i: int, q: Tensor, k: Tensor, v: Tensor) -> Tensor:
            r.k_cache[i][slots] = k
            r.v_cache[i][slots] = v
            keys, values = (cache.view(r.num_blocks, -1).index_select(0, tables.view(-1))
                            .view(batch, context, r.kv_heads, -1).transpose(1, 2) for cache in (r.k_cache[i], r.v_cache[i]))
            # the query heads of a key/value head together: (batch, KVH, group, hd) x (batch, KVH, hd, context)
            scores = (q.reshape(batch, r.kv_heads, group, -1) @ keys.transpose(2, 3)) * r.scale
            y = torch.softmax(scores.masked_fill_(hidden, float("-inf")), dim=-1) @ values
            return y.view(batch, r.heads, -1)

        return r.layers_forward(tokens, positions, slots, None, attention)
