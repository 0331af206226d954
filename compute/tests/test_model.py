"""model.py against the reference: transformers.LlamaForCausalLM with the same weights.

    compute/.venv/bin/python -m pytest compute/tests/test_model.py -q
"""

import pytest
import torch

from distillery_compute.model import PRESETS, ModelArgs, Transformer, count_params, rope_inv_freq

transformers = pytest.importorskip("transformers")

# Same inputs in fp32 on CPU: differences are only summation order (~1e-6 relative).
FP32 = dict(atol=1e-5, rtol=1e-5)

ROPE_LLAMA3 = dict(factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
                   original_max_position_embeddings=64, rope_type="llama3")


def hf_reference(args: ModelArgs, seed: int = 0):
    """An HF Llama built from its own config (not our checkpoint code), and ours with its weights."""
    cfg = transformers.LlamaConfig(
        vocab_size=args.vocab_size, hidden_size=args.dim, intermediate_size=args.intermediate_size,
        num_hidden_layers=args.n_layers, num_attention_heads=args.n_heads,
        num_key_value_heads=args.n_kv_heads, rms_norm_eps=args.norm_eps,
        max_position_embeddings=args.max_seq_len, tie_word_embeddings=args.tie_word_embeddings,
        rope_parameters={"rope_theta": args.rope_theta, "rope_type": "default",
                         **(args.rope_scaling or {})},
        attn_implementation="eager",  # the plain softmax reference, not SDPA
    )
    torch.manual_seed(seed)
    ref = transformers.LlamaForCausalLM(cfg).float().eval()
    with torch.no_grad():  # HF inits norms to 1: randomise them so a wrong norm wiring shows
        for name, p in ref.named_parameters():
            if name.endswith("norm.weight"):
                p.uniform_(0.5, 1.5)
    ours = Transformer(args).eval()
    missing, unexpected = ours.load_state_dict(ref.state_dict(), strict=True)
    assert not missing and not unexpected
    return ours, ref


def check_against_hf(args: ModelArgs, batch: int = 2, seq: int = 48):
    ours, ref = hf_reference(args)
    tokens = torch.randint(0, args.vocab_size, (batch, seq), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        logits, hidden = ours(tokens, output_hidden_states=True)
        out = ref(tokens, output_hidden_states=True)
    torch.testing.assert_close(logits, out.logits, **FP32)
    assert len(hidden) == len(out.hidden_states) == args.n_layers + 1
    for i, (h, r) in enumerate(zip(hidden, out.hidden_states)):
        torch.testing.assert_close(h, r, **FP32, msg=lambda m: f"hidden state {i}: {m}")


def test_state_dict_names_are_hf_llama():
    ours, ref = hf_reference(ModelArgs.from_name("micro"))
    assert list(ours.state_dict()) == list(ref.state_dict())
    assert "model.layers.1.self_attn.q_proj.weight" in ours.state_dict()


def test_micro_matches_hf():
    check_against_hf(ModelArgs.from_name("micro"))


def test_llama3_rope_scaling_gqa_tied_matches_hf():
    # seq 96 > original_max_position_embeddings 64, and head_dim 32 spans all three
    # frequency bands (kept, interpolated, stretched); 8 query heads share 2 kv heads.
    args = ModelArgs(vocab_size=200, dim=256, n_layers=3, n_heads=8, n_kv_heads=2,
                     intermediate_size=160, rope_theta=10000.0, rope_scaling=ROPE_LLAMA3,
                     max_seq_len=256, tie_word_embeddings=True, norm_eps=1e-6)
    base = rope_inv_freq(args.replace(rope_scaling=None))
    scaled = rope_inv_freq(args)
    assert (scaled == base).any() and (scaled == base / 8).any()
    assert ((scaled < base) & (scaled > base / 8)).any()
    check_against_hf(args, seq=96)


def test_left_padding_matches_hf_and_unpadded():
    args = ModelArgs.from_name("micro")
    ours, ref = hf_reference(args)
    g = torch.Generator().manual_seed(2)
    lengths = [20, 13]
    seq = max(lengths)
    tokens = torch.randint(0, args.vocab_size, (2, seq), generator=g)
    mask = torch.zeros(2, seq, dtype=torch.long)
    for row, n in enumerate(lengths):
        mask[row, seq - n:] = 1                       # left padding
        tokens[row, :seq - n] = 0
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    with torch.no_grad():
        logits = ours(tokens, attention_mask=mask)
        out = ref(tokens, attention_mask=mask, position_ids=positions).logits
        for row, n in enumerate(lengths):
            real = slice(seq - n, seq)
            torch.testing.assert_close(logits[row, real], out[row, real], **FP32)
            # padding changes nothing: the same row alone, unpadded
            alone = ours(tokens[row:row + 1, real])
            torch.testing.assert_close(logits[row:row + 1, real], alone, **FP32)
    assert torch.isfinite(logits).all()


def test_presets_have_expected_shapes():
    with torch.device("meta"):
        assert count_params(Transformer(ModelArgs.from_name("llama-3.1-8b"))) == 8_030_261_248
        assert 10e6 < count_params(Transformer(ModelArgs.from_name("tiny"))) < 20e6
    a = ModelArgs.from_name("llama-3.1-8b")
    assert (a.head_dim, a.n_kv_heads, a.rope_scaling["factor"]) == (128, 8, 8.0)
    assert ModelArgs(**a.to_dict()) == a
    assert set(PRESETS) >= {"micro", "tiny", "llama-3.1-8b"}
    with pytest.raises(ValueError, match="unknown model preset"):
        ModelArgs.from_name("nope")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA not available")
def test_bf16_cuda_close_to_fp32_cpu():
    args = ModelArgs.from_name("micro")
    torch.manual_seed(0)
    model = Transformer(args).eval()
    tokens = torch.randint(0, args.vocab_size, (2, 64), generator=torch.Generator().manual_seed(1))
    mask = torch.ones_like(tokens)
    mask[1, :10] = 0  # left padding: the boolean-mask SDPA path
    with torch.no_grad():
        ref = model(tokens, attention_mask=mask)
        model.to("cuda", torch.bfloat16)
        out = model(tokens.cuda(), attention_mask=mask.cuda()).float().cpu()
    # bf16 keeps 8 mantissa bits: relative error ~2^-8 per rounding, a few roundings deep
    err = (out - ref)[mask.bool()].abs().max() / ref.abs().max()
    assert err < 5e-2, err


def test_a_kv_cache_forward_gives_the_full_forwards_logits():
    """Prompt once, then one token at a time from the cache: the logits of rerunning the whole sequence."""
    from distillery_compute.model import KVCache

    torch.manual_seed(0)
    args = ModelArgs.from_name("micro")
    model = Transformer(args).eval()
    ids = torch.randint(0, args.vocab_size, (1, 12))
    with torch.no_grad():
        full = model(ids)
        cache = KVCache(args.n_layers)
        steps = [model(ids[:, :7], cache=cache)]
        steps += [model(ids[:, t:t + 1], cache=cache) for t in range(7, 12)]
    torch.testing.assert_close(torch.cat(steps, dim=1), full, rtol=1e-5, atol=1e-5)
    assert cache.length() == 12
    with pytest.raises(ValueError, match="one token at a time"):
        model(ids[:, :2], cache=cache)
