"""engine/: the paged, continuously batched engine against one-at-a-time decoding, dense attention and transformers.

The micro model's weights are drawn wider than init's (std 0.3) so that its next-token
distributions are peaked: greedy decoding of a near-uniform random model would turn on last-bit
differences between batch shapes. The slow test runs the real SmolLM2-135M base against
transformers' generate() on agent-like prompts, fp32.
"""

import json
import os
import random

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from distillery_compute.checkpoint import ChecksumError, save_checkpoint
from distillery_compute.engine import Engine, RequestError, SamplingParams
from distillery_compute.engine.tp import serve_worker, stop_workers
from distillery_compute.evaluate import greedy_decode
from distillery_compute.model import ModelArgs, Transformer, init_weights

ARGS = ModelArgs.from_name("micro").replace(vocab_size=384, max_seq_len=256)


def micro_model(seed: int = 0) -> Transformer:
    torch.manual_seed(seed)
    model = Transformer(ARGS)
    model.apply(lambda m: init_weights(m, std=0.3))
    return model.eval()


@pytest.fixture(scope="module")
def model() -> Transformer:
    return micro_model()


def prompts(n: int, seed: int = 1, lo: int = 5, hi: int = 90) -> list[list[int]]:
    rng = random.Random(seed)
    return [[rng.randrange(8, ARGS.vocab_size) for _ in range(rng.randint(lo, hi))] for _ in range(n)]


def greedy(n: int) -> SamplingParams:
    return SamplingParams(max_tokens=n, ignore_eos=True)


def reference(model: Transformer, prompt: list[int], n: int) -> list[int]:
    """Greedy tokens from the model's own dense KV-cache loop (evaluate.greedy_decode), eos ignored."""
    return greedy_decode(model, prompt, n, eos_id=-1)


def test_batched_greedy_equals_one_at_a_time_and_the_dense_loop(model, tok):
    batch = prompts(10)
    engine = Engine(model, tok, num_blocks=256, max_batched_tokens=512)
    together = engine.generate(batch, greedy(24))
    for prompt, out in zip(batch, together):
        alone = Engine(model, tok, num_blocks=256).generate([prompt], greedy(24))[0]
        assert out.token_ids == alone.token_ids == reference(model, prompt, 24)
        assert out.finish_reason == "length" and len(out.token_ids) == 24


def test_chunked_prefill_and_preemption_change_nothing(model, tok):
    batch = prompts(8, seed=2, lo=40, hi=120)
    want = [reference(model, p, 20) for p in batch]
    # 8-token budget: every prompt prefills in chunks over many steps, next to others' decodes
    chunked = Engine(model, tok, num_blocks=256, max_batched_tokens=8)
    assert [o.token_ids for o in chunked.generate(batch, greedy(20))] == want
    # 18 blocks of 16 = 288 positions for 8 sequences of up to 140: most must be preempted and recomputed
    tight = Engine(model, tok, num_blocks=18, block_size=16, max_batched_tokens=64, prefix_caching=False)
    assert [o.token_ids for o in tight.generate(batch, greedy(20))] == want
    assert tight.scheduler.preemptions > 0
    assert tight.pool.free_blocks == tight.pool.num_blocks
    # the same squeeze with the preempted sequences' keys and values swapped to host memory and back
    swap = Engine(model, tok, num_blocks=18, block_size=16, max_batched_tokens=64, prefix_caching=False,
                  preemption="swap")
    computed = []
    forward = swap._forward
    swap._forward = lambda swaps, work: computed.append(sum(len(w[0]) for w in work)) or forward(swaps, work)
    assert [o.token_ids for o in swap.generate(batch, greedy(20))] == want
    assert swap.scheduler.preemptions > 0 and not swap.runner.swapped
    # nothing was computed twice: every prompt token once, then one position per new token but the last
    assert sum(computed) == sum(len(p) + 19 for p in batch)


