"""The student's forward over a paged KV cache, for a flattened batch of mixed prefill chunks and decodes.

    runner = PagedRunner(model, num_blocks=4096, block_size=16)          # takes the model's weights
    step = runner.prepare([(tokens, start, block_table, logit_rows), ...])   # logit_rows: how many last rows
    logits = runner.forward(step)                                       # (rows that want logits, vocab)

The linear layers see every scheduled token of every sequence as one (tokens, dim) matrix
(selective batching); attention is the only per-sequence part. The keys and values live in one
tensor per layer of shape (num_blocks * block_size, kv_heads, head_dim), addressed by slot =
block * block_size + offset. A step first writes its new keys and values into their slots, then:

  - sequences that compute one position (decodes) and share a prefix (their block tables start
    with the same block: the prefix cache gave them the same system prompt) attend together over
    the union of their blocks, each masked to its own, so the shared keys and values are read once
    (cascade attention); a lone decode reads its blocks in place when their ids are consecutive;
  - the other decodes attend together: their blocks are gathered side by side (one index_select of
    whole blocks), the shorter contexts masked, and per key/value head two batched matmuls give every
    query head of every sequence its scores and output;
  - a sequence that computes several positions (a prompt or a chunk of one) attends alone over its
    cached prefix and itself, causally: its blocks read in place when their ids are consecutive
    (the usual case for a fresh prompt), else gathered.

A sequence may also compute a draft tree (speculative decoding): its rows then carry their own
positions (the root's plus each node's depth) and a mask of which new rows each sees (its ancestors),
besides its whole cached prefix; move() then copies the accepted path's keys and values into place.
With aux_layers (an EAGLE drafter's, HF hidden_states indices), the inputs of those layers are kept
per slot too, side by side (aux_cache: (slots, 3 * dim)), so the drafter reads the target's features
of any cached position, a prefix-cache hit's included.

With batch_invariant (fp32 on an x86 CPU; the Engine's default for an FP8 target there) a row's
results do not depend on what else the forward computes, bit for bit: the linear layers pad their
rows to MKL's row tile (mkl_row_tile), every decode attends alone over exactly its context (no
padded batch, no shared prefix), and a draft's rows (a sequence whose every row wants logits) attend
one by one as their decodes will. Without it a draft's rows differ from their one-token decodes in
the last bits (up to 2e-5 in the micro model's logits): harmless in fp32, but an FP8 layer's input
rounding can turn it into a different token, so speculation would not be the plain greedy output.

The weights are the model's (model.py's Llama, HF names), with q/k/v and gate/up each fused into one
matrix, MKL-packed on x86 CPUs in fp32 (mkl_packing). Layers an FP8 checkpoint quantized (FP8Linear)
run as FP8Matmul: E4M3 GEMMs on Ada/Hopper, the same numerics emulated elsewhere (fp8/linear.py). With a tensor-parallel group (tp.py) each rank holds its share of the heads and of the MLP:
q/k/v and gate/up are split by output (Megatron column parallel), o_proj and down_proj by input (row
parallel), each followed by one all-reduce; embeddings, norms and the LM head are whole on every rank.
"""

from collections.abc import Sequence
import functools
from dataclasses import dataclass

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor

from distillery_compute.fp8.linear import FP8Linear, FP8Matmul
from distillery_compute.model import Transformer, apply_rope, rope_inv_freq


@dataclass
class Step:
    """One forward's inputs, built by prepare(); every tensor is on the runner's device."""
    tokens: Tensor                  # (T,) the scheduled tokens of all sequences, concatenated
    positions: Tensor               # (T,)
    slots: Tensor                   # (T,) where each token's keys and values go
    shared: list["SharedContext"]   # decodes attending over one context (alone, or sharing a prefix)
    decode_rows: Tensor             # (D,) rows of the other decodes, batched
    decode_blocks: Tensor           # (D * B,) their block tables, each padded to the longest (B blocks)
    decode_pad: Tensor              # (D, B * block_size) True where a position is padding, not context
    prefills: list[tuple[int, int, Tensor | tuple[int, int], int, Tensor | None]]
    # (first row, rows, context blocks: a (first, end) range when consecutive, cached positions, a draft
    # tree's (rows, rows) visibility or None for causal) of the others
    logit_rows: Tensor              # (L,) rows whose next-token logits are wanted
    alone: list[tuple[Tensor, Tensor | tuple[int, int], int, list[Tensor] | None]] = ()
    decodes: tuple[list[list[int]], list[int]] | None = None
    # when every sequence decodes one token and wants its logits: their block tables and context
    # lengths, in row order (what a captured decode graph takes, graphs.py)
    # batch-invariant decoding: sequences whose every row wants logits (a draft's verification), each
    # row attending alone as its decode would: (their rows, context blocks, cached positions, per row
    # the positions it sees for a draft tree, None for a chain)


