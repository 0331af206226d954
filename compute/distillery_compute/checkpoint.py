"""Checkpoints in Hugging Face Llama format, plus a sha256 manifest.

    from distillery_compute.checkpoint import save_checkpoint, load_checkpoint
    save_checkpoint(model, args, "runs/x/ckpt")                 # bf16 by default
    model, args = load_checkpoint("runs/x/ckpt", device="cuda")
    transformers.LlamaForCausalLM.from_pretrained("runs/x/ckpt")  # also works

A checkpoint directory holds

    config.json        HF LlamaForCausalLM config (model_type "llama", rope_theta, rope_scaling, torch_dtype)
    model.safetensors  weights under the HF Llama names (a tied lm_head.weight is left out, as HF does)
    manifest.json      {"format": 1, "files": {name: {"sha256", "size"}}, "args": ModelArgs.to_dict()}

An FP8 checkpoint (fp8/export.py) is the same directory with config.json's quantization_config and
E4M3 weights plus float32 scales for its linear layers; both functions handle it.
                       (+ "source": where the weights came from, for an imported base: bases.py)

save_checkpoint writes into a temporary sibling directory and renames it into place,
so a reader never sees a half-written checkpoint. load_checkpoint also reads plain HF
Llama directories (no manifest; weights possibly sharded via model.safetensors.index.json)
and, when manifest.json is present, checks every listed file's size and sha256 first.
"""

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from distillery_compute.fp8.export import check_quantization_config, install_fp8, keeps_dtype
from distillery_compute.model import ModelArgs, Transformer

CONFIG, WEIGHTS, INDEX, MANIFEST = "config.json", "model.safetensors", "model.safetensors.index.json", "manifest.json"
MANIFEST_FORMAT = 1
_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


class ChecksumError(ValueError):
    """A checkpoint file does not match manifest.json (message names the file)."""


# ---------------------------------------------------------------------------- config

def hf_config_from_args(args: ModelArgs, dtype: torch.dtype = torch.bfloat16) -> dict:
    """HF LlamaConfig dict for `args` (legacy rope_theta/rope_scaling keys, as Meta's configs ship)."""
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "vocab_size": args.vocab_size,
        "hidden_size": args.dim,
        "intermediate_size": args.intermediate_size,
        "num_hidden_layers": args.n_layers,
        "num_attention_heads": args.n_heads,
        "num_key_value_heads": args.n_kv_heads,
        "head_dim": args.head_dim,
        "hidden_act": "silu",
        "max_position_embeddings": args.max_seq_len,
        "rms_norm_eps": args.norm_eps,
        "rope_theta": args.rope_theta,
        "rope_scaling": dict(args.rope_scaling) if args.rope_scaling is not None else None,
        "tie_word_embeddings": args.tie_word_embeddings,
        "attention_bias": False,
        "attention_dropout": 0.0,
        "mlp_bias": False,
        "initializer_range": 0.02,
        "pretraining_tp": 1,
        "use_cache": True,
        "torch_dtype": _dtype_name(dtype),
    }


def args_from_hf_config(cfg: dict) -> ModelArgs:
    """ModelArgs from an HF Llama config.json dict (legacy or transformers-5 `rope_parameters` form)."""
    if cfg.get("model_type", "llama") != "llama":
        raise ValueError(f"not a Llama config: model_type {cfg.get('model_type')!r}")
    unsupported = {k: cfg[k] for k in ("attention_bias", "mlp_bias") if cfg.get(k)}
    if cfg.get("hidden_act", "silu") != "silu":
        unsupported["hidden_act"] = cfg["hidden_act"]
    if unsupported:
        raise ValueError(f"unsupported Llama config options: {unsupported}")
    rope = dict(cfg.get("rope_parameters") or {})       # transformers >= 5 folds theta into this
    theta = rope.pop("rope_theta", None)
    rope_theta = cfg.get("rope_theta", theta if theta is not None else 10000.0)
    scaling = cfg.get("rope_scaling") or rope or None
    if scaling is not None and scaling.get("rope_type", scaling.get("type")) == "default":
        scaling = None
    args = ModelArgs(
        vocab_size=cfg["vocab_size"],
        dim=cfg["hidden_size"],
        n_layers=cfg["num_hidden_layers"],
        n_heads=cfg["num_attention_heads"],
        n_kv_heads=cfg.get("num_key_value_heads") or cfg["num_attention_heads"],
        intermediate_size=cfg["intermediate_size"],
        norm_eps=cfg.get("rms_norm_eps", 1e-6),
        rope_theta=float(rope_theta),
        rope_scaling=scaling,
        max_seq_len=cfg.get("max_position_embeddings", 2048),
        tie_word_embeddings=cfg.get("tie_word_embeddings", False),
    )
    if cfg.get("head_dim") not in (None, args.head_dim):
        raise ValueError(f"head_dim {cfg['head_dim']} != hidden_size / num_attention_heads = {args.head_dim}")
    return args


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


# ---------------------------------------------------------------------------- files

