import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, Module } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Public } from '../auth/roles.decorator.js';
import { type RunningApp, startApp } from '../start-app.js';

let dataDir = '';

@Controller('paths')
@Public()
class PathsController {
  @Get('job')
  job() {
    return {
      dataset: { files: [{ name: 'sft.jsonl', uri: `file://${dataDir}/artifacts/datasets/ds_1/v1/sft.jsonl` }] },
      error: `Traceback: File "${process.cwd()}/compute/train.py", line 3; wrote ${dataDir}/jobs/job_1/log.txt and ${dataDir}/artifacts/x.bin`,
      finishedAt: new Date(0),
      counts: { sft: 3 },
      elsewhere: '/srv/other/file.txt',
    };
  }
}

@Module({ controllers: [PathsController] })
class PathsModule {}

describe('HTTP answers keep this host’s paths out (HostPathsInterceptor)', () => {
  let app: RunningApp;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'distillery-paths-'));
    app = await startApp([{ name: 'serving', description: 'paths', defaultPort: 0, schema: 'serving', consumes: [], produces: [], stages: [], migrations: [], module: PathsModule }], {
      name: 'paths-spec',
      defaultPort: 0,
      env: { DISTILLERY_LOG_LEVEL: 'silent', DISTILLERY_DATA_DIR: dataDir },
    });
  }, 30_000);
  afterAll(async () => {
    await app?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('shows artifacts by their key in the store, the data and working directories by name, and leaves other text alone', async () => {
    const answer = await request(app.app.getHttpServer()).get('/paths/job');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      dataset: { files: [{ name: 'sft.jsonl', uri: 'artifact:datasets/ds_1/v1/sft.jsonl' }] },
      error: 'Traceback: File "<app>/compute/train.py", line 3; wrote <data>/jobs/job_1/log.txt and artifact:x.bin',
      finishedAt: '1970-01-01T00:00:00.000Z',
      counts: { sft: 3 },
      elsewhere: '/srv/other/file.txt',
    });
    expect(answer.text).not.toContain(dataDir);
  });
});
