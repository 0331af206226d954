"""CUDA checks; skipped with a reason where there is no GPU.

    compute/.venv/bin/python -m pytest compute/tests -q -m gpu
"""

import pytest
import torch

from distillery_compute.device import detect

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA not available"),
]


def test_bf16_matmul_close_to_fp32():
    if not detect().bf16:
        pytest.skip("GPU does not support bfloat16")
    g = torch.Generator(device="cuda").manual_seed(0)
    a = torch.randn(256, 512, device="cuda", generator=g)
    b = torch.randn(512, 128, device="cuda", generator=g)
    out = a.bfloat16() @ b.bfloat16()
    assert out.dtype == torch.bfloat16
    ref = a.double() @ b.double()  # fp64 reference, no TF32
    # bf16 has an 8-bit mantissa; inputs round by ~2^-9 relative each.
    torch.testing.assert_close(out.double(), ref, atol=0.5, rtol=2e-2)


def test_fp8_e4m3_cast_round_trip():
    if not detect().has_fp8:
        pytest.skip("no fp8 support (needs torch.float8_e4m3fn and sm89+)")
    exact = torch.tensor([0.0, 0.5, 1.0, -2.0, 3.5, 0.0625, -448.0, 448.0], device="cuda")
    back = exact.to(torch.float8_e4m3fn).to(torch.float32)
    torch.testing.assert_close(back, exact, atol=0, rtol=0)  # representable: exact

    x = torch.randn(4096, device="cuda")
    y = x.to(torch.float8_e4m3fn).to(torch.float32)
    # e4m3 has a 3-bit mantissa: round-to-nearest error <= 2^-4 relative (normals),
    # plus the subnormal spacing 2^-9 near zero.
    torch.testing.assert_close(y, x, rtol=2**-4, atol=2**-9)


def test_the_engine_on_cuda_decodes_as_the_dense_model():
    """The engine's CUDA path (bf16 weights and cache, SDPA, CUDA graphs for decode steps, the same
    scheduler) against the dense model's KV loop on the same GPU: a peaked micro model, so bf16 rounding cannot flip its argmax."""
    from distillery_compute.engine import Engine, SamplingParams
    from distillery_compute.evaluate import greedy_decode
    from distillery_compute.model import ModelArgs, Transformer, init_weights
    from distillery_compute.tokenizer import train_tokenizer, ChatTokenizer
    import random
    import tempfile

    out = tempfile.mkdtemp()
    train_tokenizer([f"word{i} and more words {i * 7}" for i in range(200)], vocab_size=384, out_dir=out)
    tok = ChatTokenizer.load(out)
    torch.manual_seed(0)
    model = Transformer(ModelArgs.from_name("micro").replace(vocab_size=384))
    model.apply(lambda m: init_weights(m, std=0.3))
    model = model.to("cuda", torch.bfloat16).eval()
    rng = random.Random(0)
    prompts = [[rng.randrange(8, 384) for _ in range(rng.randint(5, 90))] for _ in range(6)]
    engine = Engine(model, tok, num_blocks=128, max_batched_tokens=64)
    outs = engine.generate(prompts, SamplingParams(max_tokens=12, ignore_eos=True))
    for prompt, done in zip(prompts, outs):
        assert done.token_ids == greedy_decode(model, prompt, 12, eos_id=-1)
    assert engine.pool.free_blocks == engine.pool.num_blocks
    # its decode steps were CUDA graph replays (graphs.py), and decode as the eager runner does
    graphs = engine.runner.graphs
    assert graphs.runs > 0 and all(graph is not None for graph, _, _ in graphs.captured.values())
    eager = Engine(model, tok, num_blocks=128, max_batched_tokens=64, decode_graphs="off")
    assert eager.runner.graphs is None
    assert [o.token_ids for o in eager.generate(prompts, SamplingParams(max_tokens=12, ignore_eos=True))] == \
        [o.token_ids for o in outs]