def mkl_packing(device: torch.device, dtype: torch.dtype) -> bool:
    """Whether linear layers can use MKL's pre-packed sgemm: fp32 on an x86 CPU with torch's MKL build.

    MKL packs the weight matrix on every sgemm call; packed once ahead, small batches (decodes) and
    prefill chunks skip that work. One row (a batch-1 decode) is fastest as a plain product with the
    weight stored transposed. (engine_bench.py's batch-1 and 8-concurrent figures include both.) Results agree with the plain product to fp32 rounding, not bit for bit: MKL's kernels, like
    any BLAS's, sum in an order that depends on the batch size."""
    return (device.type == "cpu" and dtype == torch.float32 and torch.backends.mkl.is_available()
            and hasattr(torch.ops.mkl, "_mkl_linear") and hasattr(torch.ops.mkl, "_mkl_reorder_linear_weight"))


PACK_BATCH = 8   # the batch size MKL is told to expect (the results do not depend on it)


@functools.cache
def mkl_row_tile() -> int:
    """The row count of MKL's packed sgemm kernel on this CPU: a row in a full tile of that many rows
    gets the same bits whatever the product's row count; the last M % tile rows go through other
    kernels and differ in the last bits (4 on AVX2, measured from 1 to 512 rows, 1 and 2 threads).
    Found once by comparing products of several tiles with products of one; 0 when no candidate holds."""
    gen = torch.Generator().manual_seed(0)
    weight, x = torch.randn(256, 512, generator=gen), torch.randn(48, 512, generator=gen)
    packed = torch.ops.mkl._mkl_reorder_linear_weight(weight, PACK_BATCH)
    product = lambda rows: torch.ops.mkl._mkl_linear(rows, packed, weight, None, PACK_BATCH)   # noqa: E731
    for tile in (4, 8, 16):
        alone = torch.cat([product(x[i:i + tile]) for i in range(0, 48, tile)])
        if all(torch.equal(product(x[:m]), alone[:m]) for m in (2 * tile, 3 * tile, 48)):
            return tile
    return 0


class Linear:
    """y = x W^T with a weight the runner owns: MKL-packed where mkl_packing() holds (and a transposed
    copy for one row), else a plain matmul. With row_tile (batch-invariant decoding) the rows are
    padded to a multiple of it, so that every row goes through MKL's full-tile kernel and its result
    does not depend on how many rows the product has (a decode's one, a verification's eight)."""

    def __init__(self, weight: Tensor, pack: bool, row_tile: int = 0):
        self.weight = weight.detach()
        self.packed = torch.ops.mkl._mkl_reorder_linear_weight(self.weight, PACK_BATCH) if pack else None
        self.by_column = self.weight.T.contiguous() if pack and not row_tile else None
        self.row_tile = row_tile

    def __call__(self, x: Tensor) -> Tensor:
        if self.packed is None:
            return x @ self.weight.T
        if self.row_tile:
            rows = x.shape[0]
            if rows % self.row_tile:
                x = torch.cat([x, x.new_zeros(self.row_tile - rows % self.row_tile, x.shape[1])])
            return torch.ops.mkl._mkl_linear(x, self.packed, self.weight, None, PACK_BATCH)[:rows]
        if x.shape[0] == 1:
            return x @ self.by_column
        return torch.ops.mkl._mkl_linear(x, self.packed, self.weight, None, PACK_BATCH)