@pytest.mark.parametrize("preemption", ["recompute", "swap"])
def test_preemption_with_the_prefix_cache_never_stalls(model, tok, preemption):
    """Preempted sequences come back through the prefix cache: a waiting sequence that cannot be
    admitted must not keep its cached blocks, else waiting sequences end up holding every block with
    none running, and the engine steps forever without progress (found on agent prompts)."""
    batch = prompts(8, seed=16, lo=20, hi=100)
    want = [reference(model, p, 60) for p in batch]
    # the smallest cache the context allows (16 blocks of 16) and a 32-token budget: constant preemption
    engine = Engine(model, tok, num_blocks=16, block_size=16, max_batched_tokens=32, max_seqs=16,
                    preemption=preemption)
    for i, prompt in enumerate(batch):
        engine.add(f"r{i}", greedy(60), token_ids=prompt)
    outputs = {f"r{i}": [] for i in range(len(batch))}
    for _ in range(3000):   # a few hundred steps do it; a stall would spin forever
        if not engine.has_work():
            break
        for out in engine.step():
            outputs[out.request_id] += out.token_ids
    assert not engine.has_work(), f"stalled: {[(q.id, len(q.blocks)) for q in engine.scheduler.waiting]} waiting"
    assert [outputs[f"r{i}"] for i in range(len(batch))] == want
    assert engine.scheduler.preemptions > 0 and engine.pool.free_blocks == engine.pool.num_blocks