def test_speculative_decoding_on_cuda_gives_the_plain_greedy_output(tok):
    """An untrained EAGLE drafter on the GPU, chain and tree, a batch of prompts: token for token the
    engine's plain greedy output (fp32 and peaked weights: no near ties)."""
    from distillery_compute.eagle.drafter import DrafterConfig, Eagle3Drafter
    from distillery_compute.eagle.vocab import vocab_maps
    from distillery_compute.engine import Engine, SamplingParams
    from distillery_compute.engine.speculative import SpecConfig
    from distillery_compute.model import ModelArgs, Transformer, init_weights

    args = ModelArgs.from_name("micro").replace(vocab_size=384, max_seq_len=256, n_layers=8)
    torch.manual_seed(0)
    model = Transformer(args)
    model.apply(lambda m: init_weights(m, std=0.3))
    model = model.cuda().eval()
    d2t, t2d = vocab_maps(torch.rand(args.vocab_size), 96)
    drafter = Eagle3Drafter(DrafterConfig.for_target(args, 96), d2t, t2d).attach(model).eval()
    prompts = [[(7 * i + 3 * j) % 370 + 8 for j in range(10 + 5 * i)] for i in range(6)]
    params = SamplingParams(max_tokens=32, ignore_eos=True)
    plain = [c.token_ids for c in Engine(model, tok, num_blocks=128).generate(prompts, params)]
    for method in ("chain", "tree"):
        engine = Engine(model, tok, num_blocks=128, drafter=drafter, speculative=SpecConfig(method=method))
        assert [c.token_ids for c in engine.generate(prompts, params)] == plain
        assert engine.speculation()["rounds"] > 0


def test_the_native_fp8_linear_agrees_with_the_cpu_emulation():
    """torch._scaled_mm on sm89+ against the same layer emulated on CPU: the same E4M3 operands, fp32
    accumulation both, so they differ by the bf16 output's rounding (and summation order) only."""
    from distillery_compute.fp8.linear import FP8Linear
    from distillery_compute.fp8.numerics import scale_of

    if not detect().has_fp8:
        pytest.skip("no native FP8 GEMM (needs sm89+)")
    torch.manual_seed(0)
    linear = torch.nn.Linear(512, 384, bias=False)
    x = torch.randn(33, 512)
    layer = FP8Linear.from_linear(linear, input_scale=scale_of(x.abs().max()))
    cpu = layer(x)
    gpu = layer.cuda()(x.cuda().bfloat16())
    assert layer._matmul[1].native   # the kernel ran, not the emulation
    torch.testing.assert_close(gpu.float().cpu(), cpu, rtol=2e-2, atol=2e-2)


def test_an_fp8_model_on_cuda_decodes_as_its_dense_forward_and_speculation_stays_lossless(tok):
    """A micro model quantized to FP8 on the GPU (native E4M3 GEMMs): the engine agrees with the dense
    model's KV loop, and an FP8 drafter leaves the FP8 target's greedy output as it is. cuBLAS picks
    kernels by shape, and E4M3's rounding of activations can turn a last-bit difference between a
    batched and a one-row product into another token; with peaked weights that is rare, so at most one
    of six answers may differ (the CPU tests, in float64, require all)."""
    import copy

    from distillery_compute.eagle.drafter import DrafterConfig, Eagle3Drafter
    from distillery_compute.eagle.vocab import vocab_maps
    from distillery_compute.engine import Engine, SamplingParams
    from distillery_compute.engine.speculative import SpecConfig
    from distillery_compute.evaluate import greedy_decode
    from distillery_compute.fp8.calibrate import observe, quantizable, quantize_model
    from distillery_compute.model import ModelArgs, Transformer, init_weights

    args = ModelArgs.from_name("micro").replace(vocab_size=384, max_seq_len=256, n_layers=8)
    torch.manual_seed(0)
    model = Transformer(args)
    model.apply(lambda m: init_weights(m, std=0.3))
    model = model.cuda().eval()
    prompts = [[(7 * i + 3 * j) % 370 + 8 for j in range(10 + 5 * i)] for i in range(6)]
    quantize_model(model, quantizable(model), observe(model, quantizable(model), prompts))
    params = SamplingParams(max_tokens=24, ignore_eos=True)
    plain = [c.token_ids for c in Engine(model, tok, num_blocks=128).generate(prompts, params)]
    dense = [greedy_decode(model, p, 24, eos_id=-1) for p in prompts]
    assert sum(a == b for a, b in zip(plain, dense)) >= 5
    d2t, t2d = vocab_maps(torch.rand(args.vocab_size), 96)
    drafter = Eagle3Drafter(DrafterConfig.for_target(args, 96), d2t, t2d).attach(model).eval()
    fp8_drafter = copy.deepcopy(drafter)
    quantize_model(fp8_drafter, quantizable(fp8_drafter), {g: 8.0 for g in ("fc", "midlayer.self_attn.qkv_proj",
                   "midlayer.self_attn.o_proj", "midlayer.mlp.gate_up_proj", "midlayer.mlp.down_proj")})
    engine = Engine(model, tok, num_blocks=128, drafter=fp8_drafter, speculative=SpecConfig(method="chain"))
    spec = [c.token_ids for c in engine.generate(prompts, params)]
    assert sum(a == b for a, b in zip(spec, plain)) >= 5 and engine.speculation()["rounds"] > 0
