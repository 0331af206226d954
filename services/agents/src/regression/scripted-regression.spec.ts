import { ReservationEntity, TestDriveEntity } from '@distillery/dealership';
import {
  offsetAcrossMidnight, runScriptedConversations, type ScriptedConversation, scriptedConversations, type ScriptedTurnResult, switchConversations, typoConversations,
} from '@distillery/reference-teacher';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReferenceAgents, startReferenceAgents } from '../testing/reference-agents.js';

const SEED = 11;

describe('the scripted regression set through the gRPC API (reference teacher, error rate 0)', () => {
  let agents: ReferenceAgents;
  const conversations = scriptedConversations({ seed: SEED, now: new Date() });
  let results: ScriptedTurnResult[];

  beforeAll(async () => {
    agents = await startReferenceAgents({ seed: SEED, tenant: 'regression' });
    results = await runScriptedConversations(agents.client, conversations, { concurrency: 4 });
  }, 180_000);
  afterAll(() => agents?.close());

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
    const { expected, actual, testDrives } = await effectsOf(agents, conversations);
    expect(actual).toEqual(expected);
    expect(testDrives).toBe(conversations.filter((conversation) => conversation.effect?.kind === 'test-drive').length);
  });
});

describe('the scripted regression set with the business changing between turns, and valid words near typos (issue 11, 7-11)', () => {
  let agents: ReferenceAgents;
  const conversations = [...switchConversations({ seed: SEED, now: new Date() }), ...typoConversations({ seed: SEED })];
  let results: ScriptedTurnResult[];

  beforeAll(async () => {
    agents = await startReferenceAgents({ seed: SEED, tenant: 'regression', env: { DISTILLERY_AGENTS_ADMIN_TENANTS: 'regression' } });
    // A business change reaches every session: one conversation at a time.
    results = await runScriptedConversations(agents.client, conversations, { concurrency: 1 });
  }, 180_000);
  afterAll(() => agents?.close());

  it('moves the time zone across midnight at any hour it is played, the local time an hour or more from midnight', () => {
    for (let minute = 0; minute < 24 * 60; minute += 1) {
      const now = new Date(Date.UTC(2026, 10, 24, 0, minute));
      const local = new Date(now.getTime() + offsetAcrossMidnight(now) * 60_000);
      expect(local.toISOString().slice(0, 10)).not.toBe(now.toISOString().slice(0, 10));
      const fromMidnight = local.getUTCHours() * 60 + local.getUTCMinutes();
      expect(Math.min(fromMidnight, 24 * 60 - fromMidnight)).toBeGreaterThanOrEqual(60);
    }
  });

  it('makes the expected plan for every turn, every prompt offering the tools in force', () => {
    expect(results).toHaveLength(conversations.reduce((sum, conversation) => sum + conversation.turns.length, 0));
    const problems = results.filter((result) => result.problems.length).map((result) => `${result.conversation} «${result.say}»: ${result.problems.join('; ')} → ${result.reply}`);
    expect(problems).toEqual([]);
  });

  it('leaves exactly the expected bookings and reservations', async () => {
    const { expected, actual, testDrives } = await effectsOf(agents, conversations);
    expect(actual).toEqual(expected);
    expect(testDrives).toBe(conversations.filter((conversation) => conversation.effect?.kind === 'test-drive').length);
  });
});

/** The bookings and holds the conversations' effects name, the ones their customers have, and how many test drives there are in all. */
async function effectsOf(agents: ReferenceAgents, conversations: readonly ScriptedConversation[]): Promise<{ expected: unknown[]; actual: unknown[]; testDrives: number }> {
  const dataSource = agents.app.platform.database.dataSource;
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
  return { expected, actual, testDrives: await dataSource.getRepository(TestDriveEntity).count() };
}
