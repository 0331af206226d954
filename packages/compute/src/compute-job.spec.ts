import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComputeEvent } from './compute-event.js';
import { computeInfo } from './compute-info.js';
import { runComputeJob, runPythonJob } from './compute-job.js';
import { computePython } from './compute-python.js';
import { ComputeJobCancelledError } from './errors/compute-job-cancelled.error.js';
import { ComputeJobError } from './errors/compute-job.error.js';
import { ComputePythonMissingError } from './errors/compute-python-missing.error.js';

const python = computePython({});

/** A logger that keeps what it is told. */
function recordingLogger() {
  const lines: Array<{ level: string; fields: object; message: string }> = [];
  return {
    lines,
    info: (fields: object, message: string) => void lines.push({ level: 'info', fields, message }),
    warn: (fields: object, message: string) => void lines.push({ level: 'warn', fields, message }),
  };
}

/** A `python -c` script that speaks the protocol through distillery_compute.progress.emit. */
const script = (body: string) => ['-c', `import sys, time, signal\nfrom distillery_compute.progress import emit\n${body}`];

describe.skipIf(!python)('compute jobs against the real Python (compute/.venv)', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'distillery-compute-job-'));
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('runs `info` and resolves with its one protocol line', async () => {
    const events: ComputeEvent[] = [];
    const info = await runComputeJob(['info'], { resultEvent: 'info', onEvent: (event) => events.push(event) });
    expect(info).toMatchObject({ event: 'info', device: expect.stringMatching(/^(cpu|cuda)$/), torch_version: expect.any(String) });
    expect(info.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(events).toEqual([info]);
    const described = await computeInfo();
    expect(described.available).toBe(true);
  }, 120_000);

  it('rejects bad input with exit code 2 and the one-line reason from stderr', async () => {
    const logger = recordingLogger();
    const error = await runComputeJob(['frobnicate'], { logger }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ComputeJobError);
    expect(error).toMatchObject({ exitCode: 2, badInput: true, command: 'python -m distillery_compute frobnicate' });
    expect((error as ComputeJobError).message).toContain("unknown command 'frobnicate'");
    expect(logger.lines.some((line) => line.message.includes("unknown command 'frobnicate'"))).toBe(true);
  }, 60_000);

  it('streams events in order, resolves with the last done line, logs stderr and skips stray stdout lines', async () => {
    const logger = recordingLogger();
    const events: ComputeEvent[] = [];
    const done = await runPythonJob(
      python!,
      script(`emit('progress', step=1, total=2)\nprint('a library talking', flush=True)\nprint('warming up', file=sys.stderr, flush=True)\nemit('progress', step=2, total=2, loss=float('nan'))\nemit('done', student='out')`),
      { cwd, logger, onEvent: (event) => events.push(event) },
    );
    expect(done).toMatchObject({ event: 'done', student: 'out' });
    expect(events.map((event) => [event.event, event.step ?? null])).toEqual([
      ['progress', 1],
      ['progress', 2],
      ['done', null],
    ]);
    expect(events[1]?.loss).toBeNull();
    expect(logger.lines).toContainEqual({ level: 'info', fields: { job: 'python -c', stream: 'stderr' }, message: 'warming up' });
    expect(logger.lines).toContainEqual({ level: 'warn', fields: { job: 'python -c', line: 'a library talking' }, message: 'compute job wrote a line that is not a protocol event' });
  }, 60_000);

  it('fails a job that crashes, with its exit code and the last stderr lines', async () => {
    const error = await runPythonJob(python!, script(`emit('progress', step=1, total=9)\nraise RuntimeError('out of memory in stage sft')`)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ComputeJobError);
    expect(error).toMatchObject({ exitCode: 1, badInput: false });
    expect((error as ComputeJobError).stderrTail.at(-1)).toBe('RuntimeError: out of memory in stage sft');
    expect((error as ComputeJobError).message).toMatch(/^python -c exited 1: .*RuntimeError: out of memory in stage sft$/);
  }, 60_000);

  it('fails a job that exits 0 without its result event', async () => {
    await expect(runPythonJob(python!, script(`emit('progress', step=1, total=1)`))).rejects.toThrow(/exited 0 without a "done" event/);
  }, 60_000);

  it('cancels a running job with SIGTERM when its signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const job = runPythonJob(python!, script(`emit('progress', step=1, total=100)\ntime.sleep(60)`), {
      signal: controller.signal,
      onEvent: () => controller.abort('cancelled by the operator'),
    });
    const error = await job.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ComputeJobCancelledError);
    expect(error).toMatchObject({ reason: 'cancelled by the operator', message: 'python -c cancelled: cancelled by the operator' });
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);

  it('kills a job that ignores SIGTERM once the grace period is over', async () => {
    const controller = new AbortController();
    const job = runPythonJob(python!, script(`signal.signal(signal.SIGTERM, signal.SIG_IGN)\nemit('progress', step=1, total=100)\ntime.sleep(60)`), {
      signal: controller.signal,
      killGraceMs: 300,
      onEvent: () => controller.abort(),
    });
    await expect(job).rejects.toBeInstanceOf(ComputeJobCancelledError);
  }, 60_000);

  it('does not start a job whose signal is already aborted', async () => {
    await expect(runPythonJob(python!, ['-c', 'raise SystemExit(3)'], { signal: AbortSignal.abort('too late') })).rejects.toBeInstanceOf(ComputeJobCancelledError);
  });

  it('stops the job and rejects with the error of an event handler that throws', async () => {
    const job = runPythonJob(python!, script(`emit('progress', step=1, total=100)\ntime.sleep(60)`), {
      killGraceMs: 300,
      onEvent: () => {
        throw new Error('handler bug');
      },
    });
    await expect(job).rejects.toThrow('handler bug');
  }, 60_000);
});

describe('compute jobs without an interpreter', () => {
  it('fails with ComputeJobError when the interpreter cannot be started', async () => {
    const error = await runPythonJob('/nonexistent/python', ['-c', 'pass']).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ComputeJobError);
    expect(error).toMatchObject({ exitCode: null });
    expect((error as Error).message).toContain('could not start (/nonexistent/python)');
  });

  it('reports the compute plane unavailable rather than throwing', async () => {
    expect(await computeInfo({ python: '/nonexistent/python' })).toMatchObject({ available: false, reason: expect.stringContaining('could not start') });
  });

  it('names the missing venv', () => {
    expect(new ComputePythonMissingError('/repo/compute/.venv/bin/python').message).toContain('run bash compute/bootstrap.sh');
  });
});
