"""FP8 (E4M3, W8A8, static per-tensor): numerics against the format's definition, the linear layer, calibration
and clip rates, the compressed-tensors export, FP8 in the engine (lossless speculation on an FP8 target), the job.

Speculation tests run the target in float64 as test_speculative.py does: the FP8 layers round every
activation to E4M3, so in float32 a last-bit difference between a batched and a one-token product can
move a value across a rounding boundary; in float64 that does not happen.
"""

import copy
import json
import math
import random
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file
from torch import nn

from distillery_compute.checkpoint import ChecksumError, load_checkpoint, save_checkpoint
from distillery_compute.eagle.drafter import DrafterConfig, Eagle3Drafter, load_drafter, save_drafter
from distillery_compute.eagle.vocab import vocab_maps
from distillery_compute.engine import Engine, SamplingParams
from distillery_compute.engine.runner import mkl_packing
from distillery_compute.engine.speculative import SpecConfig
from distillery_compute.evaluate import OUTPUT_HEADROOM, greedy_decode, held_out_texts
from distillery_compute.fp8.calibrate import (MinMax, clip_stats, group_of, observe, quantizable, quantize_model,
                                              serving_ids, watch)
from distillery_compute.fp8.export import quantization_config
from distillery_compute.fp8.job import JobOptions, read_eval, run_job
from distillery_compute.fp8.linear import FP8Linear, FP8Matmul, scaled_mm, scaled_mm_problems
from distillery_compute.fp8.numerics import E4M3_MAX, FP8, TINY_SCALE, dequantize, quantize, scale_of
from distillery_compute.model import ModelArgs, Transformer, init_weights

ARGS = ModelArgs.from_name("micro").replace(vocab_size=384, max_seq_len=256, n_layers=8)


# ------------------------------------------------------------------ E4M3 from its definition

def reference_value(code: int) -> float:
    """The value of an E4M3FN bit pattern: 1 sign, 4 exponent bits (bias 7), 3 mantissa bits; exponent 0 is
    subnormal (m/8 · 2^-6); S.1111.111 is NaN; there are no infinities."""
    sign = -1.0 if code & 0x80 else 1.0
    exponent, mantissa = (code >> 3) & 0xF, code & 0x7
    if exponent == 0xF and mantissa == 0x7:
        return math.nan
    if exponent == 0:
        return sign * mantissa / 8 * 2.0 ** -6
    return sign * (1 + mantissa / 8) * 2.0 ** (exponent - 7)


FINITE = sorted({reference_value(c) for c in range(256) if not math.isnan(reference_value(c))})


def reference_round(x: float) -> float:
    """Round to the nearest finite E4M3 value, ties to the even code (mantissa's last bit 0), saturating at ±448."""
    if math.isnan(x):
        return math.nan
    if abs(x) >= E4M3_MAX:
        return math.copysign(E4M3_MAX, x)
    magnitude = abs(x)
    positives = [v for v in FINITE if v >= 0]
    below = max(v for v in positives if v <= magnitude)
    above = min(v for v in positives if v >= magnitude)
    if magnitude - below < above - magnitude:
        out = below
    elif above - magnitude < magnitude - below:
        out = above
    else:   # a tie: the even code
        out = below if positives.index(below) % 2 == 0 else above
    return math.copysign(out, x)


def test_every_e4m3_code_decodes_as_the_format_defines():
    codes = torch.arange(256, dtype=torch.int32).to(torch.uint8)
    decoded = codes.view(FP8).float().tolist()
    for code, value in enumerate(decoded):
        want = reference_value(code)
        assert (math.isnan(value) and math.isnan(want)) or value == want, f"code {code:#04x}: {value} != {want}"
    assert len(FINITE) == 253 and max(FINITE) == 448 and min(v for v in FINITE if v > 0) == 2.0 ** -9   # +0 and -0 are one value


