/**
 * Needs a real Kafka broker and PostgreSQL (DISTILLERY_TEST_KAFKA_BROKERS, DISTILLERY_TEST_DATABASE_URL; `npm test` starts both).
 * Every service boots alone in its own process in distributed mode, answers /health and /metrics,
 * and drains on SIGTERM with exit code 0.
 */
import { resolve } from 'node:path';
import { createScratchDatabase, integrationServers, REPO_ROOT, spawnNode } from '@distillery/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SERVICES } from '../src/all-services.js';

const servers = integrationServers();

describe.skipIf(!servers)('each service alone, on Kafka and PostgreSQL', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  beforeAll(async () => {
    scratch = await createScratchDatabase(servers!.databaseUrl);
  });
  afterAll(async () => scratch?.drop());

  it.each(ALL_SERVICES.map((service) => [service.name, service] as const))('%s boots, reports health and metrics, drains', async (name, service) => {
    const child = spawnNode(resolve(REPO_ROOT, `services/${name}/dist/src/main.js`), [], {
      DISTILLERY_MODE: 'distributed',
      DISTILLERY_KAFKA_BROKERS: servers!.kafkaBrokers.join(','),
      DISTILLERY_DATABASE_URL: scratch.url,
      DISTILLERY_HTTP_PORT: '0',
      DISTILLERY_AGENTS_GRPC_PORT: '0',
      DISTILLERY_SERVING_GRPC_PORT: '0',
    });
    await child.waitFor('"msg":"listening"', 90_000);
    const url = /"url":"([^"]+)"/.exec(child.output())![1]!;
    const health = await fetch(`${url}/health`);
    const body = (await health.json()) as { status: string; details: Record<string, { status: string; adapter?: string; target?: string; services?: Record<string, { notImplemented: string[] }> }> };
    expect(health.status).toBe(200);
    expect(body.details.bus).toMatchObject({ status: 'up', adapter: 'kafka' });
    expect(body.details.database).toMatchObject({ status: 'up', target: 'postgres' });
    expect(body.details.stages?.services?.[name]?.notImplemented).toHaveLength(service.stages.filter((stage) => !stage.implemented).length);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain(`distillery_stage_implemented{service="${name}"`);
    expect(metrics).toContain('distillery_process_cpu_seconds_total');
    expect(metrics).toContain('# TYPE distillery_dead_letters_total counter');
    child.child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(child.output()).toContain('drained, exiting');
  });

  it('fails boot naming the cause when PostgreSQL cannot be reached', async () => {
    const child = spawnNode(resolve(REPO_ROOT, 'services/judge/dist/src/main.js'), [], {
      DISTILLERY_MODE: 'distributed',
      DISTILLERY_KAFKA_BROKERS: servers!.kafkaBrokers.join(','),
      DISTILLERY_DATABASE_URL: 'postgres://nobody:wrong@127.0.0.1:1/none',
      DISTILLERY_HTTP_PORT: '0',
    });
    expect(await child.exited).toBe(1);
    expect(child.output()).toMatch(/judge: failed to start: .*ECONNREFUSED/s);
  });
});
