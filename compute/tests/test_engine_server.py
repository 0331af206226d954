"""The engine's gRPC server (engine/server.py) in-process on a free port, over a tiny random model, and
`python -m distillery_compute serve`: streams equal offline generate, abort and cancel free every block,
bad requests are refused naming the field while others go on, Health, draining, a tampered checkpoint.

The SIGTERM test runs the CLI in a child process (marked slow: ~10 s on 2 cores).
"""

import asyncio
import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import grpc
import pytest
import torch

from distillery_compute.__main__ import main
from distillery_compute.checkpoint import save_checkpoint
from distillery_compute.engine import Engine, SamplingParams
from distillery_compute.engine import server as server_module
from distillery_compute.engine.server import EngineServer, load_proto
from distillery_compute.model import ModelArgs, Transformer

pb, services = load_proto()
ARGS = ModelArgs.from_name("micro").replace(vocab_size=384)   # the conftest tokenizer's vocabulary
BLOCKS = 48
PROMPTS = ["<|user|>\nthe customer wants a red sedan with low mileage",
           "<|system|>\nwe have three cars in stock\n<|user|>\nprice of the trade-in appointment next week?",
           "<|user|>\nMüller café naïve 東京 🚗 €25,000"]


@pytest.fixture(scope="module")
def model() -> Transformer:
    torch.manual_seed(0)
    return Transformer(ARGS).eval()


def make_engine(model, tok, step_delay: float = 0.0) -> Engine:
    engine = Engine(model, tok, num_blocks=BLOCKS, max_batched_tokens=64, max_seqs=8)
    if step_delay:   # a slow engine: a long request is still running while the test acts on it
        step = engine.step

        def slow_step():
            time.sleep(step_delay)
            return step()
        engine.step = slow_step
    return engine


class Served:
    """An EngineServer on 127.0.0.1:<free port>, its event loop in a thread, and a client stub."""

    def __init__(self, engine: Engine):
        self.engine, self.server = engine, EngineServer(engine, "micro-test")
        self.loop = asyncio.new_event_loop()
        started = concurrent.futures.Future()

        async def serve():
            try:
                started.set_result(await self.server.start("127.0.0.1:0"))
            except BaseException as error:
                started.set_exception(error)
                return
            await self.server.wait()

        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(serve(),), daemon=True)
        self.thread.start()
        self.address = started.result(30)
        self.channel = grpc.insecure_channel(self.address)
        self.stub = services.EngineStub(self.channel)

    def close(self) -> None:
        self.channel.close()
        if self.thread.is_alive():
            asyncio.run_coroutine_threadsafe(self.server.close(), self.loop).result(30)
        self.thread.join(30)
        assert not self.thread.is_alive()
        self.loop.close()


@pytest.fixture
def served(model, tok):
    running = []

    def start(step_delay: float = 0.0) -> Served:
        running.append(Served(make_engine(model, tok, step_delay)))
        return running[-1]
    yield start
    for s in running:
        s.close()


def request(request_id: str, prompt: str | list[int] | list[dict], **fields):
    """A GenerateRequest: a transcript (str), token ids (list of int) or chat messages (list of dict)."""
    fields.setdefault("max_tokens", 16)
    if isinstance(prompt, str):
        return pb.GenerateRequest(request_id=request_id, transcript=prompt, **fields)
    if prompt and isinstance(prompt[0], dict):
        items = [pb.ChatMessage(**m) for m in prompt]
        return pb.GenerateRequest(request_id=request_id, messages=pb.ChatMessages(items=items), **fields)
    return pb.GenerateRequest(request_id=request_id, token_ids=pb.TokenIds(ids=prompt), **fields)


def collect(responses) -> tuple[str, list[int], list]:
    """(text, token ids, every response) of a Generate stream read to its end."""
    responses = list(responses)
    return "".join(r.text for r in responses), [t for r in responses for t in r.token_ids], responses


def all_free(engine: Engine, within: float = 2.0) -> bool:
    """Whether every block is free (prefix-cached ones count as free) and nothing runs, within `within` s."""
    deadline = time.monotonic() + within
    while not (engine.pool.free_blocks == engine.pool.num_blocks and not engine.scheduler.has_work()):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def refused(call, code: grpc.StatusCode, field: str) -> str:
    """Run a unary-stream call that must fail with `code` naming `field`; returns the message."""
    with pytest.raises(grpc.RpcError) as caught:
        list(call())
    error = caught.value
    assert error.code() == code, error.details()
    assert error.details().startswith(f"{field}: "), error.details()
    assert dict(error.trailing_metadata())["distillery-field"] == field
    return error.details()


