"""The EAGLE-3 drafter (paper §3.1, Appendix B.2): one decoder layer that drafts the student's next tokens.

    config = DrafterConfig.for_target(student.args, draft_vocab_size=2048)
    drafter = Eagle3Drafter(config, d2t, t2d).attach(student)       # shares the student's embedding
    h = drafter.fuse(aux)                                              # (n, 3H) target features -> (n, H)
    q, k, v = drafter.project(tokens, h, positions)                   # the layer's attention inputs, rotated
    out = drafter.finish(h, attention(q, k, v))                       # (n, H), pre-norm: the next step's hidden
    logits = drafter.logits(out)                                      # (n, Vd) over the draft vocabulary
    save_drafter(drafter, "runs/x/drafter"); drafter = load_drafter("runs/x/drafter", student)

The layer reads the target's low, middle and high hidden states (the inputs of layers 2, L//2 and
L-3: Hugging Face's output_hidden_states[2], [L//2], [L-3], vLLM's default aux layers), fused by
`fc` (3H -> H, no bias). Its attention and MLP see the concatenation of the normed token embedding
and the normed hidden state (2H wide: q/k/v take 2H inputs), the residual being the hidden state;
its own norm and LM head give logits over a reduced draft vocabulary (vocab.py). The pre-norm
output is the hidden state of the next drafting step. Attention is the caller's: training unrolls
steps with a special mask (ttt.py), the engine keeps a KV cache per sequence (engine/speculative.py).

On disk a drafter is exactly the EAGLE-3 layout vLLM and SGLang load: config.json with
architectures ["LlamaForCausalLMEagle3"], draft_vocab_size and eagle_config's aux layer ids (the
HF hidden_states indices, vLLM's convention), and model.safetensors with the keys fc.weight,
midlayer.{input_layernorm,hidden_norm,post_attention_layernorm}.weight,
midlayer.self_attn.{q,k,v,o}_proj.weight, midlayer.mlp.{gate,up,down}_proj.weight, norm.weight,
lm_head.weight, d2t (int64 offsets) and t2d (bool); the embedding is the target's and is not
stored. Plus our manifest.json (sha256 of each file, the target it was trained for).
"""

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import Tensor, nn

from distillery_compute.checkpoint import ChecksumError, sha256_file, verify_manifest
from distillery_compute.eagle.vocab import check_vocab_maps
from distillery_compute.fp8.export import check_quantization_config, install_fp8, keeps_dtype, quantization_config
from distillery_compute.fp8.linear import FP8Linear
from distillery_compute.model import MLP, ModelArgs, RMSNorm, Transformer, apply_rope, init_weights, rope_cos_sin, rope_inv_freq

CONFIG, WEIGHTS, MANIFEST = "config.json", "model.safetensors", "manifest.json"
ARCHITECTURE = "LlamaForCausalLMEagle3"


