import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComputeJobError } from '@distillery/compute';
import { createLogger } from '@distillery/service-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BaseImporter } from './base-importer.js';

const logger = createLogger('trainer-test', 'silent');

describe('importing the packaged base before a job', () => {
  let dir: string;

  /** A stand-in for the compute Python: records each command line, then answers as `import-base` does. */
  async function fakePython(body: string): Promise<string> {
    const path = join(dir, 'python');
    await writeFile(path, `#!/usr/bin/env bash\necho "$@" >> "${join(dir, 'calls')}"\n${body}\n`);
    await chmod(path, 0o755);
    return path;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-trainer-bases-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs import-base into <dataDir>/bases/<preset>, once at a time, and resolves with its source and licence', async () => {
    const python = await fakePython(
      `sleep 0.2; echo '{"event":"done","ts":"2026-12-06T00:00:00.000Z","preset":"smollm2-135m","out":"'"$7"'","source":"/s.gguf","sha256":"${'b'.repeat(64)}","license":"Apache-2.0","files":[],"params":134515008,"skipped":false,"wall_s":0.2}'`,
    );
    const importer = new BaseImporter({ dataDir: join(dir, 'data'), python });
    const [first, second] = await Promise.all([importer.ensure('smollm2-135m', { logger }), importer.ensure('smollm2-135m', { logger })]);
    expect(first).toBe(second);
    expect(first).toMatchObject({ out: join(dir, 'data', 'bases', 'smollm2-135m'), license: 'Apache-2.0', sha256: 'b'.repeat(64) });
    expect((await readFile(join(dir, 'calls'), 'utf8')).trim().split('\n')).toEqual([`-m distillery_compute import-base --preset smollm2-135m --out ${join(dir, 'data', 'bases', 'smollm2-135m')}`]);
    await importer.ensure('smollm2-135m', { logger }); // a later job runs it again: the compute plane verifies what is there
    expect((await readFile(join(dir, 'calls'), 'utf8')).trim().split('\n')).toHaveLength(2);
  });

  it('fails the job with the import’s own message when the source is refused', async () => {
    const python = await fakePython(`echo "distillery_compute import-base: /s.gguf: sha256 0000 is not the pinned one" >&2; exit 2`);
    const importer = new BaseImporter({ dataDir: dir, python });
    const failure = importer.ensure('smollm2-135m', { logger });
    await expect(failure).rejects.toBeInstanceOf(ComputeJobError);
    await expect(failure).rejects.toThrow(/is not the pinned one/);
  });
});
