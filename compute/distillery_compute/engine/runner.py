"""The student's forward over a paged KV cache, for a flattened batch of mixed prefill chunks and decodes.

    runner = PagedRunner(model, num_blocks=4096, block_size=16)          # takes the model's weights
    step = runner.prepare([(tokens, start, block_table, wants_logits), ...])
    logits = runner.forward(step)                                       # (rows that want logits, vocab)

The linear layers see every scheduled token of every sequence as one (tokens, dim) matrix
(selective batching); attention is the only per-sequence part. The keys and values live in one
tensor per layer of shape (num_blocks * block_size, kv_heads, head_dim), addressed by slot =
block * block_size + offset. A step first writes its new keys and values into their slots, then:

  - the sequences that compute one position (decodes) attend together: their cached keys are
    gathered into a (batch, longest context) tensor, the shorter ones masked;
  - each sequence that computes several positions (a prompt or a chunk of one) attends alone over
    its cached prefix and itself, causally.

The weights are the model's (model.py's Llama, HF names), with q/k/v and gate/up each fused into one
matrix. With a tensor-parallel group (tp.py) each rank holds its share of the heads and of the MLP:
q/k/v and gate/up are split by output (Megatron column parallel), o_proj and down_proj by input (row
parallel), each followed by one all-reduce; embeddings, norms and the LM head are whole on every rank.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor

from distillery_compute.model import Transformer, apply_rope, rope_inv_freq


@dataclass
class Step:
    """One forward's inputs, built by prepare(); every tensor is on the runner's device."""
    tokens: Tensor            # (T,) the scheduled tokens of all sequences, concatenated
    positions: Tensor         # (T,)
    slots: Tensor             # (T,) where each token's keys and values go
    decode_rows: Tensor       # (D,) rows of the sequences computing one position
    decode_slots: Tensor      # (D, K) their context's slots (padded with slot 0)
    decode_mask: Tensor       # (D, 1, 1, K) True where a key is part of the context
    prefills: list[tuple[int, int, Tensor, int]]   # (first row, rows, context slots, cached positions)
    logit_rows: Tensor        # (L,) rows whose next-token logits are wanted


class PagedRunner:
    def __init__(self, model: Transformer, num_blocks: int, block_size: int,
                 group: "dist.ProcessGroup | None" = None):
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
        weight = model.lm_head.weight
        self.device, self.dtype = weight.device, weight.dtype

        def rows(w: Tensor, per_rank: int) -> Tensor:   # this rank's output features
            return w[rank * per_rank:(rank + 1) * per_rank]

        def cols(w: Tensor, per_rank: int) -> Tensor:   # this rank's input features
            return w[:, rank * per_rank:(rank + 1) * per_rank].contiguous()

        self.layers = []
        for layer in model.model.layers:
            a, m = layer.self_attn, layer.mlp
            self.layers.append(dict(
                norm1=layer.input_layernorm, norm2=layer.post_attention_layernorm,
                qkv=torch.cat([rows(a.q_proj.weight, self.heads * hd), rows(a.k_proj.weight, self.kv_heads * hd),
                               rows(a.v_proj.weight, self.kv_heads * hd)]).detach(),
                o=cols(a.o_proj.weight, self.heads * hd).detach(),
                gate_up=torch.cat([rows(m.gate_proj.weight, inter), rows(m.up_proj.weight, inter)]).detach(),
                down=cols(m.down_proj.weight, inter).detach(),
            ))
        self.embed, self.norm, self.lm_head = model.model.embed_tokens, model.model.norm, model.lm_head.weight.detach()
        self.split = (self.heads * hd, self.kv_heads * hd, self.kv_heads * hd)
        self.inter = inter
        positions = torch.arange(args.max_seq_len, device=self.device)
        angles = positions[:, None].float() * rope_inv_freq(args, self.device)
        angles = torch.cat((angles, angles), dim=-1)
        self.cos, self.sin = angles.cos().to(self.dtype), angles.sin().to(self.dtype)
        shape = (num_blocks * block_size, self.kv_heads, hd)
        self.k_cache = [torch.zeros(shape, dtype=self.dtype, device=self.device) for _ in self.layers]
        self.v_cache = [torch.zeros(shape, dtype=self.dtype, device=self.device) for _ in self.layers]

    @staticmethod
    def bytes_per_block(args, block_size: int, dtype: torch.dtype, world: int = 1) -> int:
        return 2 * args.n_layers * block_size * (args.n_kv_heads // world) * args.head_dim * dtype.itemsize

    def prepare(self, work: Sequence[tuple[Sequence[int], int, Sequence[int], bool]]) -> Step:
        """A Step from (tokens to compute, their first position, the sequence's block table, want logits) per sequence."""
        bs = self.block_size
        tokens, positions, slots, logit_rows = [], [], [], []
        decode_rows, decode_contexts, prefills = [], [], []
        for new, start, table, wants in work:
            first, count = len(tokens), len(new)
            end = start + count
            context = [table[p // bs] * bs + p % bs for p in range(end)]
            tokens += new
            positions += range(start, end)
            slots += context[start:]
            if count == 1:
                decode_rows.append(first)
                decode_contexts.append(context)
            else:
                prefills.append((first, count, context, start))
            if wants:
                logit_rows.append(first + count - 1)
        width = max((len(c) for c in decode_contexts), default=0)
        as_tensor = lambda values: torch.tensor(values, dtype=torch.long, device=self.device)  # noqa: E731
        padded = [c + [0] * (width - len(c)) for c in decode_contexts]
        mask = [[True] * len(c) + [False] * (width - len(c)) for c in decode_contexts]
        return Step(
            tokens=as_tensor(tokens), positions=as_tensor(positions), slots=as_tensor(slots),
            decode_rows=as_tensor(decode_rows), decode_slots=as_tensor(padded).view(len(padded), width),
            decode_mask=torch.tensor(mask, dtype=torch.bool, device=self.device).view(len(mask), 1, 1, width),
            prefills=[(first, count, as_tensor(context), start) for first, count, context, start in prefills],
            logit_rows=as_tensor(logit_rows))

    def _all_reduce(self, x: Tensor) -> Tensor:
        if self.world > 1:
            dist.all_reduce(x, group=self.group)
        return x

    def _attention(self, i: int, q: Tensor, k: Tensor, v: Tensor, step: Step) -> Tensor:
        k_cache, v_cache = self.k_cache[i], self.v_cache[i]
        k_cache[step.slots] = k
        v_cache[step.slots] = v
        out = torch.empty_like(q)
        gqa = self.heads != self.kv_heads
        if len(step.decode_rows):
            qd = q[step.decode_rows].unsqueeze(2)                                   # (D, H, 1, hd)
            kd = k_cache[step.decode_slots].transpose(1, 2)                         # (D, KVH, K, hd)
            vd = v_cache[step.decode_slots].transpose(1, 2)
            y = F.scaled_dot_product_attention(qd, kd, vd, attn_mask=step.decode_mask, enable_gqa=gqa)
            out[step.decode_rows] = y.squeeze(2)
        for first, count, context, cached in step.prefills:
            qp = q[first:first + count].transpose(0, 1).unsqueeze(0)                # (1, H, n, hd)
            kp = k_cache[context].transpose(0, 1).unsqueeze(0)                      # (1, KVH, ctx, hd)
            vp = v_cache[context].transpose(0, 1).unsqueeze(0)
            mask = None
            if cached:   # query n sits at position cached + n and sees keys 0 .. cached + n
                mask = (torch.arange(len(context), device=q.device)[None, :]
                        <= torch.arange(cached, cached + count, device=q.device)[:, None])
            y = F.scaled_dot_product_attention(qp, kp, vp, attn_mask=mask, is_causal=not cached, enable_gqa=gqa)
            out[first:first + count] = y[0].transpose(0, 1)
        return out

    @torch.inference_mode()
    def forward(self, step: Step) -> Tensor:
        """Next-token logits (fp32) of step.logit_rows; the step's keys and values enter the cache."""
        hd = self.args.head_dim
        x = self.embed(step.tokens)
        cos, sin = self.cos[step.positions], self.sin[step.positions]
        n = x.shape[0]
        for i, w in enumerate(self.layers):
            h = w["norm1"](x)
            q, k, v = (h @ w["qkv"].T).split(self.split, dim=-1)
            q = apply_rope(q.view(n, self.heads, hd), cos, sin)
            k = apply_rope(k.view(n, self.kv_heads, hd), cos, sin)
            y = self._attention(i, q, k, v.view(n, self.kv_heads, hd), step)
            x = x + self._all_reduce(y.view(n, -1) @ w["o"].T)
            gate, up = (w["norm2"](x) @ w["gate_up"].T).split(self.inter, dim=-1)
            x = x + self._all_reduce((F.silu(gate) * up) @ w["down"].T)
        return (self.norm(x[step.logit_rows]) @ self.lm_head.T).float()