def test_every_finite_code_survives_quantize_and_midpoints_round_to_even():
    one = torch.ones(1)
    values = torch.tensor(FINITE, dtype=torch.float32)
    assert torch.equal(dequantize(quantize(values, one), one), values)
    positives = [v for v in FINITE if v >= 0]
    midpoints = [(a + b) / 2 for a, b in zip(positives, positives[1:])]
    got = dequantize(quantize(torch.tensor(midpoints + [-m for m in midpoints], dtype=torch.float64), one), one)
    want = [reference_round(m) for m in midpoints + [-m for m in midpoints]]
    assert got.tolist() == want
    rng = random.Random(0)
    samples = [rng.uniform(-500, 500) * 10 ** rng.uniform(-4, 0) for _ in range(4000)]
    got = dequantize(quantize(torch.tensor(samples, dtype=torch.float64), one), one).tolist()
    assert got == [reference_round(x) for x in samples]


def test_saturation_signed_zero_subnormals_and_nan():
    one = torch.ones(1)
    x = torch.tensor([448.0, 449.0, 464.0, 465.0, 480.0, 1e6, math.inf, -465.0, -math.inf])
    assert dequantize(quantize(x, one), one).tolist() == [448.0] * 7 + [-448.0] * 2
    zeros = quantize(torch.tensor([0.0, -0.0]), one)
    assert zeros.view(torch.uint8).tolist() == [0x00, 0x80]
    sub = dequantize(quantize(torch.tensor([2.0 ** -9, 2.0 ** -10, 1.01 * 2.0 ** -10, 3 * 2.0 ** -10, 2.0 ** -7]), one), one)
    assert sub.tolist() == [2.0 ** -9, 0.0, 2.0 ** -9, 2.0 ** -8, 2.0 ** -7]
    assert torch.isnan(quantize(torch.tensor([math.nan]), one).float()).all()


def test_scales_are_float32_one_element_and_a_zero_range_gets_the_tiny_scale():
    s = scale_of(torch.tensor(896.0))
    assert s.dtype == torch.float32 and s.shape == (1,) and float(s) == 2.0
    assert float(scale_of(0.0)) == TINY_SCALE and float(scale_of(math.nan)) == TINY_SCALE
    x = torch.randn(64, 32) * 7
    s = scale_of(x.abs().max())
    assert float(quantize(x, s).float().abs().max()) == E4M3_MAX


# ------------------------------------------------------------------ the linear layer

def test_the_fp8_linear_equals_dequantize_then_matmul_and_torchs_cpu_kernel():
    torch.manual_seed(0)
    linear = nn.Linear(64, 48, bias=False)
    x = torch.randn(3, 5, 64)
    layer = FP8Linear.from_linear(linear, input_scale=scale_of(x.abs().max() * 0.8))   # some inputs saturate
    qx = quantize(x.reshape(-1, 64), layer.input_scale)
    reference = (dequantize(qx, layer.input_scale) @ layer.dequantized_weight().T).reshape(3, 5, 48)
    assert torch.allclose(layer(x), reference, rtol=1e-6, atol=1e-6)
    kernel = torch._scaled_mm(qx, layer.weight.t(), scale_a=layer.input_scale, scale_b=layer.weight_scale,
                              out_dtype=torch.float32)
    assert torch.allclose(kernel.reshape(3, 5, 48), reference, rtol=1e-5, atol=1e-5)
    assert scaled_mm(qx, layer.weight.t(), layer.input_scale, layer.weight_scale, torch.float32).shape == (15, 48)
    # .to(dtype) moves nothing but the dense parts: the E4M3 weight and float32 scales stay
    layer.to(torch.bfloat16)
    assert layer.weight.dtype == FP8 and layer.input_scale.dtype == torch.float32


def test_our_checks_refuse_what_cublaslt_refuses_though_the_cpu_kernel_accepts_it():
    a = torch.randn(4, 40).to(FP8)
    w = torch.randn(24, 40).to(FP8)
    one = torch.ones(1)
    torch._scaled_mm(a, w.t(), scale_a=one, scale_b=one, out_dtype=torch.float32)   # the CPU kernel takes it
    assert any("multiples of 16" in p for p in scaled_mm_problems(a, w.t(), one, one))
    a, w = torch.randn(4, 32).to(FP8), torch.randn(16, 32).to(FP8)
    assert scaled_mm_problems(a, w.t(), one, one) == []
    assert any("column-major" in p for p in scaled_mm_problems(a, w.t().contiguous(), one, one))
    assert any("scale_b" in p for p in scaled_mm_problems(a, w.t(), one, one.bfloat16()))
    assert any("scale_a" in p for p in scaled_mm_problems(a, w.t(), torch.ones(2), one))
    with pytest.raises(ValueError, match="float8_e4m3fn"):
        scaled_mm(a.float(), w.t(), one, one, torch.float32)
    with pytest.raises(ValueError, match="float8_e4m3fn"):
        FP8Matmul(torch.randn(16, 32), one, one, torch.float32)