# ---------------------------------------------------------------------------- streams


def test_stream_equals_offline_generate(model, tok, served):
    s = served()
    reference = Engine(model, tok, num_blocks=BLOCKS)
    messages = [{"role": "system", "content": "we have three cars"}, {"role": "user", "content": "a red sedan?"}]
    cases = [
        (PROMPTS[0], {}, SamplingParams(max_tokens=24)),
        (reference.encode(transcript=PROMPTS[1]), {"ignore_eos": True}, SamplingParams(max_tokens=30, ignore_eos=True)),
        (messages, {}, SamplingParams(max_tokens=20)),
        # sampled: a seeded request draws the same tokens (0.75 and 0.875 are exact in a proto float)
        (PROMPTS[2], {"temperature": 0.75, "top_p": 0.875, "seed": 7},
         SamplingParams(max_tokens=24, temperature=0.75, top_p=0.875, seed=7)),
    ]
    for i, (prompt, fields, params) in enumerate(cases):
        ids = reference.encode(messages=prompt) if isinstance(prompt, list) and isinstance(prompt[0], dict) else prompt
        want = reference.generate([ids], params)[0]
        text, tokens, responses = collect(s.stub.Generate(request(f"r{i}", prompt, max_tokens=params.max_tokens,
                                                                  **fields)))
        assert (text, tokens) == (want.text, want.token_ids), i
        last = responses[-1]
        assert last.finish_reason == want.finish_reason and all(r.finish_reason == "" for r in responses[:-1])
        assert last.prompt_tokens == want.prompt_tokens and last.completion_tokens == len(tokens)
    assert all_free(s.engine)


def test_concurrent_streams_all_complete(model, tok, served):
    s = served()
    reference = Engine(model, tok, num_blocks=BLOCKS)
    jobs = [(f"c{i}", PROMPTS[i % 3] + " next" * i, 8 + 3 * i) for i in range(6)]
    with concurrent.futures.ThreadPoolExecutor(len(jobs)) as pool:
        futures = {rid: pool.submit(lambda r=rid, p=p, n=n: collect(s.stub.Generate(
            request(r, p, max_tokens=n, ignore_eos=True)))) for rid, p, n in jobs}
        results = {rid: future.result(60) for rid, future in futures.items()}
    for rid, prompt, n in jobs:
        text, tokens, responses = results[rid]
        want = reference.generate([prompt], SamplingParams(max_tokens=n, ignore_eos=True))[0]
        assert responses[-1].finish_reason == "length" and len(tokens) == n, rid
        assert (text, tokens) == (want.text, want.token_ids), rid
    health = s.stub.Health(pb.HealthRequest())
    assert (health.running, health.waiting, health.streams) == (0, 0, 0)
    assert all_free(s.engine)


def test_abort_by_id_ends_the_stream_and_frees_its_blocks(served):
    s = served(step_delay=0.02)
    stream = s.stub.Generate(request("long", PROMPTS[1], max_tokens=200, ignore_eos=True))
    first = next(stream)
    assert first.finish_reason == "" and s.engine.pool.free_blocks < BLOCKS
    assert s.stub.Abort(pb.AbortRequest(request_id="long")).found
    rest = list(stream)
    assert rest and rest[-1].finish_reason == "abort"
    assert len(first.token_ids) + sum(len(r.token_ids) for r in rest) < 200
    assert all_free(s.engine)
    assert not s.stub.Abort(pb.AbortRequest(request_id="long")).found   # finished: no longer served
    assert not s.stub.Abort(pb.AbortRequest(request_id="never-sent")).found


@pytest.mark.parametrize("how", ["cancel", "close the channel"])
def test_a_client_that_goes_away_frees_its_blocks(served, how):
    s = served(step_delay=0.05)   # 200 tokens would take 10 s: freed within 3 s means aborted (loaded machines too)
    channel = grpc.insecure_channel(s.address)
    stream = services.EngineStub(channel).Generate(request("gone", PROMPTS[0], max_tokens=200, ignore_eos=True))
    next(stream)
    assert s.engine.pool.free_blocks < BLOCKS
    if how == "cancel":
        stream.cancel()
    else:
        channel.close()
    assert all_free(s.engine, within=3.0)
    assert s.stub.Health(pb.HealthRequest()).streams == 0
    # the id is free again, and the abort of its predecessor does not touch the new request
    text, tokens, responses = collect(s.stub.Generate(request("gone", PROMPTS[0], max_tokens=5, ignore_eos=True)))
    assert responses[-1].finish_reason == "length" and len(tokens) == 5
    channel.close()