def in_place(blocks: list[int]) -> tuple[int, int] | None:
    """(first, end) when a block table's ids are consecutive: its keys and values are one slice of the cache."""
    return (blocks[0], blocks[-1] + 1) if blocks == list(range(blocks[0], blocks[0] + len(blocks))) else None


@dataclass
class SharedContext:
    """Decodes whose block tables share their leading blocks (a prompt prefix from the prefix cache;
    share_groups), or one decode alone: each attends over the union of their blocks, its own
    positions unmasked, so the shared prefix's keys and values are read once for all of them."""
    rows: Tensor                               # (m,) their rows
    blocks: Tensor | tuple[int, int]           # the union of their blocks, in table order
    mask: Tensor | None                        # (m, blocks * block_size) True where a member does not look
    length: int                                # positions to attend over (a lone decode: its context)


def share_groups(tables: list[list[int]], members: list[int], depth: int = 0) -> list[list[int]]:
    """Decodes grouped by shared prefix: a group's common leading blocks are at least half of its
    members' mean table (so attending over the union wastes little); else it splits by the first
    block where its members differ. Agents' prompts share a short preamble, then each agent's system
    prompt: the groups are the agents."""
    if len(members) <= 1:
        return [members] if members else []
    common = depth
    while all(common < len(tables[i]) and tables[i][common] == tables[members[0]][common] for i in members):
        common += 1
    if 2 * common >= sum(len(tables[i]) for i in members) / len(members):
        return [members]
    parts: dict[int | None, list[int]] = {}
    for i in members:
        parts.setdefault(tables[i][common] if common < len(tables[i]) else None, []).append(i)
    return [group for part in parts.values() for group in share_groups(tables, part, common)]


def long_tensor(values, device: torch.device) -> Tensor:
    return torch.tensor(values, dtype=torch.long, device=device)


def shared_contexts(rows: list[int], tables: list[list[int]], lengths: list[int], block_size: int,
                    device: torch.device) -> tuple[list[SharedContext], list[int]]:
    """Split decodes (their rows, block tables and context lengths) into SharedContexts, and the
    indices of the rest (contexts shared with no one, batched by a padded gather)."""
    as_tensor = functools.partial(long_tensor, device=device)
    groups = share_groups(tables, list(range(len(tables))))
    alone = [members[0] for members in groups if len(members) == 1]
    out = []
    if len(alone) == 1:   # the only unshared decode reads its own blocks in place
        i = alone.pop()
        out.append(SharedContext(as_tensor([rows[i]]), in_place(tables[i]) or as_tensor(tables[i]), None, lengths[i]))
    for members in (m for m in groups if len(m) > 1):
        union, column = [], {}
        for i in members:
            for block in tables[i]:
                if block not in column:
                    column[block] = len(union)
                    union.append(block)
        mask = torch.ones(len(members), len(union), block_size, dtype=torch.bool)
        for row, i in enumerate(members):
            mask[row, [column[b] for b in tables[i]]] = False
            mask[row, column[tables[i][-1]], lengths[i] - (len(tables[i]) - 1) * block_size:] = True
        out.append(SharedContext(as_tensor([rows[i] for i in members]), in_place(union) or as_tensor(union),
                                 mask.view(len(members), -1).to(device), len(union) * block_size))
    return out, sorted(alone)