# ------------------------------------------------------------------ calibration and clip rates

@pytest.fixture(scope="module")
def target() -> Transformer:
    torch.manual_seed(0)
    model = Transformer(ARGS)
    model.apply(lambda m: init_weights(m, std=0.3))
    return model.double().eval()


def sequences(n: int, seed: int) -> list[list[int]]:
    rng = random.Random(seed)
    return [[rng.randrange(8, ARGS.vocab_size) for _ in range(rng.randint(5, 60))] for _ in range(n)]


def test_groups_share_one_input_and_lm_head_is_left_out(target):
    layers = quantizable(target)
    assert "lm_head" not in layers and len(layers) == 7 * ARGS.n_layers
    assert group_of("model.layers.3.self_attn.k_proj") == "model.layers.3.self_attn.qkv_proj"
    assert group_of("model.layers.3.mlp.up_proj") == "model.layers.3.mlp.gate_up_proj"
    assert group_of("model.layers.3.mlp.down_proj") == "model.layers.3.mlp.down_proj"
    assert "lm_head" in quantizable(target, ignore=())


def test_clip_rate_is_zero_on_the_calibration_data_and_grows_on_data_it_did_not_see(target):
    layers = quantizable(target)
    seen, unseen = sequences(6, 1), sequences(6, 2)
    amax = observe(target, layers, seen)
    stats = clip_stats(target, layers, seen + unseen, {"seen": amax, "short": observe(target, layers, [s[:4] for s in seen])})
    on_seen = clip_stats(target, layers, seen, {"seen": amax})["seen"]
    assert on_seen["clipped"] == 0 and on_seen["clip_rate"] == 0 and on_seen["max_overshoot"] == pytest.approx(1.0)
    assert stats["seen"]["clipped"] > 0                        # unseen tokens exceed the calibrated range somewhere
    assert stats["short"]["clip_rate"] > stats["seen"]["clip_rate"]   # a shorter calibration clips more
    assert set(stats["seen"]["layers"]) == set(amax)


class Probe(nn.Module):
    """An embedding whose rows are standard normal samples, read by one linear layer: its input is N(0, 1)."""

    def __init__(self, n: int, dim: int):
        super().__init__()
        torch.manual_seed(0)
        self.embed = nn.Embedding(n, dim)
        nn.init.normal_(self.embed.weight)
        self.proj = nn.Linear(dim, 8, bias=False)

    def forward(self, tokens):
        return self.proj(self.embed(tokens))


def test_a_known_distribution_gives_the_analytic_clip_and_flush_rates():
    model = Probe(4096, 256)
    layers = quantizable(model)
    seqs = [list(range(i, i + 512)) for i in range(0, 4096, 512)]
    # amax 1: P(|Z| > 1) = 0.3173; amax 448 * 2^10 * 0.5: values with |x| <= 0.5 round to zero, P = 0.3829
    stats = clip_stats(model, layers, seqs, {"one": {"proj": 1.0}, "wide": {"proj": E4M3_MAX * 2 ** 10 * 0.5}})
    assert stats["one"]["clip_rate"] == pytest.approx(0.3173, abs=0.005)
    assert stats["wide"]["flush_rate"] == pytest.approx(0.3829, abs=0.005) and stats["wide"]["clip_rate"] == 0


def test_calibration_text_is_tokenized_as_serving_feeds_it(tok, smollm2_tokenizer):
    text = "tail of a message\n<|user|>\nhello there\n<|assistant|>\nhi"
    assert serving_ids(tok, text)[0] == tok.bos_id and serving_ids(tok, text)[1:] == tok.encode(text)
    chatml = smollm2_tokenizer.decode(serving_ids(smollm2_tokenizer, text))
    assert chatml.startswith("tail of a message<|im_start|>user\nhello there<|im_end|>\n<|im_start|>assistant\nhi")
    assert serving_ids(smollm2_tokenizer, "plain public text") == smollm2_tokenizer.encode("plain public text")


