import { type ChildProcessByStdio, type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface, type Interface } from 'node:readline';
import type { Readable } from 'node:stream';
import { type ComputeEvent, type ComputeLogger, isComputeEvent } from './compute-event.js';
import { requirePython } from './compute-python.js';
import { ComputeJobCancelledError } from './errors/compute-job-cancelled.error.js';
import { ComputeJobError } from './errors/compute-job.error.js';

/** Lines of stderr kept for the error of a failed job. */
const STDERR_TAIL_LINES = 20;
const DEFAULT_KILL_GRACE_MS = 10_000;

export interface ComputeJobOptions {
  /** Every protocol line, in order, as it arrives. A handler that throws stops the job and fails it with that error. */
  readonly onEvent?: (event: ComputeEvent) => void;
  /** Aborting it stops the job: SIGTERM, then SIGKILL after `killGraceMs`; the job rejects with ComputeJobCancelledError. */
  readonly signal?: AbortSignal;
  readonly cwd?: string;
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Receives the job's stderr lines (info) and stray non-protocol stdout lines (warn). */
  readonly logger?: ComputeLogger;
  /** The interpreter (default: computePython()). */
  readonly python?: string;
  /** The event that carries the job's result; the last one wins (default "done"). */
  readonly resultEvent?: string;
  /** Time between SIGTERM and SIGKILL when the job is cancelled (default 10 s). */
  readonly killGraceMs?: number;
}

/**
 * Runs `python -m distillery_compute <args>` and resolves with its result event (the last "done"
 * line); rejects with ComputeJobError (non-zero exit: `badInput` for exit 2, the last stderr
 * lines in the message), ComputeJobCancelledError (aborted) or ComputePythonMissingError.
 */
export function runComputeJob<T extends ComputeEvent = ComputeEvent>(args: readonly string[], options: ComputeJobOptions = {}): Promise<T> {
  let python: string;
  try {
    python = requirePython(options.python);
  } catch (error) {
    return Promise.reject(error as Error);
  }
  return runPythonJob<T>(python, ['-m', 'distillery_compute', ...args], options);
}

/** The same protocol for any Python command line (`-c` scripts in tests, other modules). */
export function runPythonJob<T extends ComputeEvent = ComputeEvent>(python: string, argv: readonly string[], options: ComputeJobOptions = {}): Promise<T> {
  const command = `python ${argv[0] === '-m' ? `-m ${argv.slice(1, 3).join(' ')}` : (argv[0] ?? '')}`.trim();
  const resultEvent = options.resultEvent ?? 'done';
  const { signal, logger } = options;
  if (signal?.aborted) return Promise.reject(new ComputeJobCancelledError(command, signal.reason));

  return new Promise<T>((resolve, reject) => {
    const child = spawn(python, argv, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let result: T | undefined;
    let handlerError: unknown;
    let spawnError: Error | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    const stop = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
    };
    signal?.addEventListener('abort', stop, { once: true });
    child.on('error', (error) => (spawnError = error));
    const { stdout, stderr, stderrTail } = readProtocol(child, command, logger, (event) => {
      if (handlerError !== undefined) return;
      if (event.event === resultEvent) result = event as T;
      try {
        options.onEvent?.(event);
      } catch (error) {
        handlerError = error;
        stop();
      }
    });

    Promise.all([once(stdout, 'close'), once(stderr, 'close'), new Promise<void>((done) => child.once('close', () => done()))]).then(() => {
      clearTimeout(killTimer);
      signal?.removeEventListener('abort', stop);
      const { exitCode, signalCode } = child;
      if (spawnError) reject(new ComputeJobError(command, null, null, stderrTail, `could not start (${python}): ${spawnError.message}`));
      else if (handlerError !== undefined) reject(handlerError as Error);
      else if (signal?.aborted) reject(new ComputeJobCancelledError(command, signal.reason));
      else if (exitCode !== 0) reject(new ComputeJobError(command, exitCode, signalCode, stderrTail));
      else if (!result) reject(new ComputeJobError(command, 0, null, stderrTail, `exited 0 without a "${resultEvent}" event`));
      else resolve(result);
    }, reject);
  });
}

/** What readProtocol reads: the line readers (closed when the child's streams end) and the last stderr lines. */
export interface ProtocolStreams {
  readonly stdout: Interface;
  readonly stderr: Interface;
  readonly stderrTail: string[];
}

/**
 * Reads a compute child's protocol: each JSON event line of stdout to `onEvent`, stray stdout lines
 * warned, stderr lines logged (info) and the last STDERR_TAIL_LINES kept for an error message.
 */
export function readProtocol(child: ChildProcessWithoutNullStreams | ChildProcessByStdio<null, Readable, Readable>, command: string, logger: ComputeLogger | undefined, onEvent: (event: ComputeEvent) => void): ProtocolStreams {
  const stderrTail: string[] = [];
  const stdout = createInterface({ input: child.stdout, crlfDelay: Infinity });
  stdout.on('line', (line) => {
    if (!line.trim()) return;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      event = undefined;
    }
    if (!isComputeEvent(event)) {
      logger?.warn({ job: command, line: line.slice(0, 500) }, 'compute job wrote a line that is not a protocol event');
      return;
    }
    onEvent(event);
  });
  const stderr = createInterface({ input: child.stderr, crlfDelay: Infinity });
  stderr.on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
    logger?.info({ job: command, stream: 'stderr' }, line);
  });
  return { stdout, stderr, stderrTail };
}
