import { EmbeddedBus, subscribeEvents } from '@distillery/bus';
import { traceRawContract } from '@distillery/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from './database.js';
import { Inbox } from './inbox.js';
import { Outbox } from './outbox.js';
import { OutboxRelay } from './outbox-relay.js';
import { serviceSchemaMigration } from './service-schema.migration.js';

const until = async (condition: () => Promise<boolean>, what: string) => {
  for (const deadline = Date.now() + 60_000; !(await condition()); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('inbox and outbox on PGlite with the embedded bus', () => {
  let db: Database;

  beforeAll(async () => {
    db = await openDatabase({
      target: { kind: 'pglite', dataDir: 'memory://' },
      schemas: ['producer', 'consumer', 'pruned'],
      migrations: [serviceSchemaMigration('producer', 1764000000001), serviceSchemaMigration('consumer', 1764000000002), serviceSchemaMigration('pruned', 1764000000003)],
    });
    await db.dataSource.query('CREATE TABLE consumer.effects (event_id text NOT NULL, conversation_id text NOT NULL)');
    await db.dataSource.query('CREATE TABLE producer.turns (conversation_id text PRIMARY KEY)');
  }, 60_000);
  afterAll(async () => db?.close());

  it('runs an effect once per event id, whatever the redeliveries', async () => {
    const inbox = new Inbox(db.dataSource, 'consumer', 'dedupe-test');
    const record = { topic: 't', partition: 0, offset: '7', key: 'k', value: null, headers: { 'distillery-event-id': 'evt-1' } };
    const effect = (manager: import('typeorm').EntityManager) => manager.query(`INSERT INTO consumer.effects VALUES ('evt-1', 'c')`);
    const outcomes = [await inbox.handleOnce(record, effect), await inbox.handleOnce(record, effect)];
    expect(outcomes.map((outcome) => outcome.duplicate)).toEqual([false, true]);
    const [row] = await db.dataSource.query(`SELECT count(*)::int AS n FROM consumer.effects WHERE event_id = 'evt-1'`);
    expect(row.n).toBe(1);
  });

  it('rolls the inbox entry back when the effect fails, so the retry runs it', async () => {
    const inbox = new Inbox(db.dataSource, 'consumer', 'rollback-test');
    const record = { topic: 't', partition: 0, offset: '8', key: 'k', value: null, headers: { 'distillery-event-id': 'evt-2' } };
    await expect(inbox.handleOnce(record, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect((await inbox.handleOnce(record, async () => 'ran')).duplicate).toBe(false);
  });

  it('applies a batch in one transaction: fresh records once (a repeat within the batch too), a failing batch leaves nothing', async () => {
    const inbox = new Inbox(db.dataSource, 'consumer', 'batch-test');
    const record = (id: string, offset: number) => ({ topic: 't', partition: 1, offset: String(offset), key: 'k', value: null, headers: { 'distillery-event-id': id } });
    const items = (...records: Array<ReturnType<typeof record>>) => records.map((one) => ({ record: one }));
    const effect = async (manager: import('typeorm').EntityManager, fresh: ReadonlyArray<{ record: ReturnType<typeof record> }>) => {
      for (const { record: one } of fresh) await manager.query(`INSERT INTO consumer.effects VALUES ($1, 'batch')`, [one.headers['distillery-event-id']]);
      return fresh.length;
    };
    await expect(inbox.handleBatch(items(record('b-1', 0), record('b-2', 1)), async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const first = await inbox.handleBatch(items(record('b-1', 0), record('b-2', 1), record('b-1', 2)), effect);
    expect(first.fresh.map(({ record: one }) => one.offset)).toEqual(['0', '1']);
    expect(first.result).toBe(2);
    const second = await inbox.handleBatch(items(record('b-2', 1), record('b-3', 3)), effect);
    expect(second.fresh.map(({ record: one }) => one.offset)).toEqual(['3']);
    expect((await inbox.handleOnce(record('b-3', 3), async () => 0)).duplicate).toBe(true);
    const rows: Array<{ event_id: string }> = await db.dataSource.query(`SELECT event_id FROM consumer.effects WHERE conversation_id = 'batch' ORDER BY event_id`);
    expect(rows.map((row) => row.event_id)).toEqual(['b-1', 'b-2', 'b-3']);
  });

  it('delivers every outbox row exactly once in effect, across a consumer stopping mid-stream', async () => {
    const bus = new EmbeddedBus({ partitions: 3 });
    await bus.ensureTopics(['traces.raw', 'traces.raw.dlq']);
    const outbox = new Outbox('producer');
    const relay = new OutboxRelay({ dataSource: db.dataSource, bus, schema: 'producer', pollMs: 20 });
    relay.start();
    const inbox = new Inbox(db.dataSource, 'consumer', 'effects');
    const consume = () =>
      subscribeEvents(bus, traceRawContract, {
        groupId: 'effects',
        handler: async (event, record) => {
          await inbox.handleOnce(record, (manager) => manager.query('INSERT INTO consumer.effects VALUES ($1, $2)', [event.id, event.data.conversationId]));
        },
      });
    const [first, second] = [await consume(), await consume()];
    const total = 600;
    for (let i = 0; i < total; i++) {
      await db.dataSource.transaction(async (manager) => {
        const conversationId = `conv-${i}`;
        await manager.query('INSERT INTO producer.turns VALUES ($1)', [conversationId]);
        await outbox.enqueue(manager, traceRawContract, { ...traceRawContract.example, conversationId }, { source: 'test' });
      });
      relay.wake();
      if (i === total / 2) await first.stop();
    }
    const effects = async () => (await db.dataSource.query(`SELECT count(*)::int AS n FROM consumer.effects WHERE conversation_id LIKE 'conv-%'`))[0].n as number;
    await until(async () => (await effects()) >= total, 'every effect');
    const [dupes] = await db.dataSource.query(`SELECT count(*)::int AS n FROM (SELECT event_id FROM consumer.effects GROUP BY event_id HAVING count(*) > 1) d`);
    expect(dupes.n).toBe(0);
    expect(await effects()).toBe(total);
    expect(await relay.pending()).toBe(0);
    await second.stop();
    await relay.stop();
    await bus.close();
  });

  it('deletes published rows once their retention ran out, and keeps them until then', async () => {
    const bus = new EmbeddedBus({ partitions: 1 });
    await bus.ensureTopics(['traces.raw']);
    const outbox = new Outbox('pruned');
    const rows = async () => (await db.dataSource.query('SELECT count(*)::int AS n FROM pruned.outbox'))[0].n as number;
    const enqueue = (count: number) =>
      db.dataSource.transaction(async (manager) => {
        for (let i = 0; i < count; i++) await outbox.enqueue(manager, traceRawContract, { ...traceRawContract.example, conversationId: `prune-${i}` }, { source: 'test' });
      });
    const kept = new OutboxRelay({ dataSource: db.dataSource, bus, schema: 'pruned', pollMs: 20, retainPublishedMs: 60_000 });
    kept.start();
    await enqueue(5);
    kept.wake();
    await until(async () => (await kept.pending()) === 0, 'the first rows published');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await kept.stop();
    expect(await rows()).toBe(5);

    // A relay that keeps nothing: every published row goes, those of the relay before it too.
    const pruning = new OutboxRelay({ dataSource: db.dataSource, bus, schema: 'pruned', pollMs: 20, retainPublishedMs: 0 });
    pruning.start();
    await enqueue(7);
    pruning.wake();
    await until(async () => (await pruning.pending()) === 0 && (await rows()) === 0, 'every published row pruned');
    await pruning.stop();
    expect(bus.read('traces.raw')).toHaveLength(12);
    await bus.close();
  });

  it('refuses a batch size that is not a positive integer, naming it', () => {
    for (const batchSize of [0, 2.5, Number.NaN]) {
      expect(() => new OutboxRelay({ dataSource: db.dataSource, bus: new EmbeddedBus(), schema: 'pruned', batchSize })).toThrow(`batchSize must be a positive integer, got ${batchSize}`);
    }
  });

  it('leaves a batch pending when publishing it fails, and publishes it on the next pass', async () => {
    const bus = new EmbeddedBus({ partitions: 1 });
    await bus.ensureTopics(['traces.raw']);
    let failures = 1;
    const flaky: typeof bus = Object.assign(Object.create(bus) as typeof bus, {
      publish: (topic: string, records: Parameters<typeof bus.publish>[1]) => (failures-- > 0 ? Promise.reject(new Error('broker away')) : bus.publish(topic, records)),
    });
    const outbox = new Outbox('pruned');
    await db.dataSource.transaction((manager) => outbox.enqueue(manager, traceRawContract, { ...traceRawContract.example, conversationId: 'flaky-1' }, { source: 'test' }));
    const relay = new OutboxRelay({ dataSource: db.dataSource, bus: flaky, schema: 'pruned', pollMs: 10_000 });
    await expect(relay.flush()).rejects.toThrow('broker away');
    expect(await relay.pending()).toBe(1);
    expect(await relay.flush()).toBe(1);
    expect(await relay.pending()).toBe(0);
    expect(bus.read('traces.raw').map((record) => JSON.parse(String(record.value)).data.conversationId)).toEqual(['flaky-1']);
    await bus.close();
  });
});

