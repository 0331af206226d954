import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentsClient } from '@distillery/proto';
import { freePort, type RunningApp, startApp } from '@distillery/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentsService } from '../agents.service-definition.js';
import { ReservationEntity, TestDriveEntity } from '../domain/dealership.entities.js';
import { runScriptedConversations, scriptedConversations, type ScriptedTurnResult } from './scripted-conversations.js';

const SEED = 11;

describe('the scripted regression set through the gRPC API (reference teacher, error rate 0)', () => {
  let dataDir: string;
  let app: RunningApp;
  let client: AgentsClient;
  const conversations = scriptedConversations({ seed: SEED, now: new Date() });
  let results: ScriptedTurnResult[];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'distillery-regression-'));
    const port = await freePort();
    app = await startApp([agentsService], {
      name: 'agents',
      defaultPort: 0,
      env: {
        DISTILLERY_DATA_DIR: dataDir,
        DISTILLERY_LOG_LEVEL: 'silent',
        DISTILLERY_AGENTS_GRPC_PORT: String(port),
        DISTILLERY_AGENTS_SEED: String(SEED),
        DISTILLERY_AGENTS_MISTAKE_RATE: '0',
        DISTILLERY_AGENTS_RATE_PER_MINUTE: '100000',
        DISTILLERY_AGENTS_RATE_BURST: '1000',
        DISTILLERY_AGENTS_API_KEYS: 'regression-key:regression',
      },
    });
    client = new AgentsClient({ address: `127.0.0.1:${port}`, apiKey: 'regression-key', timeoutMs: 30_000 });
    results = await runScriptedConversations(client, conversations, { concurrency: 4 });
  }, 180_000);
  afterAll(async () => {
    client?.close();
    await app?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('covers 50 conversations and every tool', () => {
    expect(conversations).toHaveLength(50);
    expect(new Set(conversations.flatMap((conversation) => conversation.turns.flatMap((turn) => turn.tools)))).toEqual(
      new Set(['searchInventory', 'getVehicle', 'scheduleTestDrive', 'listTestDrives', 'cancelTestDrive', 'estimateFinancing', 'appraiseTradeIn', 'reserveVehicle', 'dealershipInfo', 'handOffToHuman', 'availableSlots']),
    );
    expect(results).toHaveLength(conversations.reduce((sum, conversation) => sum + conversation.turns.length, 0));
  });

  it('makes a valid plan first time for every turn, calling exactly the expected tools, all succeeding', () => {
    const problems = results.filter((result) => result.problems.length).map((result) => `${result.conversation} «${result.say}»: ${result.problems.join('; ')} → ${result.reply}`);
    expect(problems).toEqual([]);
  });

  it('leaves exactly the expected bookings and reservations', async () => {
    const dataSource = app.platform.database.dataSource;
    const expected: unknown[] = [];
    const actual: unknown[] = [];
    for (const conversation of conversations) {
      const effect = conversation.effect;
      if (effect?.kind === 'test-drive') {
        expected.push({ conversation: conversation.name, slot: effect.slot, status: effect.status });
        const drives = await dataSource.getRepository(TestDriveEntity).findBy({ customerId: conversation.customerRef, vin: effect.vin });
        actual.push(...drives.map((drive) => ({ conversation: conversation.name, slot: drive.slot, status: drive.status })));
      }
      if (effect?.kind === 'reservation') {
        expected.push({ conversation: conversation.name, vin: effect.vin, deposit: effect.deposit, status: 'active' });
        const holds = await dataSource.getRepository(ReservationEntity).findBy({ customerId: conversation.customerRef });
        actual.push(...holds.map((hold) => ({ conversation: conversation.name, vin: hold.vin, deposit: hold.deposit, status: hold.status })));
      }
    }
    expect(actual).toEqual(expected);
    expect(await dataSource.getRepository(TestDriveEntity).count()).toBe(conversations.filter((conversation) => conversation.effect?.kind === 'test-drive').length);
  });
});