@pytest.fixture(scope="module")
def quantized(target):
    model = copy.deepcopy(target)
    layers = quantizable(model)
    info = quantize_model(model, layers, observe(target, quantizable(target), sequences(8, 3)))
    return model, info


def test_quantized_layers_share_scales_per_group_and_stay_close_to_the_original(target, quantized):
    model, info = quantized
    attn = model.model.layers[2].self_attn
    assert all(isinstance(m, FP8Linear) for m in (attn.q_proj, attn.k_proj, attn.v_proj, attn.o_proj))
    assert isinstance(model.lm_head, nn.Linear)
    assert torch.equal(attn.q_proj.weight_scale, attn.v_proj.weight_scale)
    assert torch.equal(attn.q_proj.input_scale, attn.k_proj.input_scale)
    assert info["model.layers.2.self_attn.k_proj"]["group"] == "model.layers.2.self_attn.qkv_proj"
    # within its calibrated range a layer is off by E4M3's rounding (3 mantissa bits: a few percent)
    fp8, full = attn.o_proj, target.model.layers[2].self_attn.o_proj
    x = torch.randn(32, fp8.in_features, dtype=torch.float64) * float(fp8.input_scale) * E4M3_MAX / 6
    error = ((fp8(x) - full(x)).norm() / full(x).norm()).item()
    assert 0.005 < error < 0.06


# ------------------------------------------------------------------ on disk

def test_the_export_is_compressed_tensors_float_quantized_and_loads_back(quantized, tok_dir, tmp_path):
    model, _ = quantized
    files = {name: (tok_dir / name).read_bytes() for name in ("tokenizer.json", "tokenizer_config.json")}
    out = save_checkpoint(model, ARGS, tmp_path / "fp8", extra_files=files,
                          extra_config={"quantization_config": quantization_config(["lm_head"])})
    config = json.loads((out / "config.json").read_text())
    qc = config["quantization_config"]
    assert qc["format"] == "float-quantized" and qc["ignore"] == ["lm_head"]
    state = load_file(out / "model.safetensors")
    assert state["model.layers.0.self_attn.q_proj.weight"].dtype == FP8
    for key in ("weight_scale", "input_scale"):
        scale = state[f"model.layers.0.mlp.down_proj.{key}"]
        assert scale.dtype == torch.float32 and scale.shape == (1,)
    assert state["lm_head.weight"].dtype == torch.bfloat16 and "lm_head.weight_scale" not in state
    loaded, _ = load_checkpoint(out, dtype=torch.float64)
    assert isinstance(loaded.model.layers[0].mlp.down_proj, FP8Linear)
    for name, module in model.named_modules():
        if isinstance(module, FP8Linear):
            other = loaded.get_submodule(name)
            assert torch.equal(other.weight.view(torch.uint8), module.weight.view(torch.uint8))
            assert torch.equal(other.input_scale, module.input_scale)
    (out / "model.safetensors").write_bytes(b"x" + (out / "model.safetensors").read_bytes()[1:])
    with pytest.raises(ChecksumError, match="model.safetensors"):
        load_checkpoint(out)


def test_the_compressed_tensors_package_reads_our_export_as_we_do(quantized, tmp_path):
    """compressed-tensors (what vLLM's loader uses) parses our config and dequantizes our tensors to our values."""
    from compressed_tensors.compressors import FloatQuantizationCompressor
    from compressed_tensors.quantization import QuantizationConfig

    model, _ = quantized
    out = save_checkpoint(model, ARGS, tmp_path / "fp8", extra_config={"quantization_config": quantization_config(["lm_head"])})
    parsed = QuantizationConfig.model_validate(json.loads((out / "config.json").read_text())["quantization_config"])
    scheme = parsed.config_groups["group_0"]
    assert parsed.format == "float-quantized" and parsed.ignore == ["lm_head"]
    assert scheme.weights.strategy == "tensor" and not scheme.input_activations.dynamic
    state = load_file(out / "model.safetensors")
    names = [n for n, m in model.named_modules() if isinstance(m, FP8Linear)]
    assert len(names) == 7 * ARGS.n_layers
    for name in names:
        theirs = FloatQuantizationCompressor.decompress(
            {"weight": state[f"{name}.weight"], "weight_scale": state[f"{name}.weight_scale"]}, scheme)["weight"]
        ours = model.get_submodule(name).dequantized_weight()
        assert torch.allclose(theirs.float(), ours, rtol=1e-6, atol=0), name


