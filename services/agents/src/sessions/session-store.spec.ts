import { traceRawContract } from '@distillery/contracts';
import { EMPTY_DIALOGUE } from '@distillery/dealership';
import { type Database, Outbox } from '@distillery/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAgentsMemoryDatabase } from '../agents-memory-database.js';
import { SessionStore } from './session-store.js';

describe('SessionStore (PGlite)', () => {
  let db: Database;
  let store: SessionStore;

  beforeAll(async () => {
    db = await openAgentsMemoryDatabase();
    store = new SessionStore(db.dataSource, new Outbox('agents'));
  });
  afterAll(() => db.close());

  const trace = (sessionId: string, text: string) => {
    const { turnId: _turnId, turnIndex: _turnIndex, campaignId: _campaignId, ...rest } = traceRawContract.example;
    return { ...rest, conversationId: sessionId, userMessage: text, tenant: 'dev', source: 'production' as const };
  };

  it('writes turn, memory and trace event together, and numbers concurrent turns of one session without gaps or repeats', async () => {
    const created = await store.create({ tenant: 'dev', customerRef: 'cust_0001', locale: 'en-US', source: 'production', metadata: {} });
    // Both turns read the session before either is written: the second finds its index taken.
    const [first, second] = [await store.get('dev', created.id), await store.get('dev', created.id)];
    const turns = await Promise.all([
      store.recordTurn(first, trace(created.id, 'one'), EMPTY_DIALOGUE, false, undefined),
      store.recordTurn(second, trace(created.id, 'two'), EMPTY_DIALOGUE, true, undefined),
    ]);
    expect(turns.map((turn) => turn.index).sort()).toEqual([0, 1]);

    const session = await store.get('dev', created.id);
    expect(session).toMatchObject({ turnCount: 2, ended: true });
    const stored = await store.turns(created.id);
    expect(stored.map((turn) => [turn.index, (turn.trace as { turnIndex: number }).turnIndex])).toEqual([[0, 0], [1, 1]]);
    const events = (await db.dataSource.query(`SELECT value FROM agents.outbox WHERE key = $1 ORDER BY seq`, [created.id])) as Array<{ value: string }>;
    expect(events.map((event) => (JSON.parse(event.value) as { data: { turnIndex: number; turnId: string } }).data)).toEqual(
      stored.map((turn) => expect.objectContaining({ turnIndex: turn.index, turnId: turn.id })),
    );
    // The turn's row keeps exactly what the event carries.
    expect(stored.map((turn) => turn.trace)).toEqual(events.map((event) => (JSON.parse(event.value) as { data: unknown }).data));
  });

  it('finds an answered message by its client message id, and another tenant finds nothing', async () => {
    const created = await store.create({ tenant: 'dev', customerRef: 'cust_0002', locale: 'en-US', source: 'simulation', metadata: {} });
    const turn = await store.recordTurn(await store.get('dev', created.id), trace(created.id, 'hello'), EMPTY_DIALOGUE, false, 'msg-1');
    expect(await store.findByClientMessageId(created.id, 'msg-1')).toMatchObject({ id: turn.id, reply: turn.reply, trace: turn.trace });
    await expect(store.get('other', created.id)).rejects.toThrow(created.id);
  });

  it('reads the rules version in force with the session a turn starts from', async () => {
    const created = await store.create({ tenant: 'dev', customerRef: 'cust_0003', locale: 'en-US', source: 'production', metadata: {} });
    await db.dataSource.query(`INSERT INTO agents.dealership (id, seed, rules, rules_version) VALUES (1, 7, '{}', 4)`);
    try {
      expect(await store.getForTurn('dev', created.id)).toEqual({ session: await store.get('dev', created.id), rulesVersion: 4 });
      await db.dataSource.query('UPDATE agents.dealership SET rules_version = rules_version + 1 WHERE id = 1');
      expect((await store.getForTurn('dev', created.id)).rulesVersion).toBe(5);
      await expect(store.getForTurn('other', created.id)).rejects.toThrow(created.id);
    } finally {
      await db.dataSource.query('DELETE FROM agents.dealership');
    }
  });
});
