"""The engine's gRPC server: proto/distillery/engine/v1/engine.proto over a local port or a Unix socket.

    server = EngineServer(engine, model="runs/x/checkpoints/dpo")
    address = await server.start("unix:/run/distillery/engine.sock")    # or "127.0.0.1:0": a free port
    ...
    server.drain()          # SIGTERM: new requests are UNAVAILABLE, the ones being served finish
    server.stop()           # a second SIGTERM: abort them too (a call still open a second later is cancelled)
    await server.wait()     # returns once stopped (or the engine failed: server.error)

`python -m distillery_compute serve` runs one (__main__.py). The proto is compiled when first
needed (grpc.protos_and_services, from the repository's proto/ or DISTILLERY_PROTO_DIR); no
generated Python is kept.

Threads. The RPC handlers run on one asyncio event loop. One background thread owns the engine:
it steps while the engine has work and otherwise sleeps on an Event that every add and abort sets.
Each step's outputs reach the event loop in one call_soon_threadsafe, which puts every output in
its request's queue; the queues are unbounded, so the engine thread never waits for a client. A
handler sends whatever has queued up as one response: a client that reads slowly gets fewer,
larger deltas, never a stalled engine.

Request ids. A caller's request_id is unique among the requests being served (ALREADY_EXISTS
otherwise) and names it to Abort. The engine sees "<request_id>#<n>", n counting the server's
requests: an id reused right after a cancel can never be hit by the abort of its predecessor.

A Generate call that is cancelled or whose client goes away aborts its request (engine.abort):
its blocks are freed at the engine's next step.
"""

import asyncio
import itertools
import os
import sys
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

import grpc

from distillery_compute.engine.engine import Engine, Output
from distillery_compute.engine.sampling import RequestError, SamplingParams

PROTO = "distillery/engine/v1/engine.proto"
MAX_REQUEST_ID = 256      # characters
MAX_DETAILS = 1024        # characters of an error message (gRPC sends it in a header)


class ProtoNotFoundError(FileNotFoundError):
    pass


def proto_dir() -> Path:
    """The proto/ root holding engine.proto: DISTILLERY_PROTO_DIR, else the repository's proto/."""
    configured = os.environ.get("DISTILLERY_PROTO_DIR")
    root = Path(configured) if configured else Path(__file__).resolve().parents[3] / "proto"
    if not (root / PROTO).is_file():
        raise ProtoNotFoundError(f"{root / PROTO} not found: the engine server compiles its proto from the "
                                 "repository's proto/ at start (set DISTILLERY_PROTO_DIR to a proto/ dir elsewhere)")
    return root


_proto_lock = threading.Lock()
_proto = None


def load_proto():
    """(messages, services): engine.proto's _pb2 and _pb2_grpc modules, compiled once per process."""
    global _proto
    with _proto_lock:
        if _proto is None:
            root = str(proto_dir())
            sys.path.insert(0, root)   # protos_and_services looks protos up on sys.path
            try:
                _proto = grpc.protos_and_services(PROTO)
            finally:
                sys.path.remove(root)
    return _proto


@dataclass(eq=False)
class _Stream:
    """One Generate call: its ids and the queue the engine thread's outputs arrive in (event loop only)."""
    request_id: str
    engine_id: str
    queue: asyncio.Queue
    accepted: bool = False      # engine.add took it
    finished: bool = False      # its last output was sent


def _clip(text: str) -> str:
    return text if len(text) <= MAX_DETAILS else text[:MAX_DETAILS - 1] + "…"


