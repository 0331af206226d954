/** Messages between the PlanSandbox (main thread) and its worker. JSON crosses, never objects. */
export interface SandboxLimits {
  /** QuickJS heap limit. */
  readonly memoryBytes: number;
  /** QuickJS stack limit (deep recursion stops here). */
  readonly stackBytes: number;
  /** Wall time; the interrupt handler stops the plan from inside, the worker is killed if that fails. */
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

export type ToWorker =
  | { readonly type: 'run'; readonly runId: number; readonly code: string; readonly tools: readonly string[]; readonly limits: SandboxLimits }
  | { readonly type: 'tool-result'; readonly runId: number; readonly callId: number; readonly resultJson: string };