class PagedRunner:
    def __init__(self, model: Transformer, num_blocks: int, block_size: int,
                 group: "dist.ProcessGroup | None" = None, aux_layers: Sequence[int] = (),
                 batch_invariant: bool = False):
        args = model.args
        self.args, self.block_size, self.num_blocks = args, block_size, num_blocks
        self.group = group
        rank, world = (dist.get_rank(group), dist.get_world_size(group)) if group is not None else (0, 1)
        for name, count in (("attention heads", args.n_heads), ("key/value heads", args.n_kv_heads),
                            ("MLP width", args.intermediate_size)):
            if count % world:
                raise ValueError(f"tensor parallel size {world} does not divide the model's {name} ({count})")
        self.world = world
        self.heads, self.kv_heads = args.n_heads // world, args.n_kv_heads // world
        hd, inter = args.head_dim, args.intermediate_size // world
        weight = model.model.norm.weight
        self.device, self.dtype = weight.device, weight.dtype

        def rows(w: Tensor, per_rank: int) -> Tensor:   # this rank's output features
            return w[rank * per_rank:(rank + 1) * per_rank]

        def cols(w: Tensor, per_rank: int) -> Tensor:   # this rank's input features
            return w[:, rank * per_rank:(rank + 1) * per_rank].contiguous()

        pack = mkl_packing(self.device, self.dtype)
        row_tile = 0
        if batch_invariant:
            if not pack:
                raise ValueError("batch-invariant decoding needs fp32 on an x86 CPU with MKL, "
                                 f"got {self.dtype} on {self.device}")
            row_tile = mkl_row_tile()
            if not row_tile:
                raise ValueError("batch-invariant decoding: MKL's packed sgemm on this CPU computes no row "
                                 "count (4, 8, 16) row by row alike")
        self.batch_invariant = batch_invariant

        def linear(*parts: tuple[torch.nn.Module, Tensor]) -> "Linear | FP8Matmul":
            """One matmul for modules that read the same input: (module, this rank's share of its weight)."""
            weight = torch.cat([w for _, w in parts]) if len(parts) > 1 else parts[0][1]
            quantized = [isinstance(m, FP8Linear) for m, _ in parts]
            if not any(quantized):
                return Linear(weight, pack, row_tile)
            first = parts[0][0]
            if not all(quantized) or any(not (torch.equal(m.weight_scale, first.weight_scale) and
                                              torch.equal(m.input_scale, first.input_scale)) for m, _ in parts):
                raise ValueError("fused FP8 layers (q/k/v, gate/up) need one shared weight scale and input scale")
            return FP8Matmul(weight, first.weight_scale, first.input_scale, self.dtype,
                             dense=lambda w: Linear(w, pack, row_tile))

        self.layers = []
        for layer in model.model.layers:
            a, m = layer.self_attn, layer.mlp
            self.layers.append(dict(
                norm1=layer.input_layernorm, norm2=layer.post_attention_layernorm,
                qkv=linear((a.q_proj, rows(a.q_proj.weight, self.heads * hd)),
                           (a.k_proj, rows(a.k_proj.weight, self.kv_heads * hd)),
                           (a.v_proj, rows(a.v_proj.weight, self.kv_heads * hd))),
                o=linear((a.o_proj, cols(a.o_proj.weight, self.heads * hd))),
                gate_up=linear((m.gate_proj, rows(m.gate_proj.weight, inter)), (m.up_proj, rows(m.up_proj.weight, inter))),
                down=linear((m.down_proj, cols(m.down_proj.weight, inter))),
            ))
        self.embed, self.norm = model.model.embed_tokens, model.model.norm
        self.lm_head = linear((model.lm_head, model.lm_head.weight))
        self.qk_width = (self.heads + self.kv_heads) * hd
        self.scale = hd ** -0.5
        self.inter = inter
        positions = torch.arange(args.max_seq_len, device=self.device)
        angles = positions[:, None].float() * rope_inv_freq(args, self.device)
        angles = torch.cat((angles, angles), dim=-1)
        self.cos, self.sin = angles.cos().to(self.dtype), angles.sin().to(self.dtype)
        shape = (num_blocks * block_size, self.kv_heads, hd)
        self.k_cache = [torch.zeros(shape, dtype=self.dtype, device=self.device) for _ in self.layers]
        self.v_cache = [torch.zeros(shape, dtype=self.dtype, device=self.device) for _ in self.layers]
        self.scratch = [torch.empty(0, dtype=self.dtype, device=self.device) for _ in range(2)]
        self.swapped: dict[str, list[Tensor]] = {}   # swap-mode preemption: a sequence's blocks, per layer
        self.aux_layers = tuple(aux_layers)
        self.aux_cache = torch.zeros((num_blocks * block_size, len(self.aux_layers) * args.dim) if aux_layers else (0,),
                                     dtype=self.dtype, device=self.device)
        self.graphs = None   # DecodeGraphs (graphs.py): decode-only steps as CUDA graphs

    @staticmethod
    def bytes_per_block(args, block_size: int, dtype: torch.dtype, world: int = 1, aux_layers: int = 0) -> int:
        kv = 2 * args.n_layers * block_size * (args.n_kv_heads // world) * args.head_dim
        return (kv + aux_layers * block_size * args.dim) * dtype.itemsize

    def prepare(self, work: Sequence[tuple]) -> Step:
        """A Step from, per sequence, (tokens to compute, their first position, the sequence's block table,
        how many of its last rows want logits[, its draft tree: (depths of its rows, (rows, rows) visibility)])."""
        bs = self.block_size
        tokens, positions, slots, logit_rows, prefills, alone = [], [], [], [], [], []
        decode_rows, decode_tables, decode_lengths = [], [], []
        as_tensor = functools.partial(long_tensor, device=self.device)
        for new, start, table, wants, *tree in work:
            first, count, end = len(tokens), len(new), start + len(new)
            tokens += new
            positions += [start + d for d in tree[0][0]] if tree else range(start, end)
            slots += [table[p // bs] * bs + p % bs for p in range(start, end)]
            blocks = list(table[:-(-end // bs)])
            if count == 1:
                decode_rows.append(first)
                decode_tables.append(blocks)
                decode_lengths.append(end)
            elif self.batch_invariant and wants == count:
                seen = None
                if tree:   # a node sees the cached prefix, then its ancestors and itself in depth order
                    seen = [torch.cat([torch.arange(start), start + row.nonzero()[:, 0]]).to(self.device)
                            for row in tree[0][1]]
                alone.append((as_tensor(range(first, first + count)), in_place(blocks) or as_tensor(blocks),
                              start, seen))
            else:
                prefills.append((first, count, in_place(blocks) or as_tensor(blocks), start,
                                 tree[0][1].to(self.device) if tree else None))
            logit_rows += range(first + count - int(wants), first + count)
        if self.batch_invariant:   # every decode alone over its own context: no padding, no shared prefix
            shared = [SharedContext(as_tensor([row]), in_place(table) or as_tensor(table), None, length)
                      for row, table, length in zip(decode_rows, decode_tables, decode_lengths)]
            rest = []
        else:
            shared, rest = shared_contexts(decode_rows, decode_tables, decode_lengths, bs, self.device)
        width = max((len(decode_tables[i]) for i in rest), default=0)
        pad = (torch.arange(width * bs)[None, :]
               >= torch.tensor([decode_lengths[i] for i in rest], dtype=torch.long)[:, None])
        return Step(tokens=as_tensor(tokens), positions=as_tensor(positions), slots=as_tensor(slots),
                    shared=shared, decode_rows=as_tensor([decode_rows[i] for i in rest]),
                    decode_blocks=as_tensor([b for i in rest for b in decode_tables[i] + [0] * (width - len(decode_tables[i]))]),
                    decode_pad=pad.view(len(rest), width * bs).to(self.device),
                    prefills=prefills, logit_rows=as_tensor(logit_rows), alone=alone,
                    decodes=(decode_tables, decode_lengths) if len(decode_rows) == len(work) == len(logit_rows) else None)

    def swap(self, ops: Sequence[tuple[str, str, list[int]]]) -> None:
        """Carry out the scheduler's swaps in order: "out" copies a sequence's blocks to host memory,
        "in" copies them back into its new blocks, "drop" forgets them; "move" (the engine's, for the
        other tensor-parallel ranks) is move() of (src, dst) slots."""
        for op, seq_id, blocks in ops:
            if op == "move":
                self.move(*blocks)
                continue
            if op == "drop":
                self.swapped.pop(seq_id, None)
                continue
            index = torch.tensor(blocks, dtype=torch.long, device=self.device)
            if op == "out":
                self.swapped[seq_id] = [cache.view(self.num_blocks, -1).index_select(0, index).cpu()
                                        for cache in self.slot_caches()]
            else:
                for cache, saved in zip(self.slot_caches(), self.swapped.pop(seq_id)):
                    cache.view(self.num_blocks, -1)[index] = saved.to(self.device)

    def move(self, src: Sequence[int], dst: Sequence[int]) -> None:
        """Copy the keys, values (and features) of slots `src` into slots `dst`: a draft tree's accepted path."""
        s, d = long_tensor(src, self.device), long_tensor(dst, self.device)
        for cache in self.slot_caches():
            cache[d] = cache[s]

    def slot_caches(self) -> list[Tensor]:
        """Every tensor indexed by slot: the keys and values of each layer, and the drafter's features."""
        return self.k_cache + self.v_cache + ([self.aux_cache] if self.aux_layers else [])

    def _all_reduce(self, x: Tensor) -> Tensor:
        if self.world > 1:
            dist.all_reduce(x, group=self.group)
        return x

    def _context(self, cache: Tensor, blocks: Tensor | tuple[int, int], buffer: int = 0) -> Tensor:
        """(positions, KVH, hd) keys or values of a block table: a view of consecutive blocks, else a
        gather into scratch buffer `buffer` (reused from layer to layer and step to step: a fresh
        allocation of this size costs its page faults every time)."""
        if isinstance(blocks, tuple):
            return cache[blocks[0] * self.block_size:blocks[1] * self.block_size]
        by_block = cache.view(self.num_blocks, -1)
        size = len(blocks) * by_block.shape[1]
        if self.scratch[buffer].numel() < size:
            self.scratch[buffer] = torch.empty(size, dtype=cache.dtype, device=cache.device)
        out = self.scratch[buffer][:size].view(len(blocks), -1)
        torch.index_select(by_block, 0, blocks, out=out)
        return out.view(-1, *cache.shape[1:])

    def _attend(self, q: Tensor, rows: Tensor, kd: Tensor, vd: Tensor, mask: Tensor | None) -> Tensor:
        """The queries q[rows] against one context's keys and values (ctx, KVH, hd), `mask` (rows, ctx)
        True where a row does not look: (KVH, rows * g, hd) x (KVH, hd, ctx) -> (rows, H, hd)."""
        m, group, hd = len(rows), self.heads // self.kv_heads, q.shape[-1]
        qd = q[rows].view(m, self.kv_heads, group, hd).transpose(0, 1).reshape(self.kv_heads, m * group, hd)
        scores = (qd @ kd.permute(1, 2, 0)) * self.scale                                       # (KVH, m g, ctx)
        if mask is not None:
            scores = scores.view(self.kv_heads, m, group, -1).masked_fill_(
                mask[None, :, None, :], float("-inf")).view(self.kv_heads, m * group, -1)
        y = torch.softmax(scores, dim=-1) @ vd.transpose(0, 1)                                 # (KVH, m g, hd)
        return y.view(self.kv_heads, m, group, hd).transpose(0, 1).reshape(m, self.heads, hd)

    def _attention(self, i: int, q: Tensor, k: Tensor, v: Tensor, step: Step) -> Tensor:
        k_cache, v_cache = self.k_cache[i], self.v_cache[i]
        k_cache[step.slots] = k
        v_cache[step.slots] = v
        out = q.new_empty(q.shape)
        group, hd = self.heads // self.kv_heads, q.shape[-1]
        for context in step.shared:
            # read in place when its blocks are consecutive
            kd = self._context(k_cache, context.blocks)[:context.length]                       # (ctx, KVH, hd)
            vd = self._context(v_cache, context.blocks, 1)[:context.length]
            out[context.rows] = self._attend(q, context.rows, kd, vd, context.mask)
        for rows, blocks, cached, seen in step.alone:
            # a draft's rows one by one, each over exactly the positions it sees, in the order its decode
            # would read them: a softmax or a product over a longer (masked) context differs in the last bits
            kc = self._context(k_cache, blocks)[:cached + len(rows)]
            vc = self._context(v_cache, blocks, 1)[:cached + len(rows)]
            for j in range(len(rows)):
                kd, vd = (kc[:cached + j + 1], vc[:cached + j + 1]) if seen is None else (kc[seen[j]], vc[seen[j]])
                out[rows[j:j + 1]] = self._attend(q, rows[j:j + 1], kd, vd, None)
        if len(step.decode_rows):
            # all decodes at once: their blocks gathered side by side (D, context, KVH, hd), the padding
            # masked; per key/value head one batched matmul for the scores and one for the output
            d = len(step.decode_rows)
            kd = self._context(k_cache, step.decode_blocks, 0).view(d, -1, self.kv_heads, hd)
            vd = self._context(v_cache, step.decode_blocks, 1).view(d, -1, self.kv_heads, hd)
            qd = q[step.decode_rows].view(d, self.kv_heads, group, hd)
            y = torch.empty_like(qd)
            for h in range(self.kv_heads):
                scores = torch.bmm(qd[:, h], kd[:, :, h].transpose(1, 2)) * self.scale            # (D, g, ctx)
                scores.masked_fill_(step.decode_pad[:, None, :], float("-inf"))
                y[:, h] = torch.bmm(torch.softmax(scores, dim=-1), vd[:, :, h])
            out[step.decode_rows] = y.view(d, self.heads, hd)
        for first, count, blocks, cached, tree in step.prefills:
            end = cached + count
            qp = q[first:first + count].transpose(0, 1).unsqueeze(0)                          # (1, H, n, hd)
            kp = self._context(k_cache, blocks, 0)[:end].transpose(0, 1).unsqueeze(0)             # (1, KVH, ctx, hd)
            vp = self._context(v_cache, blocks, 1)[:end].transpose(0, 1).unsqueeze(0)
            mask = None
            if tree is not None:   # a draft tree: every node sees the cached prefix, and of the new rows its ancestors
                mask = torch.cat([torch.ones(count, cached, dtype=torch.bool, device=q.device), tree], dim=1)
            elif cached:   # query n sits at position cached + n and sees keys 0 .. cached + n
                mask = (torch.arange(end, device=q.device)[None, :]
                        <= torch.arange(cached, end, device=q.device)[:, None])
            y = F.scaled_dot_product_attention(qp, kp, vp, attn_mask=mask, is_causal=mask is None,
                                               enable_gqa=group > 1)
            out[first:first + count] = y[0].transpose(0, 1)
        return out

    @torch.inference_mode()
    def forward(self, step: Step) -> Tensor:
        """Next-token logits (fp32) of step.logit_rows; the step's keys and values enter the cache."""
        if self.graphs is not None and step.decodes is not None and self.graphs.fits(step):
            return self.graphs.run(step)
        return self.layers_forward(step.tokens, step.positions, step.slots, step.logit_rows,
                                   lambda i, q, k, v: self._attention(i, q, k, v, step))

    def layers_forward(self, tokens: Tensor, positions: Tensor, slots: Tensor, logit_rows: Tensor | None,
                       attention) -> Tensor:
        """The model over the runner's weights: `attention(layer, q, k, v)` writes the keys and values
        into the cache and returns the attention's output, (rows, heads, head_dim); logits (fp32) of
        logit_rows (None: every row)."""
        hd = self.args.head_dim
        x = self.embed(tokens)
        cos, sin = self.cos[positions], self.sin[positions]
        n = x.shape[0]
        aux = []
        for i, w in enumerate(self.layers):
            if i in self.aux_layers:
                aux.append(x)
            qkv = w["qkv"](F.rms_norm(x, x.shape[-1:], w["norm1"].weight, w["norm1"].eps))
            # q and k sit side by side in qkv's output: one rotation for both
            qk = apply_rope(qkv[:, :self.qk_width].view(n, self.heads + self.kv_heads, hd), cos, sin)
            q, k = qk[:, :self.heads], qk[:, self.heads:]
            y = attention(i, q, k, qkv[:, self.qk_width:].view(n, self.kv_heads, hd))
            x = x + self._all_reduce(w["o"](y.reshape(n, -1)))
            gate, up = w["gate_up"](F.rms_norm(x, x.shape[-1:], w["norm2"].weight, w["norm2"].eps)).split(self.inter, dim=-1)
            x = x + self._all_reduce(w["down"](F.silu(gate) * up))
        if aux:
            self.aux_cache[slots] = torch.cat(aux, dim=-1)
        x = x if logit_rows is None else x[logit_rows]
        return self.lm_head(F.rms_norm(x, x.shape[-1:], self.norm.weight, self.norm.eps)).float()
