import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComputeJobCancelledError } from './errors/compute-job-cancelled.error.js';
import { ComputeJobError } from './errors/compute-job.error.js';
import { startEngineServer } from './serve-protocol.js';

/** A stand-in for the compute Python: a shell script that runs `body` whatever it is asked. */
async function fakePython(dir: string, name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

describe('starting the engine server (stand-in processes)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-serve-protocol-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('kills a server still loading when its signal aborts, and rejects with ComputeJobCancelledError naming why', async () => {
    const python = await fakePython(dir, 'loading', 'echo "loading" >&2; exec sleep 60' /* never ready: only the abort ends the start */);
    const controller = new AbortController();
    const start = startEngineServer({ checkpoint: '/nowhere' }, { python, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('the replica is stopping')), 200);
    const error = await start.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ComputeJobCancelledError);
    expect((error as Error).message).toMatch(/serve cancelled: the replica is stopping/);
  });

  it('refuses to start at all under a signal already aborted', async () => {
    const python = await fakePython(dir, 'never', 'exit 0');
    const controller = new AbortController();
    controller.abort(new Error('stopped before'));
    await expect(startEngineServer({ checkpoint: '/nowhere' }, { python, signal: controller.signal })).rejects.toBeInstanceOf(ComputeJobCancelledError);
  });

  it('rejects with the exit and the stderr tail when the server exits before ready; an abort afterwards changes nothing', async () => {
    const python = await fakePython(dir, 'refuses', 'echo "distillery_compute serve: model.safetensors sha256 is not the manifest’s" >&2; exit 2');
    const controller = new AbortController();
    const error = await startEngineServer({ checkpoint: '/nowhere' }, { python, signal: controller.signal }).catch((caught: unknown) => caught);
    controller.abort();
    expect(error).toBeInstanceOf(ComputeJobError);
    expect((error as ComputeJobError).badInput).toBe(true);
    expect((error as Error).message).toMatch(/sha256 is not the manifest/);
  });
});