def default_aux_layers(n_layers: int) -> tuple[int, int, int]:
    """vLLM's and EAGLE's choice: the inputs of layers 2, L//2 and L-3 (HF hidden_states indices)."""
    layers = (2, n_layers // 2, n_layers - 3)
    if len(set(layers)) < 3 or layers[-1] >= n_layers:
        raise ValueError(f"a {n_layers}-layer target has no three distinct aux layers {layers}; "
                         "EAGLE-3 needs at least 7 layers")
    return layers


@dataclass
class DrafterConfig:
    target: ModelArgs                  # the student's shape: hidden size, heads, RoPE, vocabulary
    draft_vocab_size: int
    aux_layers: tuple[int, ...] = ()   # HF hidden_states indices of the fused target features
    intermediate_size: int | None = None   # the drafter's MLP width (default: the target's)
    mlp_args: ModelArgs = field(init=False, repr=False)

    def __post_init__(self):
        self.aux_layers = tuple(self.aux_layers) or default_aux_layers(self.target.n_layers)
        if (len(self.aux_layers) != 3 or not all(0 < i < self.target.n_layers for i in self.aux_layers)
                or list(self.aux_layers) != sorted(set(self.aux_layers))):
            raise ValueError(f"aux_layers must be three increasing layer indices in 1..{self.target.n_layers - 1}, "
                             f"got {self.aux_layers}")
        self.intermediate_size = self.intermediate_size or self.target.intermediate_size
        self.mlp_args = self.target.replace(intermediate_size=self.intermediate_size)

    @classmethod
    def for_target(cls, args: ModelArgs, draft_vocab_size: int, **kw) -> "DrafterConfig":
        return cls(target=args, draft_vocab_size=draft_vocab_size, **kw)

    def hf_config(self, dtype: torch.dtype) -> dict:
        t = self.target
        return {
            "architectures": [ARCHITECTURE], "model_type": "llama",
            "hidden_size": t.dim, "target_hidden_size": t.dim, "intermediate_size": self.intermediate_size,
            "num_hidden_layers": 1, "num_attention_heads": t.n_heads, "num_key_value_heads": t.n_kv_heads,
            "head_dim": t.head_dim, "hidden_act": "silu", "rms_norm_eps": t.norm_eps,
            "rope_theta": t.rope_theta, "rope_scaling": dict(t.rope_scaling) if t.rope_scaling else None,
            "max_position_embeddings": t.max_seq_len, "vocab_size": t.vocab_size,
            "draft_vocab_size": self.draft_vocab_size, "tie_word_embeddings": False,
            "attention_bias": False, "mlp_bias": False,
            "torch_dtype": str(dtype).removeprefix("torch."),
            "eagle_config": {"eagle_aux_hidden_state_layer_ids": list(self.aux_layers), "use_aux_hidden_state": True},
        }


class DrafterAttention(nn.Module):
    def __init__(self, args: ModelArgs):
        super().__init__()
        width = 2 * args.dim   # the normed embedding and the normed hidden state, side by side
        self.q_proj = nn.Linear(width, args.n_heads * args.head_dim, bias=False)
        self.k_proj = nn.Linear(width, args.n_kv_heads * args.head_dim, bias=False)
        self.v_proj = nn.Linear(width, args.n_kv_heads * args.head_dim, bias=False)
        self.o_proj = nn.Linear(args.n_heads * args.head_dim, args.dim, bias=False)


class DrafterLayer(nn.Module):
    def __init__(self, config: DrafterConfig):
        super().__init__()
        args = config.target
        self.input_layernorm = RMSNorm(args.dim, args.norm_eps)
        self.hidden_norm = RMSNorm(args.dim, args.norm_eps)
        self.post_attention_layernorm = RMSNorm(args.dim, args.norm_eps)
        self.self_attn = DrafterAttention(args)
        self.mlp = MLP(config.mlp_args)


class Eagle3Drafter(nn.Module):
    def __init__(self, config: DrafterConfig, d2t: Tensor, t2d: Tensor):
        super().__init__()
        args = config.target
        if d2t.numel() != config.draft_vocab_size or t2d.numel() != args.vocab_size:
            raise ValueError(f"vocabulary maps of {d2t.numel()} draft and {t2d.numel()} target ids do not fit a "
                             f"{config.draft_vocab_size}-token draft vocabulary over {args.vocab_size}")
        check_vocab_maps(d2t, t2d)
        self.config, self.args = config, args
        self.fc = nn.Linear(3 * args.dim, args.dim, bias=False)
        self.midlayer = DrafterLayer(config)
        self.norm = RMSNorm(args.dim, args.norm_eps)
        self.lm_head = nn.Linear(args.dim, config.draft_vocab_size, bias=False)
        self.register_buffer("d2t", d2t.clone())
        self.register_buffer("t2d", t2d.clone())
        self.apply(init_weights)
        self.embed_weight: Tensor | None = None   # the target's, frozen; not a parameter of ours

    def attach(self, target: Transformer) -> "Eagle3Drafter":
        """Share the target's token embedding (frozen) and move to its device and dtype."""
        weight = target.model.embed_tokens.weight
        self.to(device=weight.device, dtype=weight.dtype)
        self.d2t, self.t2d = self.d2t.long(), self.t2d.bool()
        self.embed_weight = weight.detach()
        return self

    def trainable_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    # --------------------------------------------------------------- the pieces of one step

    def fuse(self, aux: Tensor) -> Tensor:
        """(..., 3H) target features -> (..., H) hidden state."""
        return self.fc(aux)

    def rope(self, positions: Tensor) -> tuple[Tensor, Tensor]:
        """cos, sin (n, head_dim) for positions (n,)."""
        cos, sin = rope_cos_sin(rope_inv_freq(self.args, positions.device), positions[None], self.norm.weight.dtype)
        return cos[0], sin[0]

    def project(self, tokens: Tensor, hidden: Tensor, positions: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """q (n, heads, hd), k and v (n, kv_heads, hd) of n rows: token ids, their hidden states, positions."""
        layer, a = self.midlayer, self.args
        emb = F.embedding(tokens, self.embed_weight)
        x = torch.cat([layer.input_layernorm(emb), layer.hidden_norm(hidden)], dim=-1)
        attn = layer.self_attn
        n = tokens.shape[0]
        q = attn.q_proj(x).view(n, a.n_heads, a.head_dim)
        k = attn.k_proj(x).view(n, a.n_kv_heads, a.head_dim)
        v = attn.v_proj(x).view(n, a.n_kv_heads, a.head_dim)
        cos, sin = self.rope(positions)
        # apply_rope takes (b, heads, s, hd) and (b, s, hd): rows are the sequence axis
        q = apply_rope(q.transpose(0, 1)[None], cos[None], sin[None])[0].transpose(0, 1)
        k = apply_rope(k.transpose(0, 1)[None], cos[None], sin[None])[0].transpose(0, 1)
        return q, k, v

    def finish(self, hidden: Tensor, attended: Tensor) -> Tensor:
        """The layer's pre-norm output from its input hidden states and the attention output (n, heads, hd)."""
        layer = self.midlayer
        h = hidden + layer.self_attn.o_proj(attended.flatten(-2))
        return h + layer.mlp(layer.post_attention_layernorm(h))

    def logits(self, out: Tensor) -> Tensor:
        return self.lm_head(self.norm(out))

    def to_target(self, draft_ids: Tensor) -> Tensor:
        return draft_ids + self.d2t[draft_ids]


def attend(q: Tensor, k: Tensor, v: Tensor, visible: Tensor | None) -> Tensor:
    """Attention of q (n, H, hd) over k, v (m, KVH, hd), visible (n, m) bool or None for all; (n, H, hd)."""
    group = q.shape[1] // k.shape[1]
    y = F.scaled_dot_product_attention(q.transpose(0, 1)[None], k.transpose(0, 1)[None], v.transpose(0, 1)[None],
                                       attn_mask=None if visible is None else visible[None, None],
                                       enable_gqa=group > 1)
    return y[0].transpose(0, 1)


def target_features(hidden_states: tuple[Tensor, ...], aux_layers: tuple[int, ...]) -> Tensor:
    """The fused features' input (..., 3H) from a Transformer's output_hidden_states."""
    return torch.cat([hidden_states[i] for i in aux_layers], dim=-1)


# ------------------------------------------------------------------------------ on disk

def save_drafter(drafter: Eagle3Drafter, out_dir: str | os.PathLike, *, dtype: torch.dtype = torch.bfloat16,
                 info: dict | None = None) -> Path:
    """Write the EAGLE-3 layout (module docstring) into out_dir, atomically; `info` goes into the manifest."""
    out = Path(out_dir)
    tmp = out.with_name(out.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    state = {k: (v.detach().to("cpu", dtype) if v.is_floating_point() and not keeps_dtype(k, v) else v.detach().cpu())
             .contiguous() for k, v in drafter.state_dict().items()}
    save_file(state, str(tmp / WEIGHTS), metadata={"format": "pt"})
    config = drafter.config.hf_config(dtype)
    quantized = [name for name, m in drafter.named_modules() if isinstance(m, FP8Linear)]
    if quantized:   # an FP8 drafter (fp8/): compressed-tensors' layout, as for the student
        config["quantization_config"] = quantization_config(
            [name for name, m in drafter.named_modules() if isinstance(m, nn.Linear)])
    (tmp / CONFIG).write_text(json.dumps(config, indent=2) + "\n")
    files = {name: {"sha256": sha256_file(tmp / name), "size": (tmp / name).stat().st_size} for name in (CONFIG, WEIGHTS)}
    manifest = {"format": 1, "kind": "eagle3-drafter", "files": files,
                "target_args": drafter.args.to_dict(), **(info or {})}
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    return out


def load_drafter(path: str | os.PathLike, target: Transformer) -> Eagle3Drafter:
    """Load a drafter saved by save_drafter (manifest verified) or any EAGLE-3 layout directory, for `target`."""
    path = Path(path)
    if (path / MANIFEST).is_file():
        verify_manifest(path)
    cfg = json.loads((path / CONFIG).read_text())
    if ARCHITECTURE not in cfg.get("architectures", []) and "Eagle3LlamaForCausalLM" not in cfg.get("architectures", []):
        raise ValueError(f"{path / CONFIG}: not an EAGLE-3 drafter (architectures {cfg.get('architectures')})")
    args = target.args
    for key, want in (("hidden_size", args.dim), ("vocab_size", args.vocab_size),
                      ("num_attention_heads", args.n_heads), ("num_key_value_heads", args.n_kv_heads)):
        if cfg.get(key) != want:
            raise ValueError(f"{path / CONFIG}: {key} {cfg.get(key)} does not match the target's {want}")
    eagle = cfg.get("eagle_config") or {}
    aux = eagle.get("eagle_aux_hidden_state_layer_ids") or cfg.get("eagle_aux_hidden_state_layer_ids") or ()
    if "quantization_config" in cfg:
        check_quantization_config(cfg["quantization_config"], str(path / CONFIG))
    state = load_file(str(path / WEIGHTS))
    config = DrafterConfig(args, cfg["draft_vocab_size"], tuple(aux), cfg.get("intermediate_size"))
    drafter = Eagle3Drafter(config, state["d2t"].long(), state["t2d"].bool())
    if "quantization_config" in cfg:
        install_fp8(drafter, state)
    missing, unexpected = drafter.load_state_dict(state, strict=False, assign="quantization_config" in cfg)
    if missing or unexpected:
        raise ChecksumError(f"{path / WEIGHTS}: missing {missing}, unexpected {unexpected}")
    return drafter.attach(target)


def drafter_keys(config: DrafterConfig) -> dict[str, tuple[int, ...]]:
    """The exact key -> shape set of the EAGLE-3 layout for `config` (what vLLM and SGLang expect)."""
    a, h = config.target, config.target.dim
    q, kv, inter = a.n_heads * a.head_dim, a.n_kv_heads * a.head_dim, config.intermediate_size
    return {
        "fc.weight": (h, 3 * h),
        "midlayer.input_layernorm.weight": (h,), "midlayer.hidden_norm.weight": (h,),
        "midlayer.post_attention_layernorm.weight": (h,),
        "midlayer.self_attn.q_proj.weight": (q, 2 * h), "midlayer.self_attn.k_proj.weight": (kv, 2 * h),
        "midlayer.self_attn.v_proj.weight": (kv, 2 * h), "midlayer.self_attn.o_proj.weight": (h, q),
        "midlayer.mlp.gate_proj.weight": (inter, h), "midlayer.mlp.up_proj.weight": (inter, h),
        "midlayer.mlp.down_proj.weight": (h, inter),
        "norm.weight": (h,), "lm_head.weight": (config.draft_vocab_size, h),
        "d2t": (config.draft_vocab_size,), "t2d": (a.vocab_size,),
    }