def test_bad_requests_are_refused_naming_the_field_while_others_go_on(served):
    s = served(step_delay=0.01)
    good = s.stub.Generate(request("good", PROMPTS[0], max_tokens=40, ignore_eos=True))
    first = next(good)   # running while the bad ones arrive
    generate = s.stub.Generate
    bad = grpc.StatusCode.INVALID_ARGUMENT
    refused(lambda: generate(request("b1", PROMPTS[0], max_tokens=0)), bad, "max_tokens")
    message = refused(lambda: generate(request("b2", [5] * 300)), bad, "prompt")
    assert "256" in message   # the context it does not fit
    refused(lambda: generate(pb.GenerateRequest(request_id="b3", max_tokens=4)), bad, "prompt")
    refused(lambda: generate(request("b4", [5, 6, 384])), bad, "token_ids[2]")
    refused(lambda: generate(request("b5", [{"role": "robot", "content": "hi"}])), bad, "messages[0].role")
    refused(lambda: generate(pb.GenerateRequest(request_id="b5", messages=pb.ChatMessages(), max_tokens=4)), bad,
            "messages")
    refused(lambda: generate(request("b6", PROMPTS[0], temperature=3.0)), bad, "temperature")
    refused(lambda: generate(request("b7", PROMPTS[0], top_p=0.0)), bad, "top_p")
    refused(lambda: generate(request("b8", PROMPTS[0], stop_token_ids=[1000])), bad, "stop_token_ids[0]")
    refused(lambda: generate(request("", PROMPTS[0])), bad, "request_id")
    refused(lambda: generate(request("good", PROMPTS[1])), grpc.StatusCode.ALREADY_EXISTS, "request_id")
    rest = list(good)
    assert rest[-1].finish_reason == "length"
    assert len(first.token_ids) + sum(len(r.token_ids) for r in rest) == 40
    assert all_free(s.engine)


def test_health_reports_the_engine(served):
    s = served(step_delay=0.02)
    health = s.stub.Health(pb.HealthRequest())
    assert (health.status, health.model, health.blocks_total, health.blocks_free) == ("serving", "micro-test",
                                                                                      BLOCKS, BLOCKS)
    assert (health.block_size, health.max_model_len, health.running, health.streams) == (16, 256, 0, 0)
    long_prompt = PROMPTS[1] + " and the financing options" * 3   # over two full blocks: some are cached
    stream = s.stub.Generate(request("h", long_prompt, max_tokens=100, ignore_eos=True))
    next(stream)
    health = s.stub.Health(pb.HealthRequest())
    assert (health.running, health.waiting, health.streams) == (1, 0, 1)
    assert health.blocks_free == BLOCKS - len(s.engine._live["h#0"].blocks) < BLOCKS
    assert s.stub.Abort(pb.AbortRequest(request_id="h")).found
    list(stream)
    collect(s.stub.Generate(request("again", long_prompt, max_tokens=2)))   # the same prompt: prefix hits
    health = s.stub.Health(pb.HealthRequest())
    assert health.prefix_hit_rate > 0 and (health.running, health.streams, health.blocks_free) == (0, 0, BLOCKS)


def test_drain_refuses_new_requests_and_finishes_the_others(served):
    s = served(step_delay=0.01)
    stream = s.stub.Generate(request("inflight", PROMPTS[0], max_tokens=60, ignore_eos=True))
    first = next(stream)
    s.loop.call_soon_threadsafe(s.server.drain)
    deadline = time.monotonic() + 5
    while s.stub.Health(pb.HealthRequest()).status != "draining":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    with pytest.raises(grpc.RpcError) as caught:
        list(s.stub.Generate(request("late", PROMPTS[0])))
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE and "draining" in caught.value.details()
    rest = list(stream)
    assert rest[-1].finish_reason == "length"
    assert len(first.token_ids) + sum(len(r.token_ids) for r in rest) == 60
    s.thread.join(10)   # drained: the server stops by itself
    assert not s.thread.is_alive() and all_free(s.engine, within=0)


def test_an_engine_failure_ends_every_stream_and_stops_the_server(served):
    s = served()
    step = s.engine.step

    def failing_step():
        if s.engine.steps >= 3:
            raise RuntimeError("out of memory (a test)")
        return step()
    s.engine.step = failing_step   # the engine thread looks it up every step
    streams = [s.stub.Generate(request(f"f{i}", PROMPTS[i], max_tokens=50, ignore_eos=True)) for i in range(2)]
    for stream in streams:
        with pytest.raises(grpc.RpcError) as caught:
            list(stream)
        assert caught.value.code() == grpc.StatusCode.INTERNAL and "out of memory (a test)" in caught.value.details()
    s.thread.join(10)
    assert not s.thread.is_alive() and isinstance(s.server.error, RuntimeError)