def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _write_json(path: Path, obj) -> None:
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def verify_manifest(ckpt_dir: Path) -> dict:
    """Check every file listed in manifest.json (size, then sha256); returns the manifest."""
    manifest = json.loads((ckpt_dir / MANIFEST).read_text())
    for name, want in manifest["files"].items():
        path = ckpt_dir / name
        if not path.is_file():
            raise ChecksumError(f"{path}: listed in {MANIFEST} but missing")
        size = path.stat().st_size
        if size != want["size"]:
            raise ChecksumError(f"{path}: size {size} != {want['size']} in {MANIFEST}")
        digest = sha256_file(path)
        if digest != want["sha256"]:
            raise ChecksumError(f"{path}: sha256 {digest} != {want['sha256']} in {MANIFEST}")
    return manifest


# ---------------------------------------------------------------------------- save / load

def save_checkpoint(model: Transformer, args: ModelArgs, out_dir: str | os.PathLike,
                    dtype: torch.dtype = torch.bfloat16, *, extra_config: dict | None = None,
                    extra_files: dict[str, bytes] | None = None, source: dict | None = None,
                    overwrite: bool = False) -> Path:
    """Write config.json, model.safetensors and manifest.json to out_dir atomically; returns out_dir.

    extra_config: more config.json keys (e.g. bos_token_id / eos_token_id from the tokenizer).
    extra_files: more files written beside them and listed (hashed) in the manifest (e.g. the tokenizer).
    source: the manifest's "source" entry (an imported base's file, sha256 and licence).
    overwrite: replace an existing out_dir (else FileExistsError).
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not overwrite:
        raise FileExistsError(f"{out_dir} exists (pass overwrite=True to replace it)")
    out_dir.parent.mkdir(parents=True, exist_ok=True)

    state = {k: v.detach().to(device="cpu", dtype=None if keeps_dtype(k, v) else dtype).contiguous()
             for k, v in model.state_dict().items()}
    if args.tie_word_embeddings:
        del state["lm_head.weight"]  # shares storage with the embedding; HF re-ties on load
    config = {**hf_config_from_args(args, dtype), **(extra_config or {})}

    tmp = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.tmp-"))
    try:
        _write_json(tmp / CONFIG, config)
        save_file(state, tmp / WEIGHTS, metadata={"format": "pt"})  # HF requires format=pt
        _fsync(tmp / WEIGHTS)
        for name, content in (extra_files or {}).items():
            (tmp / name).write_bytes(content)
            _fsync(tmp / name)
        files = {name: {"sha256": sha256_file(tmp / name), "size": (tmp / name).stat().st_size}
                 for name in (CONFIG, WEIGHTS, *(extra_files or {}))}
        manifest = {"format": MANIFEST_FORMAT, "files": files, "args": args.to_dict()}
        _write_json(tmp / MANIFEST, manifest | ({"source": source} if source is not None else {}))
        if out_dir.exists():  # overwrite: move the old one aside first, delete it after the swap
            old = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.old-"))
            os.replace(out_dir, old / "ckpt")
            os.replace(tmp, out_dir)
            shutil.rmtree(old)
        else:
            os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def load_state(ckpt_dir: Path, device: torch.device | str = "cpu") -> dict[str, torch.Tensor]:
    """All tensors of model.safetensors, or of the shards named in model.safetensors.index.json."""
    if (ckpt_dir / WEIGHTS).is_file():
        shards = [WEIGHTS]
    elif (ckpt_dir / INDEX).is_file():
        weight_map = json.loads((ckpt_dir / INDEX).read_text())["weight_map"]
        shards = sorted(set(weight_map.values()))
    else:
        raise FileNotFoundError(f"{ckpt_dir}: neither {WEIGHTS} nor {INDEX}")
    state = {}
    for shard in shards:
        state.update(load_file(ckpt_dir / shard, device=str(device)))
    return state


def load_checkpoint(ckpt_dir: str | os.PathLike, dtype: torch.dtype | None = None,
                    device: torch.device | str = "cpu", *, verify: bool = True) -> tuple[Transformer, ModelArgs]:
    """(model, args) from an HF Llama checkpoint dir; dtype None keeps the stored dtype.

    With manifest.json present (and verify), every listed file is hashed first and a
    mismatch raises ChecksumError naming the file.
    """
    ckpt_dir = Path(ckpt_dir)
    if verify and (ckpt_dir / MANIFEST).is_file():
        verify_manifest(ckpt_dir)
    cfg = json.loads((ckpt_dir / CONFIG).read_text())
    args = args_from_hf_config(cfg)
    if "quantization_config" in cfg:
        check_quantization_config(cfg["quantization_config"], str(ckpt_dir / CONFIG))

    state = load_state(ckpt_dir, device)
    state = {k: v for k, v in state.items() if not k.endswith("rotary_emb.inv_freq")}  # old HF exports
    if dtype is not None:
        state = {k: v if keeps_dtype(k, v) else v.to(dtype) for k, v in state.items()}
    if args.tie_word_embeddings:
        state.setdefault("lm_head.weight", state["model.embed_tokens.weight"])

    with torch.device("meta"):  # no memory and no random init for weights about to be replaced
        model = Transformer(args)
    if "quantization_config" in cfg:   # an FP8 checkpoint (fp8/export.py): FP8Linear where weights have scales
        install_fp8(model, state)
    model.load_state_dict(state, strict=True, assign=True)
    model.tie_weights()
    return model, args
