/**
 * The Executor's sandbox, in its own thread: each plan runs in a fresh QuickJS runtime (WASM) whose
 * only globals are the tool functions. Tools are asynchronous on the host and look synchronous to
 * the plan (asyncify). No host object, module or timer exists inside.
 */
import { parentPort } from 'node:worker_threads';
import { newQuickJSAsyncWASMModule, type QuickJSAsyncContext, RELEASE_ASYNC, shouldInterruptAfterDeadline } from 'quickjs-emscripten';
import type { SandboxErrorCode, ToMain, ToWorker } from './sandbox-protocol.js';

const port = parentPort;
if (!port) throw new Error('plan-sandbox.worker must run in a worker thread');

const quickjs = await newQuickJSAsyncWASMModule(RELEASE_ASYNC);
const pendingTools = new Map<number, (resultJson: string) => void>();
let nextCallId = 0;

const send = (message: ToMain) => port.postMessage(message);

/** Guest-side wrappers: each tool takes and returns plain data, serialised through the host bridge. */
function prelude(tools: readonly string[]): string {
  return tools.map((tool) => `function ${tool}(args) { return JSON.parse(__host_call(${JSON.stringify(tool)}, JSON.stringify(args === undefined ? {} : args))); }`).join('\n');
}

function classify(error: { name?: string; message?: string }): SandboxErrorCode {
  const text = `${error.name ?? ''}: ${error.message ?? ''}`;
  if (/interrupted/i.test(text)) return 'TIMEOUT';
  if (/out of memory/i.test(text)) return 'MEMORY';
  // QuickJS reports its own limit; a recursion that exhausts the host stack first surfaces as a RangeError.
  if (/stack overflow|call stack size/i.test(text)) return 'STACK';
  return 'RUNTIME';
}

interface PreparedContext {
  readonly context: QuickJSAsyncContext;
  /** The run whose tool calls the bridge forwards; set when the context is taken. */
  readonly slot: { runId: number };
}

/**
 * Makes the next plan's context ahead of time: creating a runtime and context is the slow, spiky
 * part (p99 ≈ 9 ms against < 1 ms to run a plan), so it happens after a plan is answered, not
 * while the next one waits.
 */
function prepare(): PreparedContext {
  const context = quickjs.newContext();
  const slot = { runId: -1 };
  const hostCall = context.newAsyncifiedFunction('__host_call', async (toolHandle, argsHandle) => {
    const callId = nextCallId++;
    const tool = context.getString(toolHandle);
    const argsJson = context.getString(argsHandle);
    const resultJson = await new Promise<string>((resolve) => {
      pendingTools.set(callId, resolve);
      send({ type: 'tool', runId: slot.runId, callId, tool, argsJson });
    });
    return context.newString(resultJson);
  });
  context.setProp(context.global, '__host_call', hostCall);
  hostCall.dispose();
  return { context, slot };
}

let prepared: PreparedContext | undefined = prepare();

async function run(message: Extract<ToWorker, { type: 'run' }>): Promise<ToMain> {
  const { context, slot } = prepared ?? prepare();
  prepared = undefined;
  slot.runId = message.runId;
  const runtime = context.runtime;
  runtime.setMemoryLimit(message.limits.memoryBytes);
  runtime.setMaxStackSize(message.limits.stackBytes);
  runtime.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + message.limits.timeoutMs));
  try {
    // The plan is a function body: `return` hands back its result, serialised inside the sandbox.
    const source = `${prelude(message.tools)}\nJSON.stringify((function () {\n"use strict";\n${message.code}\n})()) ?? "null"`;
    const result = await context.evalCodeAsync(source, 'plan.js');
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
  } finally {
    // A context made by the module owns its runtime: disposing the context frees both.
    context.dispose();
  }
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'tool-result') {
    pendingTools.get(message.callId)?.(message.resultJson);
    pendingTools.delete(message.callId);
    return;
  }
  void run(message).then((done) => {
    send(done);
    prepared ??= prepare();
  });
});
send({ type: 'ready' });