# ------------------------------------------------------------------ in the engine

def run(engine: Engine, batch, n: int, one_by_one: bool = False) -> list[list[int]]:
    params = SamplingParams(max_tokens=n, ignore_eos=True)
    if one_by_one:
        return [engine.generate([p], params)[0].token_ids for p in batch]
    return [c.token_ids for c in engine.generate(batch, params)]


def test_the_engine_on_an_fp8_model_decodes_as_its_full_forward(quantized, tok):
    model, _ = quantized
    batch = sequences(5, 5)
    want = [greedy_decode(model, p, 12, eos_id=-1) for p in batch]
    assert run(Engine(model, tok, num_blocks=64, max_batched_tokens=32), batch, 12) == want


def untrained_drafter(target: Transformer, vocab: int = 96) -> Eagle3Drafter:
    torch.manual_seed(0)
    d2t, t2d = vocab_maps(torch.rand(ARGS.vocab_size), vocab)
    return Eagle3Drafter(DrafterConfig.for_target(ARGS, vocab), d2t, t2d).attach(target).eval()


@pytest.mark.parametrize("method", ["chain", "tree"])
def test_speculation_on_an_fp8_target_with_an_fp8_drafter_is_lossless(quantized, tok, tmp_path, method):
    model, _ = quantized
    batch = sequences(5, 6)
    plain = run(Engine(model, tok, num_blocks=64), batch, 16)
    drafter = untrained_drafter(model)
    layers = quantizable(drafter)
    observer = MinMax()
    handles = watch(layers, observer)
    run(Engine(model, tok, num_blocks=64, drafter=drafter), batch[:2], 8)
    for h in handles:
        h.remove()
    assert set(observer.amax) == {"fc", "midlayer.self_attn.qkv_proj", "midlayer.self_attn.o_proj",
                                  "midlayer.mlp.gate_up_proj", "midlayer.mlp.down_proj"}
    quantize_model(drafter, layers, observer.amax)
    save_drafter(drafter, tmp_path / "drafter")
    config = json.loads((tmp_path / "drafter" / "config.json").read_text())
    assert config["quantization_config"]["ignore"] == ["lm_head"]
    assert load_file(tmp_path / "drafter" / "model.safetensors")["fc.weight"].dtype == FP8
    loaded = load_drafter(tmp_path / "drafter", model).eval()
    assert isinstance(loaded.fc, FP8Linear) and isinstance(loaded.lm_head, nn.Linear)
    spec = SpecConfig(method=method, tokens=4, top_k=2, budget=6)
    engine = Engine(model, tok, num_blocks=64, drafter=loaded, speculative=spec)
    assert run(engine, batch, 16) == plain
    assert engine.speculation()["rounds"] > 0


@pytest.mark.skipif(not mkl_packing(torch.device("cpu"), torch.float32),
                    reason="batch invariance is MKL's fp32 CPU path")
def test_an_fp8_target_in_fp32_decodes_a_request_alike_alone_in_a_batch_and_speculatively(quantized, tok):
    """The engine's default for an emulated FP8 target is batch-invariant: without, this batch's fifth
    request left its one-at-a-time greedy output at token 37 (a row's last bits depended on the batch,
    and an E4M3 rounding of an activation turned that into another token)."""
    model = copy.deepcopy(quantized[0]).float()
    batch = sequences(8, 6)
    alone = run(Engine(model, tok, num_blocks=128), batch[4:5], 40)[0]
    assert run(Engine(model, tok, num_blocks=128), batch, 40)[4] == alone
    spec = SpecConfig(method="chain", tokens=4)
    speculating = Engine(model, tok, num_blocks=128, drafter=untrained_drafter(model), speculative=spec)
    assert run(speculating, batch, 40)[4] == alone and speculating.speculation()["rounds"] > 0


# ------------------------------------------------------------------ the job

