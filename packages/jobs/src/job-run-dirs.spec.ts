import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobRunDirs } from './job-run-dirs.js';

describe('a service’s job run dirs', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'run-dirs-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lie under <dataDir>/<service>, go once a job succeeded or was cancelled, and stay for a failed one', async () => {
    const dirs = new JobRunDirs(dataDir, 'drafter');
    expect(dirs.of('job_1')).toBe(join(dataDir, 'drafter', 'job_1'));
    for (const job of ['job_1', 'job_2', 'job_3']) await mkdir(join(dirs.of(job), 'eagle'), { recursive: true });
    const logger = pino({ level: 'silent' });
    await dirs.ended('job_1', 'succeeded', logger);
    await dirs.ended('job_2', 'cancelled', logger);
    await dirs.ended('job_3', 'failed', logger);
    await expect(stat(dirs.of('job_1'))).rejects.toThrow(/ENOENT/);
    await expect(stat(dirs.of('job_2'))).rejects.toThrow(/ENOENT/);
    expect((await stat(dirs.of('job_3'))).isDirectory()).toBe(true);
    await dirs.ended('job_4', 'cancelled', logger); // never made: nothing to remove
  });
});
