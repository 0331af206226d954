import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { RunPlan, SandboxErrorCode, SandboxLimits, SandboxWorkerData, ToMain, ToolResult } from './sandbox-protocol.js';

/** A tool as the sandbox sees it: plain data in, plain data out (errors are data too). */
export type SandboxTool = (args: Record<string, unknown>) => Promise<unknown>;

export interface ToolCallRecord {
  readonly tool: string;
  readonly args: Record<string, unknown>;
  readonly result: unknown;
  readonly latencyMs: number;
}

export type PlanOutcome =
  | { readonly ok: true; readonly result: unknown; readonly toolCalls: ToolCallRecord[]; readonly durationMs: number }
  | { readonly ok: false; readonly code: SandboxErrorCode; readonly message: string; readonly toolCalls: ToolCallRecord[]; readonly durationMs: number };

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = { memoryBytes: 16 * 1024 * 1024, stackBytes: 256 * 1024, timeoutMs: 1_000, maxOutputBytes: 64 * 1024 };

/** How long past its own timeout a plan may run before the worker is terminated from outside. */
const KILL_GRACE_MS = 500;

interface Run {
  readonly tools: Readonly<Record<string, SandboxTool>>;
  readonly toolCalls: ToolCallRecord[];
  readonly started: number;
  readonly resolve: (outcome: PlanOutcome) => void;
  readonly killTimer: NodeJS.Timeout;
}

/** A started worker and the channel its plans' tool results go back on. */
interface SandboxWorker {
  readonly worker: Worker;
  readonly toolPort: MessagePort;
  readonly posted: Int32Array;
}

/**
 * The Executor's sandbox: plans run one at a time in a worker thread holding a QuickJS (WASM)
 * engine, with memory, stack and time limits enforced inside. Tools run here, on the main thread;
 * the plan waits for each result in the worker. A plan stuck where the interrupt handler cannot
 * reach (a long native call) is stopped by terminating the worker; a fresh one takes its place
 * and the service carries on.
 */
export class PlanSandbox {
  private worker: SandboxWorker | undefined;
  private ready: Promise<SandboxWorker> | undefined;
  private readonly runs = new Map<number, Run>();
  private nextRunId = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly limits: SandboxLimits = DEFAULT_SANDBOX_LIMITS) {}

  /** Runs one plan (a function body that may `return`); never throws for anything the plan does. */
  execute(code: string, tools: Readonly<Record<string, SandboxTool>>, limits: Partial<SandboxLimits> = {}): Promise<PlanOutcome> {
    const outcome = this.queue.then(() => this.runOne(code, tools, { ...this.limits, ...limits }));
    this.queue = outcome.catch(() => undefined);
    return outcome;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    await this.worker?.worker.terminate();
    this.worker = undefined;
  }

  private async runOne(code: string, tools: Readonly<Record<string, SandboxTool>>, limits: SandboxLimits): Promise<PlanOutcome> {
    if (this.closed) throw new Error('the plan sandbox is closed');
    const { worker } = await this.startWorker();
    const runId = this.nextRunId++;
    return new Promise<PlanOutcome>((resolve) => {
      const started = performance.now();
      const killTimer = setTimeout(() => {
        // The backstop: the interrupt handler did not stop the plan in time.
        this.runs.delete(runId);
        void this.replaceWorker();
        run.resolve({ ok: false, code: 'KILLED', message: `the plan ran past ${limits.timeoutMs} ms and its worker was terminated`, toolCalls: run.toolCalls, durationMs: performance.now() - started });
      }, limits.timeoutMs + KILL_GRACE_MS);
      const run: Run = { tools, toolCalls: [], started, resolve: (outcome) => {
        // An idle sandbox does not keep the process alive; a running plan does.
        if (this.runs.size === 0) this.worker?.worker.unref();
        resolve(outcome);
      }, killTimer };
      this.runs.set(runId, run);
      worker.ref();
      worker.postMessage({ type: 'run', runId, code, tools: Object.keys(tools), limits } satisfies RunPlan);
    });
  }

  private startWorker(): Promise<SandboxWorker> {
    this.ready ??= new Promise<SandboxWorker>((resolve, reject) => {
      const channel = new MessageChannel();
      const signal = new SharedArrayBuffer(4);
      const worker = new Worker(new URL('./plan-sandbox.worker.js', import.meta.url), {
        workerData: { toolPort: channel.port2, signal } satisfies SandboxWorkerData,
        transferList: [channel.port2],
      });
      const started: SandboxWorker = { worker, toolPort: channel.port1, posted: new Int32Array(signal) };
      worker.on('message', (message: ToMain) => (message.type === 'ready' ? resolve(started) : void this.onMessage(started, message)));
      worker.once('error', reject);
      worker.on('exit', () => {
        channel.port1.close();
        if (this.worker === started) this.failRuns('KILLED', 'the sandbox worker exited');
      });
      this.worker = started;
    });
    return this.ready;
  }

  private async replaceWorker(): Promise<void> {
    const old = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    await old?.worker.terminate();
  }

  private failRuns(code: SandboxErrorCode, message: string): void {
    for (const [runId, run] of this.runs) {
      clearTimeout(run.killTimer);
      this.runs.delete(runId);
      run.resolve({ ok: false, code, message, toolCalls: run.toolCalls, durationMs: performance.now() - run.started });
    }
  }

  private async onMessage(worker: SandboxWorker, message: ToMain): Promise<void> {
    if (message.type === 'ready') return;
    const run = this.runs.get(message.runId);
    if (!run) return;
    if (message.type === 'tool') {
      const args = JSON.parse(message.argsJson) as Record<string, unknown>;
      const started = performance.now();
      const tool = run.tools[message.tool];
      let result: unknown;
      try {
        result = tool ? await tool(args) : { ok: false, error: { code: 'NOT_FOUND', message: `unknown tool ${message.tool}` } };
      } catch (error) {
        result = { ok: false, error: { code: 'TOOL_FAILED', message: String((error as Error)?.message ?? error) } };
      }
      run.toolCalls.push({ tool: message.tool, args, result, latencyMs: performance.now() - started });
      // Post, then wake the plan waiting on the signal word.
      worker.toolPort.postMessage({ callId: message.callId, resultJson: JSON.stringify(result ?? null) } satisfies ToolResult);
      Atomics.store(worker.posted, 0, 1);
      Atomics.notify(worker.posted, 0);
      return;
    }
    clearTimeout(run.killTimer);
    this.runs.delete(message.runId);
    const durationMs = performance.now() - run.started;
    run.resolve(
      message.ok
        ? { ok: true, result: JSON.parse(message.resultJson), toolCalls: run.toolCalls, durationMs }
        : { ok: false, code: message.code, message: message.message, toolCalls: run.toolCalls, durationMs },
    );
  }
}