def job_inputs(target, tok_dir, tmp_path, agents=("planner",) * 4):
    """A checkpoint of `target` with the tokenizer's files, calibration.jsonl (every set at 16 and 64
    tokens, 2 texts each) and eval.jsonl (a row per agent of `agents`); the checkpoint's dir."""
    files = {name: (tok_dir / name).read_bytes() for name in ("tokenizer.json", "tokenizer_config.json")}
    ckpt = save_checkpoint(target.float(), ARGS, tmp_path / "ckpt", torch.float32, extra_files=files)
    target.double()
    rng = random.Random(0)
    words = "the customer wants a red sedan with low mileage and asks about financing".split()
    line = lambda n: " ".join(rng.choice(words) for _ in range(n))   # noqa: E731
    rows = [{"id": f"c{i}", "set": s, "bucket": b, "tokens": b, "text": f"<|user|>\n{line(b)}", "source": "public"}
            for s in ("public", "in-domain", "mixed") for b in (16, 64) for i in range(2)]
    (tmp_path / "calibration.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "eval.jsonl").write_text("".join(json.dumps({"id": f"e{i}", "agent": agent, "prompt": f"<|user|>\n{line(8)}",
                                                             "output": line(6)}) + "\n" for i, agent in enumerate(agents)))
    return ckpt


@pytest.mark.slow   # ~35 s on 2 cores: four engines and a loss pass on the micro model
def test_the_quantize_job_writes_each_precisions_full_outputs_of_the_same_held_out_rows(target, tok, tok_dir, tmp_path):
    ckpt = job_inputs(target, tok_dir, tmp_path, agents=("planner", "explainer", "understander") * 2)
    run = tmp_path / "run"
    manifest = run_job(JobOptions(checkpoint=ckpt, calibration_rows=tmp_path / "calibration.jsonl",
                                  eval_rows=tmp_path / "eval.jsonl", run_dir=run, length=16, samples=1, test_limit=2,
                                  test_max_tokens=64, eval_limit=4, eval_max_tokens=4, eval_max_len=128, loss_rows=4))
    assert manifest["eval_outputs"] == {"bf16": "eval_outputs.bf16.jsonl", "fp8": "eval_outputs.fp8.jsonl"}
    rows = {row["id"]: row for row in map(json.loads, (tmp_path / "eval.jsonl").read_text().splitlines())}
    decoded = [rows[i] for i in ("e1", "e0", "e2", "e4")]   # the 4 loss rows, each agent in turn (agents sorted), file order
    bf16, _ = load_checkpoint(ckpt, dtype=torch.float32)
    fp8, _ = load_checkpoint(run / "student", dtype=torch.float32)
    for precision, model in (("bf16", bf16), ("fp8", fp8)):
        written = [json.loads(line) for line in (run / f"eval_outputs.{precision}.jsonl").read_text().splitlines()]
        assert [(o["id"], o["agent"]) for o in written] == [(r["id"], r["agent"]) for r in decoded]
        # in full: the model's whole greedy answer, not cut where it first leaves the reference
        full = held_out_texts(model.eval(), tok, decoded, max_len=128, headroom=OUTPUT_HEADROOM)   # as evaluate decodes
        assert [o["output"] for o in written] == full
        assert any(len(tok.encode(text)) > 1 and not row["output"].startswith(text.strip()) for text, row in zip(full, decoded))
    assert manifest["metrics"]["bf16"]["decoded_rows"] == 4 and manifest["metrics"]["fp8"]["decoded_rows"] == 4