# ---------------------------------------------------------------------------- the serve command


@pytest.fixture
def checkpoint(model, tok_dir, tmp_path) -> Path:
    files = {name: (tok_dir / name).read_bytes() for name in ("tokenizer.json", "tokenizer_config.json")}
    return save_checkpoint(model, ARGS, tmp_path / "ckpt", torch.float32, extra_files=files)


def test_serve_refuses_a_tampered_checkpoint(checkpoint, monkeypatch, capsys):
    class Started(Exception):
        pass

    async def start(self, address):   # got past loading: the test ends here instead of serving
        raise Started(address)
    monkeypatch.setattr(server_module.EngineServer, "start", start)
    monkeypatch.setenv("DISTILLERY_ENGINE_KV_BYTES", str(1 << 20))
    with pytest.raises(Started):   # the intact checkpoint loads
        main(["serve", "--checkpoint", str(checkpoint), "--device", "cpu"])
    weights = checkpoint / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0x01
    weights.write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["serve", "--checkpoint", str(checkpoint), "--device", "cpu"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "model.safetensors" in err and "sha256" in err, err
    assert main(["serve", "--checkpoint", str(checkpoint / "missing")]) == 2
    assert "no such directory" in capsys.readouterr().err


def test_serve_refuses_cuda_graphs_on_the_cpu(checkpoint, capsys):
    assert main(["serve", "--checkpoint", str(checkpoint), "--device", "cpu", "--decode-graphs", "capture"]) == 2
    assert "--decode-graphs capture: CUDA graphs need a CUDA device" in capsys.readouterr().err


@pytest.mark.slow
def test_serve_cli_drains_on_sigterm(checkpoint, tmp_path):
    socket = tmp_path / "engine.sock"
    env = {**os.environ, "DISTILLERY_ENGINE_KV_BYTES": str(1 << 20)}
    child = subprocess.Popen([sys.executable, "-m", "distillery_compute", "serve", "--checkpoint", str(checkpoint),
                              "--socket", str(socket), "--device", "cpu", "--max-seqs", "1", "--model-id", "student"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        ready = json.loads(child.stdout.readline())
        assert ready["event"] == "ready" and ready["address"] == f"unix:{socket}" and ready["model"] == "student"
        assert ready["blocks"] >= 16 and ready["max_model_len"] == 256 and ready["decode_graphs"] is False
        channel = grpc.insecure_channel(ready["address"])
        stub = services.EngineStub(channel)
        # decoded one at a time (--max-seqs 1, ~0.2 s each): two are still queued when SIGTERM arrives
        streams = [stub.Generate(request(f"s{i}", PROMPTS[i % 3], max_tokens=200, ignore_eos=True)) for i in range(3)]
        deadline = time.monotonic() + 10
        while stub.Health(pb.HealthRequest()).streams < 3:   # all three calls reached the server (in any order)
            assert time.monotonic() < deadline
            time.sleep(0.005)
        child.send_signal(signal.SIGTERM)
        assert json.loads(child.stdout.readline())["event"] == "draining"
        assert stub.Health(pb.HealthRequest()).status == "draining"
        with pytest.raises(grpc.RpcError) as caught:
            list(stub.Generate(request("late", PROMPTS[0])))
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE and "draining" in caught.value.details()
        finished = [collect(stream) for stream in streams]
        assert [(len(tokens), responses[-1].finish_reason) for _, tokens, responses in finished] == [(200, "length")] * 3
        channel.close()
        assert child.wait(30) == 0
        done = json.loads(child.stdout.readline())
        assert done["event"] == "done" and done["requests"] == 3 and done["blocks_free"] == done["blocks_total"]
        assert not socket.exists()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()



@pytest.mark.slow
def test_serve_cli_exits_with_its_parent(checkpoint, tmp_path):
    """--exit-with-stdin: the parent's end of the stdin pipe closing (the parent died, even by SIGKILL)
    drains the server and it exits, its stdout gone too — no engine outlives the service that started it."""
    socket = tmp_path / "engine.sock"
    env = {**os.environ, "DISTILLERY_ENGINE_KV_BYTES": str(1 << 20)}
    child = subprocess.Popen([sys.executable, "-m", "distillery_compute", "serve", "--checkpoint", str(checkpoint),
                              "--socket", str(socket), "--device", "cpu", "--exit-with-stdin"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        assert json.loads(child.stdout.readline())["event"] == "ready"
        child.stdout.close()   # the reader of its protocol lines is gone as well, as with a dead parent
        child.stdin.close()
        child.wait(30)
        assert not socket.exists()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
