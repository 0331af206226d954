"""merge.py: interpolation and task arithmetic by hand, mismatch errors, LoRA folding exact in the forward.

    compute/.venv/bin/python -m pytest compute/tests/test_merge.py -q
"""

import pytest
import torch

from distillery_compute.checkpoint import load_checkpoint, save_checkpoint
from distillery_compute.merge import MergeError, linear_merge, lora_scalings, merge_lora, task_arithmetic_merge
from distillery_compute.model import ModelArgs, Transformer

peft = pytest.importorskip("peft")

ARGS = ModelArgs.from_name("micro")
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
FP32 = dict(atol=1e-5, rtol=1e-5)


def tokens(seq: int = 24) -> torch.Tensor:
    return torch.randint(0, ARGS.vocab_size, (2, seq), generator=torch.Generator().manual_seed(1))


# ---------------------------------------------------------------------------- linear / task arithmetic

def test_linear_merge_by_hand():
    a = {"w": torch.tensor([[1.0, 2.0], [3.0, 4.0]]), "b": torch.tensor([0.0, 10.0])}
    b = {"w": torch.tensor([[5.0, 6.0], [7.0, 8.0]]), "b": torch.tensor([4.0, -10.0])}
    out = linear_merge(a, b, alpha=0.25)   # 0.75 a + 0.25 b
    torch.testing.assert_close(out["w"], torch.tensor([[2.0, 3.0], [4.0, 5.0]]), atol=0, rtol=0)
    torch.testing.assert_close(out["b"], torch.tensor([1.0, 5.0]), atol=0, rtol=0)
    assert all(torch.equal(linear_merge(a, b, 0.0)[k], a[k]) for k in a)
    assert all(torch.equal(linear_merge(a, b, 1.0)[k], b[k]) for k in a)
    assert out["w"].data_ptr() != a["w"].data_ptr()   # new tensors, inputs untouched
    assert a["w"][0, 0] == 1.0


def test_merges_preserve_dtype():
    a = {"w": torch.tensor([1.0, 2.0], dtype=torch.bfloat16), "step": torch.tensor([7])}
    b = {"w": torch.tensor([3.0, 4.0], dtype=torch.bfloat16), "step": torch.tensor([7])}
    out = linear_merge(a, b, 0.5)
    assert out["w"].dtype == torch.bfloat16 and out["step"].dtype == torch.int64
    torch.testing.assert_close(out["w"], torch.tensor([2.0, 3.0], dtype=torch.bfloat16), atol=0, rtol=0)
    assert torch.equal(out["step"], torch.tensor([7]))   # integer tensors are copied, not interpolated
    assert task_arithmetic_merge(a, [b], [1.0])["w"].dtype == torch.bfloat16
    with pytest.raises(MergeError, match="'step'"):
        linear_merge(a, {**b, "step": torch.tensor([8])}, 0.5)


def test_task_arithmetic_by_hand():
    base = {"w": torch.tensor([1.0, 1.0, 2.0])}
    ft1 = {"w": torch.tensor([3.0, 1.0, 2.0])}    # task vector (2, 0, 0)
    ft2 = {"w": torch.tensor([1.0, 5.0, 0.0])}    # task vector (0, 4, -2)
    out = task_arithmetic_merge(base, [ft1, ft2], weights=[0.5, 0.25])
    torch.testing.assert_close(out["w"], torch.tensor([2.0, 2.0, 1.5]), atol=0, rtol=0)
    # one model with weight α is linear interpolation with α
    torch.testing.assert_close(task_arithmetic_merge(base, [ft1], [0.3])["w"], linear_merge(base, ft1, 0.3)["w"])
    with pytest.raises(ValueError, match="2 finetuned state dicts but 1 weights"):
        task_arithmetic_merge(base, [ft1, ft2], weights=[1.0])