def test_the_quantize_job_reads_eval_rows_by_id_or_line_and_refuses_a_row_without_an_agent(tmp_path):
    rows = [{"id": "turn_1:call_2", "agent": "planner", "prompt": "p", "output": "o"}, {"agent": "explainer", "prompt": "p", "output": "o"}]
    (tmp_path / "eval.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    assert [row["id"] for row in read_eval(tmp_path / "eval.jsonl")] == ["turn_1:call_2", "eval.jsonl:2"]
    (tmp_path / "eval.jsonl").write_text(json.dumps({"id": "a", "prompt": "p", "output": "o"}) + "\n")
    with pytest.raises(ValueError, match="eval.jsonl:1: an eval row needs a string agent, prompt and output"):
        read_eval(tmp_path / "eval.jsonl")


@pytest.mark.slow
def test_the_quantize_job_calibrates_sweeps_quantizes_evaluates_and_refuses_bad_input(target, tok_dir, tmp_path):
    ckpt = job_inputs(target, tok_dir, tmp_path)
    drafter = untrained_drafter(Transformer(ARGS))
    save_drafter(drafter, tmp_path / "drafter")
    command = [sys.executable, "-m", "distillery_compute", "quantize", "--checkpoint", str(ckpt),
               "--calibration", str(tmp_path / "calibration.jsonl"), "--eval-rows", str(tmp_path / "eval.jsonl"),
               "--run-dir", str(tmp_path / "run"), "--drafter", str(tmp_path / "drafter"), "--length", "64",
               "--samples", "2", "--eval-max-tokens", "12"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert {e["event"] for e in events} >= {"stage_start", "clip_rates", "evaluated", "acceptance", "done"}
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["calibration"] | {"tokens": 0} == {"set": "mixed", "length": 64, "samples": 2, "tokens": 0,
                                                      "observer": "static_minmax", "ignore": ["lm_head"]}
    assert set(manifest["sweep"]["sets"]) == {"public", "in-domain", "mixed"}
    assert set(manifest["sweep"]["sets"]["mixed"]) == {"16", "64"}
    assert 0 <= manifest["clip_rates"]["total"] <= 1 and manifest["metrics"]["agreement_prompts"] == 4
    assert manifest["memory"]["fp8_bytes"] < manifest["memory"]["bf16_bytes"]
    for name in ("bf16_drafter", "fp8_drafter"):
        assert manifest["acceptance"][name]["same_output"] == 4   # speculation never changes the FP8 student's output
    student, _ = load_checkpoint(tmp_path / "run" / "student")
    assert isinstance(student.model.layers[0].mlp.gate_proj, FP8Linear)
    assert isinstance(load_drafter(tmp_path / "run" / "drafter", student).fc, FP8Linear)
    bad = subprocess.run(command[:-6] + ["--length", "100"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "no mixed calibration texts of length 100" in bad.stderr and "16, 64" in bad.stderr


@pytest.fixture(scope="module")
def smollm2_tokenizer(smollm2_base):
    from distillery_compute.tokenizer import ChatTokenizer
    return ChatTokenizer.load(smollm2_base)


@pytest.mark.slow
def test_fp8_smollm2_answers_as_bf16_does_most_of_the_way(smollm2_base, smollm2_tokenizer):
    """SmolLM2-135M-Instruct quantized with scales from a few chat texts: its greedy answers to other
    questions, one request at a time, against BF16's. Measured: 2 of 8 answers identical over 24 tokens,
    52% of each answer shared before the first difference on average (fp32 CPU emulation). A 135M model
    with massive activations at its down_proj inputs loses more to one static scale per tensor than
    the paper's larger student: small activations land among E4M3's subnormals (the job's flush rate).
    A broken scale or rounding gives answers that differ from the first token."""
    model, _ = load_checkpoint(smollm2_base, dtype=torch.float32)
    model.eval()
    tok = smollm2_tokenizer
    chat = lambda q: tok.encode_chat([{"role": "user", "content": q}])   # noqa: E731
    calibration = [chat(f"Tell me about {topic}.") for topic in ("the sea", "cars", "bread baking", "the moon")]
    quantized = copy.deepcopy(model)
    quantize_model(quantized, quantizable(quantized), observe(model, quantizable(model), calibration))
    questions = ["What is the capital of France?", "Name three colors.", "How do I book a test drive?",
                 "What is 2 plus 2?", "Write a short greeting.", "Why is the sky blue?", "List two fruits.",
                 "What does a car dealer do?"]
    answers = [[Engine(m, tok, num_blocks=600).generate([chat(q)], SamplingParams(max_tokens=24))[0].token_ids for q in questions]
               for m in (model, quantized)]
    same = sum(a == b for a, b in zip(*answers))
    shared = [next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b))) / max(len(a), len(b))
              for a, b in zip(*answers)]
    assert same >= 1 and sum(shared) / len(shared) >= 0.35, (same, shared)
