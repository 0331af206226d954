import type { MessagePort } from 'node:worker_threads';

/**
 * Messages between the PlanSandbox (main thread) and its worker. JSON crosses, never objects.
 * Runs and their outcomes go over the worker's parent port; a tool's result goes over the tool
 * port, which the worker reads synchronously (the plan waits on the signal word meanwhile).
 */
export interface SandboxLimits {
  /** QuickJS heap limit. */
  readonly memoryBytes: number;
  /** QuickJS stack limit (deep recursion stops here). */
  readonly stackBytes: number;
  /** Wall time, tool calls included; the interrupt handler stops the plan from inside, the worker is killed if that fails. */
  readonly timeoutMs: number;
  /** Largest JSON result a plan may return. */
  readonly maxOutputBytes: number;
}

export type SandboxErrorCode = 'TIMEOUT' | 'MEMORY' | 'STACK' | 'RUNTIME' | 'OUTPUT_TOO_LARGE' | 'KILLED';

export type ToMain =
  | { readonly type: 'ready' }
  | { readonly type: 'tool'; readonly runId: number; readonly callId: number; readonly tool: string; readonly argsJson: string }
  | { readonly type: 'done'; readonly runId: number; readonly ok: true; readonly resultJson: string }
  | { readonly type: 'done'; readonly runId: number; readonly ok: false; readonly code: SandboxErrorCode; readonly message: string };

export interface RunPlan {
  readonly type: 'run';
  readonly runId: number;
  readonly code: string;
  readonly tools: readonly string[];
  readonly limits: SandboxLimits;
}

export interface ToolResult {
  readonly callId: number;
  readonly resultJson: string;
}

/** What the worker is started with: the port tool results come on, and the word set to 1 after each is posted. */
export interface SandboxWorkerData {
  readonly toolPort: MessagePort;
  readonly signal: SharedArrayBuffer;
}
