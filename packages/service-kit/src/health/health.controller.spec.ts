import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedBus } from '@distillery/bus';
import { DLQ_HEADERS } from '@distillery/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../start-app.js';

interface HealthBody {
  status: string;
  details: { consumers?: { status: string; stuck: Array<{ groupId: string; topic: string; offset: string; error: string }> } };
}

async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** /health of a process whose consumer is held up by one record, then lets go of it. */
describe('/health and a consumer stuck behind a record', () => {
  let app: RunningApp;
  let dataDir: string;
  const health = async () => (await (await fetch(`${app.url}/health`)).json()) as HealthBody;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'distillery-health-'));
    app = await startApp([], { name: 'health-spec', defaultPort: 0, env: { DISTILLERY_DATA_DIR: dataDir, DISTILLERY_LOG_LEVEL: 'silent', DISTILLERY_CONSUMER_STUCK_MS: '100' } });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is ok while consumers move on, degraded naming the record while one is stuck, ok again once it moves on', async () => {
    const bus = app.platform.bus as EmbeddedBus;
    // A topic without its dead-letter topic: a record its handler refuses cannot be dead-lettered, so it comes back until there is one.
    await bus.ensureTopics(['health.stuck']);
    const handled: string[] = [];
    await bus.subscribe({
      groupId: 'health-spec',
      topics: ['health.stuck'],
      retry: { attempts: 1 },
      handler: async (record) => {
        if (record.value!.toString() === 'bad') throw new Error('this one never works');
        handled.push(record.value!.toString());
      },
    });
    expect((await health()).details.consumers).toEqual({ status: 'up', stuck: [] });

    // One key, so one partition: 'good' waits behind 'bad'.
    await bus.publish('health.stuck', [{ key: 'k', value: 'bad' }, { key: 'k', value: 'good' }]);
    await eventually(async () => (await health()).status === 'degraded', '/health degraded', 30_000);
    const stuck = await health();
    expect(stuck.details.consumers?.status).toBe('degraded');
    expect(stuck.details.consumers?.stuck).toEqual([expect.objectContaining({ groupId: 'health-spec', topic: 'health.stuck', offset: '0' })]);
    expect(handled).toEqual([]);

    await bus.ensureTopics(['health.stuck.dlq']);
    await eventually(() => handled.includes('good'), 'the record after the stuck one', 30_000);
    const after = await health();
    expect(after.status).toBe('ok');
    expect(after.details.consumers).toEqual({ status: 'up', stuck: [] });
    expect(bus.read('health.stuck.dlq').map((letter) => letter.headers[DLQ_HEADERS.reason])).toEqual(['handler-failed']);
  });
});
