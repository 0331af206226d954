/**
 * The Executor's sandbox, in its own thread: each plan runs in a fresh QuickJS runtime (WASM) whose
 * only globals are the tool functions. Tools run on the host's main thread; a plan calling one
 * blocks until its result is posted on the tool port (Atomics.wait on the shared signal word), so
 * the plan sees an ordinary synchronous function and QuickJS runs its plain synchronous build (no
 * asyncify: about half the time per plan, and a fraction of the tail). No host object, module or
 * timer exists inside.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { newQuickJSWASMModule, type QuickJSContext, RELEASE_SYNC, shouldInterruptAfterDeadline } from 'quickjs-emscripten';
import type { RunPlan, SandboxErrorCode, SandboxWorkerData, ToMain, ToolResult } from './sandbox-protocol.js';

const port = parentPort;
if (!port) throw new Error('plan-sandbox.worker must run in a worker thread');
const { toolPort, signal } = workerData as SandboxWorkerData;
const posted = new Int32Array(signal);

const quickjs = await newQuickJSWASMModule(RELEASE_SYNC);
let nextCallId = 0;

const send = (message: ToMain) => port.postMessage(message);

/** Guest-side wrappers: each tool takes and returns plain data, serialised through the host bridge. */
function prelude(tools: readonly string[]): string {
  return tools.map((tool) => `function ${tool}(args) { return JSON.parse(__host_call(${JSON.stringify(tool)}, JSON.stringify(args === undefined ? {} : args))); }`).join('\n');
}

/** QuickJS's own word for a stopped run; `classify` maps it to TIMEOUT. */
const INTERRUPTED = 'interrupted';

function classify(error: { name?: string; message?: string }): SandboxErrorCode {
  const text = `${error.name ?? ''}: ${error.message ?? ''}`;
  if (/interrupted/i.test(text)) return 'TIMEOUT';
  if (/out of memory/i.test(text)) return 'MEMORY';
  // QuickJS reports its own limit; a recursion that exhausts the host stack first surfaces as a RangeError.
  if (/stack overflow|call stack size/i.test(text)) return 'STACK';
  return 'RUNTIME';
}

/**
 * Waits for the result of tool call `callId` until `deadline` (epoch ms); undefined when the
 * deadline passed first. A result that comes after its run gave up is skipped when it turns up.
 */
function awaitToolResult(callId: number, deadline: number): string | undefined {
  for (;;) {
    // Reset before looking: a result posted after the look sets the word again, so no wake is lost.
    Atomics.store(posted, 0, 0);
    for (let message = receiveMessageOnPort(toolPort); message; message = receiveMessageOnPort(toolPort)) {
      const result = message.message as ToolResult;
      if (result.callId === callId) return result.resultJson;
    }
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    Atomics.wait(posted, 0, 0, left);
  }
}

interface PreparedContext {
  readonly context: QuickJSContext;
  /** The run whose tool calls the bridge forwards, and its deadline; set when the context is taken. */
  readonly slot: { runId: number; deadline: number };
  /** The tools whose guest wrappers the context already defines (those of the previous plan). */
  readonly tools: string;
}

/**
 * Makes the next plan's context ahead of time, with the previous plan's tool wrappers compiled in:
 * creating a runtime and context costs about as much as running a plan, so it happens after a
 * plan is answered, not while the next one waits.
 */
function prepare(tools: readonly string[]): PreparedContext {
  const context = quickjs.newContext();
  const slot = { runId: -1, deadline: 0 };
  const hostCall = context.newFunction('__host_call', (toolHandle, argsHandle) => {
    const callId = nextCallId++;
    send({ type: 'tool', runId: slot.runId, callId, tool: context.getString(toolHandle), argsJson: context.getString(argsHandle) });
    const resultJson = awaitToolResult(callId, slot.deadline);
    if (resultJson === undefined) return { error: context.newError({ name: 'InternalError', message: `${INTERRUPTED}: the tool call did not answer before the plan's deadline` }) };
    return context.newString(resultJson);
  });
  context.setProp(context.global, '__host_call', hostCall);
  hostCall.dispose();
  defineTools(context, tools);
  return { context, slot, tools: tools.join() };
}

function defineTools(context: QuickJSContext, tools: readonly string[]): void {
  if (tools.length) context.unwrapResult(context.evalCode(prelude(tools), 'tools.js')).dispose();
}

let prepared: PreparedContext | undefined = prepare([]);

function run({ context, slot, tools }: PreparedContext, message: RunPlan): ToMain {
  slot.runId = message.runId;
  slot.deadline = Date.now() + message.limits.timeoutMs;
  const runtime = context.runtime;
  runtime.setMemoryLimit(message.limits.memoryBytes);
  runtime.setMaxStackSize(message.limits.stackBytes);
  runtime.setInterruptHandler(shouldInterruptAfterDeadline(slot.deadline));
  try {
    if (message.tools.join() !== tools) defineTools(context, message.tools);
    // The plan is a function body: `return` hands back its result, serialised inside the sandbox.
    const source = `JSON.stringify((function () {\n"use strict";\n${message.code}\n})()) ?? "null"`;
    const result = context.evalCode(source, 'plan.js');
    if (result.error) {
      const error = context.dump(result.error) as { name?: string; message?: string };
      result.error.dispose();
      return { type: 'done', runId: message.runId, ok: false, code: classify(error), message: `${error.name ?? 'Error'}: ${error.message ?? String(error)}` };
    }
    const resultJson = context.getString(result.value);
    result.value.dispose();
    if (Buffer.byteLength(resultJson) > message.limits.maxOutputBytes) {
      return { type: 'done', runId: message.runId, ok: false, code: 'OUTPUT_TOO_LARGE', message: `the plan returned ${Buffer.byteLength(resultJson)} bytes, over the ${message.limits.maxOutputBytes}-byte limit` };
    }
    return { type: 'done', runId: message.runId, ok: true, resultJson };
  } catch (error) {
    const text = String(error);
    return { type: 'done', runId: message.runId, ok: false, code: classify({ message: text }), message: text };
  }
}

/**
 * How long after a plan is answered the worker waits before disposing of its context and making
 * the next one. The host is still finishing that plan's turn (the Explainer, the write, the
 * reply); on a small machine, work here at the same moment takes a core from it.
 */
const PREPARE_AFTER_MS = 20;

port.on('message', (message: RunPlan) => {
  // A plan that comes before the next context is ready makes its own.
  const taken = prepared ?? prepare(message.tools);
  prepared = undefined;
  send(run(taken, message));
  setTimeout(() => {
    // A context made by the module owns its runtime: disposing the context frees both.
    taken.context.dispose();
    prepared ??= prepare(message.tools);
  }, PREPARE_AFTER_MS);
});
send({ type: 'ready' });
