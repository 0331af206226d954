"""checkpoint.py: round trip, HF interop, manifest hash checks.

    compute/.venv/bin/python -m pytest compute/tests/test_checkpoint.py -q
"""

import json

import pytest
import torch
from safetensors.torch import load_file, save_file

from distillery_compute.checkpoint import (ChecksumError, args_from_hf_config, hf_config_from_args,
                                           load_checkpoint, save_checkpoint)
from distillery_compute.model import ModelArgs, Transformer

FP32 = dict(atol=1e-5, rtol=1e-5)

SCALED = ModelArgs.from_name("micro").replace(
    rope_scaling=dict(factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
                      original_max_position_embeddings=32, rope_type="llama3"))


def make(args: ModelArgs, seed: int = 0) -> Transformer:
    torch.manual_seed(seed)
    model = Transformer(args).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.uniform_(0.5, 1.5)
    return model


def tokens(args: ModelArgs, seq: int = 40) -> torch.Tensor:
    return torch.randint(0, args.vocab_size, (2, seq), generator=torch.Generator().manual_seed(1))


@pytest.mark.parametrize("args", [ModelArgs.from_name("micro"), SCALED.replace(tie_word_embeddings=True)],
                         ids=["micro", "llama3-rope-tied"])
def test_round_trip_fp32(tmp_path, args):
    model = make(args)
    out = save_checkpoint(model, args, tmp_path / "ckpt", dtype=torch.float32)
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "manifest.json", "model.safetensors"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # temp dir renamed away
    loaded, args2 = load_checkpoint(out)
    assert args2 == args
    assert loaded.lm_head.weight is loaded.model.embed_tokens.weight or not args.tie_word_embeddings
    assert all(p.requires_grad and p.dtype == torch.float32 for p in loaded.parameters())
    x = tokens(args)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), model(x), atol=0, rtol=0)


def test_bf16_save_and_dtype_override(tmp_path):
    args = ModelArgs.from_name("micro")
    model = make(args)
    out = save_checkpoint(model, args, tmp_path / "ckpt")  # default bf16
    assert json.loads((out / "config.json").read_text())["torch_dtype"] == "bfloat16"
    loaded, _ = load_checkpoint(out)
    assert {p.dtype for p in loaded.parameters()} == {torch.bfloat16}
    loaded32, _ = load_checkpoint(out, dtype=torch.float32)
    ref = Transformer(args).eval()
    ref.load_state_dict({k: v.bfloat16().float() for k, v in model.state_dict().items()})
    x = tokens(args)
    with torch.no_grad():
        torch.testing.assert_close(loaded32(x), ref(x), atol=0, rtol=0)


def test_hf_loads_our_checkpoint(tmp_path):
    transformers = pytest.importorskip("transformers")
    args = SCALED
    model = make(args)
    out = save_checkpoint(model, args, tmp_path / "ckpt", dtype=torch.float32)
    ref = transformers.LlamaForCausalLM.from_pretrained(out, attn_implementation="eager").eval()
    assert ref.config.num_key_value_heads == args.n_kv_heads
    assert ref.config.rope_parameters["rope_type"] == "llama3"
    assert ref.dtype == torch.float32
    x = tokens(args, seq=48)  # past original_max_position_embeddings: rope scaling matters
    with torch.no_grad():
        torch.testing.assert_close(model(x), ref(x).logits, **FP32)


def test_loads_sharded_hf_checkpoint_without_manifest(tmp_path):
    args = ModelArgs.from_name("micro")
    model = make(args)
    out = save_checkpoint(model, args, tmp_path / "ckpt", dtype=torch.float32)
    state = load_file(out / "model.safetensors")
    (out / "model.safetensors").unlink()
    (out / "manifest.json").unlink()
    names = sorted(state)
    shards = {"model-00001-of-00002.safetensors": names[: len(names) // 2],
              "model-00002-of-00002.safetensors": names[len(names) // 2:]}
    weight_map = {}
    for shard, keys in shards.items():
        save_file({k: state[k] for k in keys}, out / shard, metadata={"format": "pt"})
        weight_map.update({k: shard for k in keys})
    (out / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    loaded, _ = load_checkpoint(out)
    x = tokens(args)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), model(x), atol=0, rtol=0)


def test_tampered_weights_fail_hash_check(tmp_path):
    args = ModelArgs.from_name("micro")
    out = save_checkpoint(make(args), args, tmp_path / "ckpt", dtype=torch.float32)
    path = out / "model.safetensors"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01  # flip one bit of the last weight: same size, different hash
    path.write_bytes(bytes(data))
    with pytest.raises(ChecksumError, match=r"model\.safetensors: sha256"):
        load_checkpoint(out)
    load_checkpoint(out, verify=False)  # still a readable file; only the hash is wrong


def test_existing_dir_needs_overwrite(tmp_path):
    args = ModelArgs.from_name("micro")
    save_checkpoint(make(args, seed=0), args, tmp_path / "ckpt", dtype=torch.float32)
    with pytest.raises(FileExistsError):
        save_checkpoint(make(args, seed=1), args, tmp_path / "ckpt")
    new = make(args, seed=1)
    save_checkpoint(new, args, tmp_path / "ckpt", dtype=torch.float32, overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt"]
    loaded, _ = load_checkpoint(tmp_path / "ckpt")
    torch.testing.assert_close(loaded.lm_head.weight, new.lm_head.weight, atol=0, rtol=0)


def test_hf_config_round_trip_and_transformers5_form():
    args = ModelArgs.from_name("llama-3.1-8b")
    cfg = hf_config_from_args(args)
    assert cfg["rope_scaling"]["rope_type"] == "llama3" and cfg["rope_theta"] == 500000.0
    assert args_from_hf_config(cfg) == args
    # transformers >= 5 writes rope_theta inside rope_parameters
    v5 = {k: v for k, v in cfg.items() if k not in ("rope_theta", "rope_scaling")}
    v5["rope_parameters"] = {"rope_theta": 500000.0, **args.rope_scaling}
    assert args_from_hf_config(v5) == args
    v5["rope_parameters"] = {"rope_theta": 500000.0, "rope_type": "default"}
    assert args_from_hf_config(v5) == args.replace(rope_scaling=None)
    with pytest.raises(ValueError, match="model_type"):
        args_from_hf_config({**cfg, "model_type": "mistral"})
