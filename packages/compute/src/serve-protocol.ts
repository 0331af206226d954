import { spawn } from 'node:child_process';
import type { ComputeEvent, ComputeLogger } from './compute-event.js';
import { readProtocol } from './compute-job.js';
import { requirePython } from './compute-python.js';
import { ComputeJobCancelledError } from './errors/compute-job-cancelled.error.js';
import { ComputeJobError } from './errors/compute-job.error.js';

/** What `python -m distillery_compute serve` is asked to serve, and where (compute/README.md, "The inference engine"). */
export interface ServeOptions {
  /** A checkpoint dir with its tokenizer; the server verifies its manifest before it listens. */
  readonly checkpoint: string;
  /** A Unix socket path (at most 107 bytes); without it, a free port on 127.0.0.1. */
  readonly socket?: string;
  /** The model id its Health reports. */
  readonly modelId?: string;
  readonly maxSeqs?: number;
  readonly maxBatchedTokens?: number;
  readonly device?: 'auto' | 'cpu' | 'cuda';
  /** An EAGLE-3 drafter dir trained for this checkpoint (`drafter`'s): decode speculatively, the output unchanged; its manifest is verified. */
  readonly drafter?: string;
  /** With a drafter: draft a chain or a dynamic tree (the server's default: tree). */
  readonly speculative?: 'chain' | 'tree';
  /** With a drafter: a chain's length, a tree's depth (the server's default: 5). */
  readonly draftTokens?: number;
}

/** The line `serve` writes once it listens. */
export interface ServeReadyEvent extends ComputeEvent {
  readonly event: 'ready';
  /** A gRPC target: `127.0.0.1:PORT` or `unix:PATH`. */
  readonly address: string;
  readonly model: string;
  readonly device: string;
  readonly blocks: number;
  readonly block_size: number;
  readonly max_model_len: number;
  readonly pid: number;
  readonly load_s: number;
}

/** How a server process ended. */
export interface ServeExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Its last stderr lines. */
  readonly stderr: readonly string[];
}

export interface EngineServerProcess {
  readonly ready: ServeReadyEvent;
  /** Settles when the process has exited, whatever the reason. */
  readonly exited: Promise<ServeExit>;
  /** SIGTERM (the server drains: requests being served finish), SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<ServeExit>;
}

export interface StartEngineServerOptions {
  readonly python?: string;
  readonly logger?: ComputeLogger;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** How long loading may take before the start fails (default 5 minutes). */
  readonly readyTimeoutMs?: number;
  /** Aborting it while the server loads kills it; the start rejects with ComputeJobCancelledError (after ready it has no effect: `stop` does). */
  readonly signal?: AbortSignal;
}

/** The command line of `serve` after `python -m distillery_compute`. */
export function serveArgs(options: ServeOptions): string[] {
  return [
    'serve',
    '--checkpoint',
    options.checkpoint,
    ...(options.socket ? ['--socket', options.socket] : ['--port', '0']),
    ...(options.modelId ? ['--model-id', options.modelId] : []),
    ...(options.maxSeqs ? ['--max-seqs', String(options.maxSeqs)] : []),
    ...(options.maxBatchedTokens ? ['--max-batched-tokens', String(options.maxBatchedTokens)] : []),
    ...(options.device ? ['--device', options.device] : []),
    ...(options.drafter ? ['--drafter', options.drafter, ...(options.speculative ? ['--speculative', options.speculative] : []), ...(options.draftTokens ? ['--draft-tokens', String(options.draftTokens)] : [])] : []),
    // The server exits when this process does, however it ends (its stdin is our pipe).
    '--exit-with-stdin',
  ];
}

/**
 * Starts the engine's gRPC server as a child process and resolves once its ready line names the
 * address; rejects with ComputeJobError when it exits first (exit 2, `badInput`: a checkpoint it
 * refuses, e.g. a file whose sha256 is not the manifest's) or does not become ready in time.
 */
export function startEngineServer(options: ServeOptions, job: StartEngineServerOptions = {}): Promise<EngineServerProcess> {
  let python: string;
  try {
    python = requirePython(job.python);
  } catch (error) {
    return Promise.reject(error as Error);
  }
  const command = 'python -m distillery_compute serve';
  if (job.signal?.aborted) return Promise.reject(new ComputeJobCancelledError(command, job.signal.reason));
  const child = spawn(python, ['-m', 'distillery_compute', ...serveArgs(options)], {
    env: { ...process.env, ...job.env, PYTHONUNBUFFERED: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.on('error', () => undefined); // EPIPE once the server has exited
  let spawnError: Error | undefined;
  child.on('error', (error) => (spawnError = error));
  return new Promise<EngineServerProcess>((resolve, reject) => {
    let ready: ServeReadyEvent | undefined;
    const { stderrTail } = readProtocol(child, command, job.logger, (event) => {
      if (event.event !== 'ready' || ready) return;
      ready = event as ServeReadyEvent;
      clearTimeout(timer);
      job.signal?.removeEventListener('abort', abort);
      resolve(handle(ready));
    });
    const exited = new Promise<ServeExit>((done) => child.once('close', (code, signal) => done({ code, signal, stderr: [...stderrTail] })));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new ComputeJobError(command, null, 'SIGKILL', stderrTail, `not ready within ${job.readyTimeoutMs ?? 300_000} ms`));
    }, job.readyTimeoutMs ?? 300_000);
    // Loading is not drained: a start aborted (the service is stopping) kills the server at once.
    const abort = () => {
      if (ready) return;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new ComputeJobCancelledError(command, job.signal?.reason));
    };
    job.signal?.addEventListener('abort', abort, { once: true });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      job.signal?.removeEventListener('abort', abort);
      if (ready) return;
      reject(spawnError ? new ComputeJobError(command, null, null, stderrTail, `could not start (${python}): ${spawnError.message}`) : new ComputeJobError(command, code, signal, stderrTail));
    });
    const handle = (event: ServeReadyEvent): EngineServerProcess => ({
      ready: event,
      exited,
      stop: async (graceMs = 30_000) => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
        try {
          return await exited;
        } finally {
          clearTimeout(kill);
        }
      },
    });
  });
}
