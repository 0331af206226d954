import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startApp } from '@distillery/service-kit';
import { REPO_ROOT, spawnNode } from '@distillery/testing';
import { describe, expect, it } from 'vitest';
import { ALL_SERVICES } from './all-services.js';

describe('the embedded launcher', () => {
  it('composes all eight services in one process on the embedded bus and PGlite', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'distillery-launcher-'));
    const app = await startApp(ALL_SERVICES, { name: 'embedded', defaultPort: 0, env: { DISTILLERY_DATA_DIR: dataDir, DISTILLERY_LOG_LEVEL: 'silent', DISTILLERY_AGENTS_GRPC_PORT: '0', DISTILLERY_SERVING_GRPC_PORT: '0' } });
    try {
      const response = await fetch(`${app.url}/health`);
      const body = (await response.json()) as { status: string; details: Record<string, { status: string; services?: Record<string, unknown> }> };
      expect(response.status).toBe(200);
      // a stage not implemented yet says so: the platform is degraded until every one is
      expect(body.status).toBe(ALL_SERVICES.every((service) => service.stages.every((stage) => stage.implemented)) ? 'ok' : 'degraded');
      expect(body.details.bus?.status).toBe('up');
      expect(body.details.database?.status).toBe('up');
      expect(Object.keys(body.details.stages?.services ?? {})).toEqual(ALL_SERVICES.map((service) => service.name));
      const schemas = await app.platform.database.dataSource.query(`SELECT schema_name FROM information_schema.schemata`);
      for (const service of ALL_SERVICES) expect(schemas.map((row: { schema_name: string }) => row.schema_name)).toContain(service.schema);
    } finally {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('fails a service boot on a bad config value with a message naming the variable', async () => {
    const judge = resolve(REPO_ROOT, 'services/judge/dist/src/main.js');
    const badValue = spawnNode(judge, [], { DISTILLERY_TOPIC_PARTITIONS: 'zero', DISTILLERY_KAFKA_BROKERS: 'localhost' });
    expect(await badValue.exited).toBe(1);
    expect(badValue.output()).toContain('DISTILLERY_TOPIC_PARTITIONS: expected an integer ≥ 1, got "zero"');
    expect(badValue.output()).toContain('DISTILLERY_KAFKA_BROKERS: expected a comma-separated list of host:port, got "localhost"');
    const missing = spawnNode(judge, [], { DISTILLERY_MODE: 'distributed', DISTILLERY_KAFKA_BROKERS: '', DISTILLERY_DATABASE_URL: '' });
    expect(await missing.exited).toBe(1);
    expect(missing.output()).toContain('DISTILLERY_KAFKA_BROKERS: required when DISTILLERY_MODE=distributed');
    expect(missing.output()).toContain('DISTILLERY_DATABASE_URL: required when DISTILLERY_MODE=distributed');
  });

  it('checks the main job\'s settings and every service\'s before anything starts: exit 2, one line naming each variable', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'distillery-run-config-'));
    try {
      const run = spawnNode(resolve(REPO_ROOT, 'packages/cli/dist/src/main.js'), ['run'], { DISTILLERY_DATA_DIR: dataDir, DISTILLERY_RUN_CONVERSATIONS: 'abc', DISTILLERY_RUN_TRAIN_STEPS: '-1' });
      expect(await run.exited).toBe(2);
      const lines = run.output().trim().split('\n');
      expect(lines).toEqual([
        'distillery: DISTILLERY_RUN_CONVERSATIONS: expected an integer ≥ 1, got "abc"',
        'distillery: DISTILLERY_RUN_TRAIN_STEPS: expected an integer ≥ 0, got "-1"',
      ]);
      const service = spawnNode(resolve(REPO_ROOT, 'packages/cli/dist/src/main.js'), ['run'], { DISTILLERY_DATA_DIR: dataDir, DISTILLERY_JUDGE_SEED: 'many' });
      expect(await service.exited).toBe(2);
      expect(service.output()).toMatch(/^distillery: DISTILLERY_JUDGE_\w+: .*"many"\n$/);
      expect(service.output()).not.toContain('services up');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('rejects an unknown command with usage and exit code 2', async () => {
    const child = spawnNode(resolve(REPO_ROOT, 'packages/cli/dist/src/main.js'), ['frobnicate'], {});
    expect(await child.exited).toBe(2);
    expect(child.output()).toContain('unknown command "frobnicate"');
  });
});
