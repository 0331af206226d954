import { Worker } from 'node:worker_threads';
import type { SandboxErrorCode, SandboxLimits, ToMain, ToWorker } from './sandbox-protocol.js';

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

/**
 * The Executor's sandbox: plans run one at a time in a worker thread holding a QuickJS (WASM)
 * engine, with memory, stack and time limits enforced inside. A plan stuck where the interrupt
 * handler cannot reach (a long native call) is stopped by terminating the worker; a fresh one
 * takes its place and the service carries on.
 */
export class PlanSandbox {
  private worker: Worker | undefined;
  private ready: Promise<Worker> | undefined;
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
    await this.worker?.terminate();
    this.worker = undefined;
  }

  private async runOne(code: string, tools: Readonly<Record<string, SandboxTool>>, limits: SandboxLimits): Promise<PlanOutcome> {
    if (this.closed) throw new Error('the plan sandbox is closed');
    const worker = await this.startWorker();
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
        if (this.runs.size === 0) this.worker?.unref();
        resolve(outcome);
      }, killTimer };
      this.runs.set(runId, run);
      worker.ref();
      worker.postMessage({ type: 'run', runId, code, tools: Object.keys(tools), limits } satisfies ToWorker);
    });
  }

  private startWorker(): Promise<Worker> {
    this.ready ??= new Promise<Worker>((resolve, reject) => {
      const worker = new Worker(new URL('./plan-sandbox.worker.js', import.meta.url));
      worker.on('message', (message: ToMain) => (message.type === 'ready' ? resolve(worker) : void this.onMessage(worker, message)));
      worker.once('error', reject);
      worker.on('exit', () => {
        if (this.worker === worker) this.failRuns('KILLED', 'the sandbox worker exited');
      });
      this.worker = worker;
    });
    return this.ready;
  }

  private async replaceWorker(): Promise<void> {
    const old = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    await old?.terminate();
  }

  private failRuns(code: SandboxErrorCode, message: string): void {
    for (const [runId, run] of this.runs) {
      clearTimeout(run.killTimer);
      this.runs.delete(runId);
      run.resolve({ ok: false, code, message, toolCalls: run.toolCalls, durationMs: performance.now() - run.started });
    }
  }

  private async onMessage(worker: Worker, message: ToMain): Promise<void> {
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
      worker.postMessage({ type: 'tool-result', runId: message.runId, callId: message.callId, resultJson: JSON.stringify(result ?? null) } satisfies ToWorker);
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