class EngineServer:
    """The Engine service of engine.proto over one Engine. Everything but the engine thread runs
    on the event loop that called start()."""

    def __init__(self, engine: Engine, model: str = ""):
        self.engine, self.model = engine, model
        self.pb, self._services = load_proto()
        self.draining = False
        self.error: BaseException | None = None   # what the engine thread raised, if it did
        self.served = 0                            # requests the engine accepted
        self._streams: dict[str, _Stream] = {}     # by the caller's request_id
        self._by_engine_id: dict[str, _Stream] = {}
        self._counter = itertools.count()
        self._wake = threading.Event()
        self._stop = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: grpc.aio.Server | None = None
        self._thread: threading.Thread | None = None
        self._idle: asyncio.Event | None = None    # set while no Generate call is open
        self._done: asyncio.Event | None = None
        self._force: asyncio.Event | None = None   # stop(): stop without waiting for the open calls
        self._shutdown_task: asyncio.Task | None = None

    @property
    def streams(self) -> int:
        """Generate calls open now."""
        return len(self._streams)

    # ------------------------------------------------------------------ life cycle

    async def start(self, address: str) -> str:
        """Listen on `address` ("127.0.0.1:PORT", port 0 for a free one, or "unix:PATH"); returns the
        address bound (the port filled in). OSError when it cannot listen there."""
        self._loop = asyncio.get_running_loop()
        self._idle, self._done, self._force = asyncio.Event(), asyncio.Event(), asyncio.Event()
        self._idle.set()
        # no SO_REUSEPORT: a port that another process listens on is an error, not a shared port
        server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
        self._services.add_EngineServicer_to_server(self, server)
        try:
            port = server.add_insecure_port(address)
        except RuntimeError as error:   # grpc >= 1.52 raises when it cannot bind
            raise OSError(f"cannot listen on {address}: {error}") from None
        if port == 0:
            raise OSError(f"cannot listen on {address}")
        await server.start()
        self._server = server
        self._thread = threading.Thread(target=self._run, name="engine-loop", daemon=True)
        self._thread.start()
        if address.startswith("unix:"):
            return address
        return f"{address.rsplit(':', 1)[0]}:{port}"

    def drain(self) -> None:
        """Refuse new requests (UNAVAILABLE), let those being served finish, then stop: wait() returns."""
        self.draining = True
        if self._shutdown_task is None:
            self._shutdown_task = self._loop.create_task(self._shutdown())

    def stop(self) -> None:
        """Drain without waiting: every request being served is aborted (its stream ends with
        finish_reason "abort"), and a call still open a second later (a client that stopped
        reading) is cancelled."""
        for stream in self._streams.values():
            if stream.accepted:
                self.engine.abort(stream.engine_id)
        self._wake.set()
        self._force.set()
        self.drain()

    async def wait(self) -> None:
        """Until the server has stopped (drained, stopped, or the engine failed)."""
        await self._done.wait()

    async def close(self) -> None:
        """stop() and wait()."""
        self.stop()
        await self.wait()

    async def _shutdown(self) -> None:
        waits = [asyncio.ensure_future(self._idle.wait()), asyncio.ensure_future(self._force.wait())]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in waits:
            task.cancel()
        # no call open (or stop()): a Health or Abort call in flight, or an aborted stream, gets a
        # second to finish, then whatever is still open is cancelled
        await self._server.stop(grace=1.0)
        self._stop = True
        self._wake.set()
        await asyncio.to_thread(self._thread.join)
        self._done.set()

    # ------------------------------------------------------------------ the engine thread

    def _run(self) -> None:
        engine = self.engine
        try:
            while not self._stop:
                self._wake.clear()   # before has_work: an add after it sets the event again
                if not engine.has_work():
                    self._wake.wait()
                    continue
                outputs = engine.step()
                if outputs:
                    self._loop.call_soon_threadsafe(self._dispatch, outputs)
        except BaseException as error:   # noqa: BLE001 - a failed engine ends every stream, then the server
            print("distillery_compute engine server: the engine failed", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)
            try:
                self._loop.call_soon_threadsafe(self._fail, error)
            except RuntimeError:   # the event loop is gone already
                pass

    def _dispatch(self, outputs: list[Output]) -> None:
        for out in outputs:
            stream = self._by_engine_id.get(out.request_id)
            if stream is not None:   # None: its call ended (cancelled) before this output
                stream.queue.put_nowait(out)

    def _fail(self, error: BaseException) -> None:
        self.error = error
        for stream in self._streams.values():
            stream.queue.put_nowait(error)
        self.drain()

    # ------------------------------------------------------------------ RPCs

    async def Generate(self, request, context):  # noqa: N802 - the proto's names
        if self.draining:
            await context.abort(grpc.StatusCode.UNAVAILABLE, self._unavailable())
        request_id = request.request_id
        if not request_id or len(request_id) > MAX_REQUEST_ID:
            await self._refuse(context, RequestError(
                "request_id", f"must be 1 to {MAX_REQUEST_ID} characters, got {len(request_id)}"))
        if request_id in self._streams:
            await self._refuse(context, RequestError("request_id", f"{request_id!r} is already being served",
                                                     code="duplicate_request"))
        params, prompt = self._decode(request)
        stream = _Stream(request_id, f"{request_id}#{next(self._counter)}", asyncio.Queue())
        self._streams[request_id] = self._by_engine_id[stream.engine_id] = stream
        self._idle.clear()
        try:
            try:
                self.engine.add(stream.engine_id, params, **prompt)
            except RequestError as error:
                await self._refuse(context, error)
            stream.accepted = True
            self.served += 1
            self._wake.set()
            while not stream.finished:
                parts = [await stream.queue.get()]
                while not stream.queue.empty():   # the client fell behind: one response for all of it
                    parts.append(stream.queue.get_nowait())
                if (failed := next((p for p in parts if isinstance(p, BaseException)), None)) is not None:
                    await context.abort(grpc.StatusCode.INTERNAL, _clip(f"the engine failed: {failed!r}"))
                response = self._response(parts)
                stream.finished = bool(response.finish_reason)
                yield response
        finally:
            del self._streams[request_id], self._by_engine_id[stream.engine_id]
            if stream.accepted and not stream.finished:   # cancelled, or the client went away
                self.engine.abort(stream.engine_id)
                self._wake.set()
            if not self._streams:
                self._idle.set()

    async def Abort(self, request, context):  # noqa: N802
        stream = self._streams.get(request.request_id)
        if stream is None or not stream.accepted:
            return self.pb.AbortResponse(found=False)
        self.engine.abort(stream.engine_id)
        self._wake.set()
        return self.pb.AbortResponse(found=True)

    async def Health(self, request, context):  # noqa: N802
        stats, spec = self.engine.stats(), self.engine.speculation()
        status = "failed" if self.error is not None else "draining" if self.draining else "serving"
        return self.pb.HealthResponse(
            status=status, model=self.model, running=stats["running"], waiting=stats["waiting"],
            blocks_total=stats["blocks_total"], blocks_free=stats["blocks_free"],
            prefix_hit_rate=stats["prefix_hit_rate"], preemptions=stats["preemptions"],
            block_size=self.engine.pool.block_size, max_model_len=self.engine.max_model_len,
            streams=self.streams, drafter=self.engine.drafter_name, spec_rounds=spec["rounds"],
            mean_accepted_length=spec["mean_accepted_length"] or 0.0,
            acceptance_by_position=spec["acceptance_by_position"])

    # ------------------------------------------------------------------ helpers

    def _unavailable(self) -> str:
        if self.error is not None:
            return _clip(f"the engine failed ({self.error!r}); the server is stopping")
        return "the engine server is draining (shutting down): send the request to another one"

    @staticmethod
    async def _refuse(context, error: RequestError):
        code = grpc.StatusCode.ALREADY_EXISTS if error.code == "duplicate_request" else grpc.StatusCode.INVALID_ARGUMENT
        await context.abort(code, _clip(str(error)),
                            trailing_metadata=(("distillery-field", error.field), ("distillery-code", error.code)))

    @staticmethod
    def _decode(request) -> tuple[SamplingParams, dict]:
        """The request's SamplingParams and its prompt as Engine.add's keyword (none when it has none)."""
        which = request.WhichOneof("prompt")
        if which == "messages":
            prompt = {"messages": [{"role": m.role, "content": m.content} for m in request.messages.items]}
        elif which == "token_ids":
            prompt = {"token_ids": list(request.token_ids.ids)}
        elif which is not None:
            prompt = {which: getattr(request, which)}
        else:
            prompt = {}
        params = SamplingParams(
            max_tokens=request.max_tokens, temperature=request.temperature,
            top_p=request.top_p if request.HasField("top_p") else 1.0,
            seed=request.seed if request.HasField("seed") else None,
            stop=list(request.stop), stop_token_ids=list(request.stop_token_ids), ignore_eos=request.ignore_eos)
        return params, prompt

    def _response(self, parts: list[Output]):
        last = parts[-1]
        return self.pb.GenerateResponse(
            text="".join(p.text for p in parts), token_ids=[t for p in parts for t in p.token_ids],
            finish_reason=last.finish_reason or "", prompt_tokens=last.prompt_tokens,
            completion_tokens=last.completion_tokens, cached_tokens=last.cached_tokens)