def test_mismatches_name_the_key():
    a = {"model.norm.weight": torch.ones(4), "lm_head.weight": torch.ones(8, 4)}
    with pytest.raises(MergeError, match=r"'lm_head.weight'.*missing from state dict 1"):
        linear_merge(a, {"model.norm.weight": torch.ones(4)}, 0.5)
    with pytest.raises(MergeError, match=r"'extra.weight' is in state dict 1"):
        linear_merge(a, {**a, "extra.weight": torch.ones(1)}, 0.5)
    with pytest.raises(MergeError, match=r"shape mismatch at 'lm_head.weight': \(8, 4\).*\(9, 4\)"):
        linear_merge(a, {**a, "lm_head.weight": torch.ones(9, 4)}, 0.5)
    with pytest.raises(MergeError, match=r"'model.norm.weight'.*state dict 2"):   # the second finetuned model
        task_arithmetic_merge(a, [a, {**a, "model.norm.weight": torch.ones(5)}], [0.5, 0.5])


# ---------------------------------------------------------------------------- LoRA

def lora_model(tied: bool = False, use_rslora: bool = False, r: int = 4):
    """A micro model with a LoRA adapter whose A and B are both random (a fresh B would be 0)."""
    args = ARGS.replace(tie_word_embeddings=tied)
    torch.manual_seed(0)
    base = Transformer(args).eval()
    cfg = peft.LoraConfig(r=r, lora_alpha=3 * r, lora_dropout=0.0, target_modules=LORA_TARGETS,
                          use_rslora=use_rslora)
    model = peft.get_peft_model(base, cfg).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_" in name:
                p.normal_(0, 0.1)
    return model, args


@pytest.mark.parametrize("tied,use_rslora", [(False, False), (True, False), (False, True)],
                         ids=["plain", "tied", "rslora"])
def test_merged_lora_equals_unmerged_forward(tied, use_rslora):
    model, args = lora_model(tied, use_rslora)
    x = tokens()
    with torch.no_grad():
        unmerged = model(x)
        with model.disable_adapter():
            base_out = model(x)
    assert (unmerged - base_out).abs().max() > 1e-2   # the adapter matters

    state = merge_lora(model)
    plain = Transformer(args).eval()
    assert sorted(state) == sorted(plain.state_dict())   # HF names, no peft prefixes or lora tensors
    plain.load_state_dict(state, strict=True)
    with torch.no_grad():
        torch.testing.assert_close(plain(x), unmerged, **FP32)
        torch.testing.assert_close(model(x), unmerged, atol=0, rtol=0)   # the peft model is left as it was

    # an independent oracle: peft's own merge_and_unload, weight by weight
    expected = model.merge_and_unload().state_dict()
    for k, v in state.items():
        torch.testing.assert_close(v, expected[k], **FP32, msg=lambda m, k=k: f"{k}: {m}")


def test_merge_lora_from_state_dict():
    model, args = lora_model(r=4)
    sd = model.state_dict()
    assert any(k.startswith("base_model.model.") and ".base_layer." in k for k in sd)
    from_module = merge_lora(model)
    from_sd = merge_lora(sd, lora_alpha=12)   # s = 12 / 4, r read from lora_A's shape
    assert set(lora_scalings(model).values()) == {3.0}
    for k in from_module:
        torch.testing.assert_close(from_sd[k], from_module[k], atol=0, rtol=0)
    torch.testing.assert_close(merge_lora(sd, scaling=3.0)["model.layers.1.mlp.down_proj.weight"],
                               from_module["model.layers.1.mlp.down_proj.weight"], atol=0, rtol=0)
    with pytest.raises(ValueError, match="lora_alpha or scaling"):
        merge_lora(sd)
    bad = {k: v for k, v in sd.items() if not k.endswith("layers.0.self_attn.q_proj.lora_B.default.weight")}
    with pytest.raises(MergeError, match="model.layers.0.self_attn.q_proj"):
        merge_lora(bad, lora_alpha=12)


def test_merge_lora_bf16_and_checkpoint_round_trip(tmp_path):
    model, args = lora_model()
    model = model.to(torch.bfloat16)
    state = merge_lora(model)
    assert all(v.dtype == torch.bfloat16 for v in state.values())
    plain = Transformer(args).to(torch.bfloat16)
    plain.load_state_dict(state, strict=True)
    out = save_checkpoint(plain, args, tmp_path / "student")     # the BF16 student
    loaded, loaded_args = load_checkpoint(out)
    assert loaded_args == args
    x = tokens()
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), plain(x), atol=0, rtol=0)