def test_paged_attention_equals_dense_attention(model, tok):
    prompt = prompts(1, seed=3, lo=70, hi=70)[0]
    engine = Engine(model, tok, num_blocks=64, block_size=4)
    runner, blocks = engine.runner, engine.pool.allocate(20)
    random.Random(0).shuffle(blocks)   # scattered blocks: the table, not adjacency, must decide
    dense = model(torch.tensor([prompt]))[0]
    # prefill 50 positions in one chunk, then 19 more in another, then one decode
    first = runner.forward(runner.prepare([(prompt[:50], 0, blocks, True)]))
    second = runner.forward(runner.prepare([(prompt[50:69], 50, blocks, True)]))
    third = runner.forward(runner.prepare([(prompt[69:], 69, blocks, True)]))
    torch.testing.assert_close(first[0], dense[49], rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(second[0], dense[68], rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(third[0], dense[69], rtol=1e-4, atol=1e-4)


def test_the_decode_graph_path_decodes_as_the_eager_runner(model, tok):
    """The padded computation a CUDA graph captures (graphs.py), run without capturing: batches padded
    to a power of two with rows writing to the scratch block, block tables padded and masked. Its
    tokens equal the eager runner's, and the scratch block never reaches a sequence's keys."""
    batch = prompts(7, seed=12, lo=5, hi=120)
    want = [reference(model, p, 24) for p in batch]
    padded = Engine(model, tok, num_blocks=128, max_seqs=8, decode_graphs="eager")
    assert padded.runner.num_blocks == padded.pool.num_blocks + 1 == 129
    assert [o.token_ids for o in padded.generate(batch, greedy(24))] == want
    graphs = padded.runner.graphs
    assert graphs.runs == 23 and {b for b, _ in graphs.captured} == {8}   # 7 rows padded to 8, 23 decode steps
    # one padded decode step of two sequences over scattered blocks: each row's logits are the dense model's
    runner = Engine(model, tok, num_blocks=64, block_size=4, decode_graphs="eager").runner
    dense, work = [], []
    for prompt, start in ((batch[1][:37], 0), (prompts(1, seed=14, lo=70, hi=70)[0], 20)):
        blocks = list(range(start, start + 20))
        random.Random(start).shuffle(blocks)
        runner.forward(runner.prepare([(prompt[:-1], 0, blocks, True)]))   # a prefill: the eager path
        dense.append(model(torch.tensor([prompt]))[0, -1])
        work.append((prompt[-1:], len(prompt) - 1, blocks, True))
    step = runner.prepare(work)
    assert step.decodes is not None and runner.graphs.fits(step)
    torch.testing.assert_close(runner.forward(step), torch.stack(dense), rtol=1e-4, atol=1e-4)


def test_a_decode_graphs_padding_rows_never_write_where_a_sequence_was(model, tok):
    """A bucket met again with fewer sequences (7 rows of 8, later 5): the rows past the batch must be
    padding again, not the earlier sequences, whose slots now belong to others (prefix caching off:
    freed blocks are handed out again at once)."""
    engine = Engine(model, tok, num_blocks=32, max_seqs=8, decode_graphs="eager", prefix_caching=False)
    for count, seed in ((7, 17), (5, 18), (6, 19)):
        batch = prompts(count, seed=seed, lo=5, hi=60)
        assert [o.token_ids for o in engine.generate(batch, greedy(12))] == [reference(model, p, 12) for p in batch]
    assert {b for b, _ in engine.runner.graphs.captured} == {8}


def test_decode_steps_past_the_graphs_context_budget_run_eagerly(model, tok):
    batch = prompts(4, seed=13, lo=60, hi=90)
    engine = Engine(model, tok, num_blocks=128, decode_graphs="eager")
    engine.runner.graphs.max_context_tokens = 64   # smaller than any of these contexts
    assert [o.token_ids for o in engine.generate(batch, greedy(8))] == [reference(model, p, 8) for p in batch]
    assert engine.runner.graphs.runs == 0


def test_cuda_graphs_are_refused_without_a_cuda_device(model, tok):
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    with pytest.raises(ValueError, match="CUDA graphs need a CUDA device"):
        Engine(model, tok, num_blocks=64, decode_graphs="capture")
    with pytest.raises(ValueError, match="decode_graphs must be capture, eager or off"):
        Engine(model, tok, num_blocks=64, decode_graphs="always")


def last_logits(engine: Engine, prompt: list[int]) -> tuple[torch.Tensor, int]:
    """The logits the engine sampled a prompt's first token from, and how many prompt tokens it found cached."""
    seen = []
    forward = engine._forward
    engine._forward = lambda swaps, work: seen.append(forward(swaps, work)) or seen[-1]
    out = engine.generate([prompt], greedy(1))[0]
    engine._forward = forward
    return seen[-1][-1], out.cached_tokens


def test_a_prefix_cache_hit_gives_the_logits_of_a_miss(model, tok):
    shared = prompts(1, seed=4, lo=100, hi=100)[0]
    first, second = shared + [11, 12, 13], shared + [21, 22, 23, 24, 25]
    engine = Engine(model, tok, num_blocks=64, block_size=16)
    _, cached = last_logits(engine, first)
    assert cached == 0
    hit, cached = last_logits(engine, second)
    assert cached == 96                                  # 6 full blocks of the 100 shared tokens
    miss, cached = last_logits(Engine(model, tok, num_blocks=64, block_size=16, prefix_caching=False), second)
    assert cached == 0
    # The same values to fp32 rounding: a hit attends over the cached blocks plus a 4-token prefill, a miss
    # over one 105-token prefill, and the two sum in other orders (CI saw 1.1e-5 on one of 384 logits).
    torch.testing.assert_close(hit, miss, rtol=1e-4, atol=5e-5)
    assert int(hit.argmax()) == int(miss.argmax())
    stats = engine.stats()
    assert stats["prefix_hit_tokens"] == 96 and 0 < stats["prefix_hit_rate"] < 1


def test_prompts_arriving_together_compute_their_shared_prefix_once(model, tok):
    shared = prompts(1, seed=10, lo=100, hi=100)[0]
    batch = [shared + [11, 12], shared + [21, 22, 23], shared + [31]]
    engine = Engine(model, tok, num_blocks=64, block_size=16, max_batched_tokens=512)
    computed = []
    forward = engine._forward
    engine._forward = lambda swaps, work: computed.append(sum(len(w[0]) for w in work)) or forward(swaps, work)
    outs = engine.generate(batch, greedy(4))
    assert [o.cached_tokens for o in outs] == [0, 96, 96]
    assert [o.token_ids for o in outs] == [reference(model, p, 4) for p in batch]
    # the 96 shared positions once, then 6 + 7 + 5 of the three prompts, then a token per decode
    assert sum(computed) == 96 + (102 - 96) + (103 - 96) + (101 - 96) + 3 * 3


def test_an_abort_asked_before_a_request_arrives_does_not_touch_it(model, tok):
    engine = Engine(model, tok, num_blocks=64)
    engine.abort("again")     # a client gone after its request ended, then the id is reused
    engine.add("again", greedy(3), token_ids=[9, 10])
    outs = []
    while engine.has_work():
        outs += engine.step()
    assert [o.finish_reason for o in outs if o.request_id == "again"][-1] == "length"


def test_abort_frees_every_block_running_or_waiting(model, tok):
    engine = Engine(model, tok, num_blocks=64, max_seqs=2)
    for i, prompt in enumerate(prompts(4, seed=5)):
        engine.add(f"r{i}", greedy(50), token_ids=prompt)
    outs = engine.step() + engine.step()            # r0 and r1 running, r2 and r3 waiting
    assert {s.id for s in engine.scheduler.running} == {"r0", "r1"}
    engine.abort("r1")
    engine.abort("r3")
    engine.abort("nobody")                           # unknown ids are ignored
    outs = engine.step()
    ended = {o.request_id: o for o in outs if o.finish_reason}
    assert set(ended) == {"r1", "r3"} and all(o.finish_reason == "abort" and o.text == "" for o in ended.values())
    while engine.has_work():
        engine.step()
    assert engine.pool.free_blocks == engine.pool.num_blocks
    assert not engine._live


@pytest.mark.parametrize("params, prompt, field", [
    (SamplingParams(max_tokens=0), {"token_ids": [5, 6]}, "max_tokens"),
    (SamplingParams(max_tokens=-3), {"token_ids": [5, 6]}, "max_tokens"),
    (SamplingParams(stop=[3]), {"token_ids": [5, 6]}, "stop[0]"),
    (SamplingParams(stop="end"), {"token_ids": [5, 6]}, "stop"),
    (SamplingParams(temperature=-1), {"token_ids": [5, 6]}, "temperature"),
    (SamplingParams(top_p=0), {"token_ids": [5, 6]}, "top_p"),
    (SamplingParams(stop_token_ids=[999]), {"token_ids": [5, 6]}, "stop_token_ids[0]"),
    (SamplingParams(), {"token_ids": [5, 384]}, "token_ids[1]"),
    (SamplingParams(), {"token_ids": list(range(8, 264))}, "prompt"),   # 256 tokens: the context is full
    (SamplingParams(), {}, "prompt"),
    (SamplingParams(), {"token_ids": [5], "text": "hi"}, "prompt"),
    (SamplingParams(), {"messages": [{"role": "robot", "content": "x"}]}, "messages[0].role"),
    (SamplingParams(), {"messages": [{"role": "user", "content": None}]}, "messages[0].content"),
])
def test_bad_requests_are_refused_by_field_and_the_others_go_on(model, tok, params, prompt, field):
    engine = Engine(model, tok, num_blocks=64)
    engine.add("good", greedy(8), token_ids=[9, 10, 11])
    engine.step()
    with pytest.raises(RequestError) as refused:
        engine.add("bad", params, **prompt)
    assert refused.value.field == field, str(refused.value)
    while engine.has_work():
        outs = engine.step()
    assert outs[-1].request_id == "good" and outs[-1].finish_reason == "length"
    with pytest.raises(RequestError, match="already being served"):
        engine.add("dup", greedy(4), token_ids=[9])
        engine.add("dup", greedy(4), token_ids=[9])


def test_stop_strings_end_the_text_before_them_and_never_leak_into_the_stream(model, tok):
    prompt = prompts(1, seed=6)[0]
    full = Engine(model, tok, num_blocks=64).generate([prompt], greedy(40))[0].text
    assert len(full) > 12
    stop = full[6:10]
    engine = Engine(model, tok, num_blocks=64)
    engine.add("s", SamplingParams(max_tokens=40, ignore_eos=True, stop=[stop]), token_ids=prompt)
    streamed, last = "", None
    while engine.has_work():
        for out in engine.step():
            streamed += out.text
            last = out
    assert last.finish_reason == "stop"
    assert streamed == full[:full.index(stop)]


def test_seeded_sampling_is_the_same_alone_and_in_a_batch(model, tok):
    batch = prompts(5, seed=7)
    params = lambda seed: SamplingParams(max_tokens=16, temperature=1.0, top_p=0.9, seed=seed, ignore_eos=True)  # noqa: E731
    together = Engine(model, tok, num_blocks=128).generate(batch, [params(i) for i in range(5)])
    alone = [Engine(model, tok, num_blocks=128).generate([p], params(i))[0] for i, p in enumerate(batch)]
    assert [o.token_ids for o in together] == [o.token_ids for o in alone]
    other = Engine(model, tok, num_blocks=128).generate([batch[0]], params(99))[0]
    assert other.token_ids != alone[0].token_ids
    assert together[0].token_ids != reference(model, batch[0], 16)   # it did sample


def test_a_tampered_checkpoint_is_refused_naming_the_file(model, tmp_path):
    out = save_checkpoint(model, ARGS, tmp_path / "ckpt", dtype=torch.float32)
    weights = out / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ChecksumError, match="model.safetensors"):
        Engine.from_checkpoint(out, device="cpu")


def _tp_rank(rank: int, world: int, init: str, batch: list, result: str, preemption: str) -> None:
    dist.init_process_group("gloo", init_method=init, rank=rank, world_size=world)
    from distillery_compute.tokenizer import ChatTokenizer
    tok = ChatTokenizer.load(os.environ["ENGINE_TEST_TOK"])
    engine = Engine(micro_model(), tok, num_blocks=16, max_batched_tokens=32, group=dist.group.WORLD,
                    preemption=preemption)
    if rank == 0:
        outs = engine.generate(batch, greedy(16))
        stop_workers(engine)
        assert engine.scheduler.preemptions > 0   # 16 blocks for 6 prompts of up to 106 positions
        with open(result, "w") as f:
            json.dump([o.token_ids for o in outs], f)
    else:
        assert serve_worker(engine) > 0
    dist.destroy_process_group()


@pytest.mark.slow
@pytest.mark.parametrize("preemption", ["recompute", "swap"])
def test_tensor_parallel_on_two_ranks_equals_one_rank(model, tok, tok_dir, tmp_path, monkeypatch, preemption):
    batch = prompts(6, seed=8)
    one = [o.token_ids for o in Engine(model, tok, num_blocks=128).generate(batch, greedy(16))]
    monkeypatch.setenv("ENGINE_TEST_TOK", str(tok_dir))
    result = tmp_path / "tp.json"
    mp.spawn(_tp_rank, args=(2, f"file://{tmp_path / 'store'}", batch, str(result), preemption), nprocs=2, join=True)
    assert json.loads(result.read_text()) == one


def test_tensor_parallel_refuses_a_split_that_does_not_divide_the_heads(model, tok, monkeypatch):
    from distillery_compute.engine import runner as runner_module
    monkeypatch.setattr(runner_module.dist, "get_world_size", lambda group=None: 3)   # micro: 4 heads, 2 kv heads
    monkeypatch.setattr(runner_module.dist, "get_rank", lambda group=None: 0)
    with pytest.raises(ValueError, match="does not divide the model's attention heads"):
        Engine(model, tok, num_blocks=16, group=object())


def test_the_evaluation_decodes_through_the_engine(model, tok):
    from distillery_compute.evaluate import greedy_texts
    batch = prompts(6, seed=9)
    texts = greedy_texts(model, tok, batch, [12] * 6)
    assert texts == [tok.decode(greedy_decode(model, p, 12, tok.eos_id)) for p in batch]
    # keep_going False ends a row early: that text stops growing, the others do not
    stopped = greedy_texts(model, tok, batch, [12] * 6, [lambda text: len(text) < 3] + [lambda text: True] * 5)
    assert len(stopped[0]) < len(texts[0]) and texts[0].startswith(stopped[0]) and stopped[1:] == texts[1:]


@pytest.mark.slow
def test_the_135m_base_decodes_as_transformers_generate(smollm2_base):
    """Token for token against transformers' generate() (greedy, fp32), batched, chunked and cached."""
    transformers = pytest.importorskip("transformers")
    engine = Engine.from_checkpoint(smollm2_base, device="cpu", max_batched_tokens=64)
    system = "You are the planner of a car dealership's assistant. Answer with one JSON object. " * 6
    chats = [[{"role": "system", "content": system}, {"role": "user", "content": question}]
             for question in ("Do you have a red hybrid SUV under $30,000?", "Book a test drive for Friday.",
                              "What is the trade-in value of a 2015 Civic?")]
    ids = [engine.tokenizer.encode_chat(chat) for chat in chats]
    ours = engine.generate(ids, greedy(20))
    assert ours[1].cached_tokens > 0 and ours[2].cached_tokens > 0   # the shared system prompt, once
    theirs = transformers.LlamaForCausalLM.from_pretrained(smollm2_base, dtype=torch.float32).eval()
    for prompt, out in zip(ids, ours):
        want = theirs.generate(torch.tensor([prompt]), max_new_tokens=20, min_new_tokens=20, do_sample=False)
        assert out.token_ids == want[0, len(prompt):].tolist()
