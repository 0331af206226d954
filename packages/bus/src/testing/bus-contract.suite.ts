import { DLQ_HEADERS, dlqOf, encodeEvent, type EventEnvelope, type TraceRaw, traceRawContract } from '@distillery/contracts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Bus, BusRecord, Subscription } from '../bus.port.js';
import { subscribeEvents } from '../events.js';

export interface BusHarness {
  readonly bus: Bus;
  /** Every record currently on a topic (the DLQ, for instance), in partition and offset order. */
  readAll(topic: string): Promise<BusRecord[]>;
}

/** Waits until `condition` holds, polling; fails with `what` after `timeoutMs`. */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * The behaviours both adapters promise, run against each: per-key order across partitions,
 * group members sharing partitions, redelivery of a failing handler, and poison to the DLQ.
 */
export function busContractSuite(name: string, makeHarness: () => Promise<BusHarness>): void {
  let harness: BusHarness;
  const subscriptions: Subscription[] = [];
  const uniqueTopic = (what: string) => `test.${name}.${what}.${Date.now()}.${Math.floor(Math.random() * 1e6)}`;

  beforeAll(async () => {
    harness = await makeHarness();
  });
  afterAll(async () => {
    await Promise.all(subscriptions.map((subscription) => subscription.stop()));
    await harness.bus.close();
  });

  it('keeps per-key order while two group members share the partitions', async () => {
    const topic = uniqueTopic('order');
    await harness.bus.ensureTopics([topic, dlqOf(topic)]);
    const seen = new Map<string, number[]>();
    const byMember = [0, 0];
    for (const member of [0, 1]) {
      subscriptions.push(
        await harness.bus.subscribe({
          groupId: `${topic}.group`,
          topics: [topic],
          handler: async (record) => {
            const [key, sequence] = record.value!.toString().split(':');
            seen.set(key!, [...(seen.get(key!) ?? []), Number(sequence)]);
            byMember[member]!++;
          },
        }),
      );
    }
    const keys = Array.from({ length: 20 }, (_, i) => `key-${i}`);
    for (let sequence = 0; sequence < 25; sequence++) {
      await harness.bus.publish(topic, keys.map((key) => ({ key, value: `${key}:${sequence}` })));
    }
    await eventually(() => [...seen.values()].reduce((sum, list) => sum + list.length, 0) === 500, '500 records');
    for (const key of keys) expect(seen.get(key)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(byMember[0]).toBeGreaterThan(0);
    expect(byMember[1]).toBeGreaterThan(0);
  });

  it('redelivers a record whose handler fails, then moves on', async () => {
    const topic = uniqueTopic('retry');
    await harness.bus.ensureTopics([topic, dlqOf(topic)]);
    let failuresLeft = 2;
    const handled: string[] = [];
    subscriptions.push(
      await harness.bus.subscribe({
        groupId: `${topic}.group`,
        topics: [topic],
        retry: { attempts: 5, initialBackoffMs: 10, maxBackoffMs: 50 },
        handler: async (record) => {
          if (record.key === 'flaky' && failuresLeft-- > 0) throw new Error('transient');
          handled.push(record.key!);
        },
      }),
    );
    await harness.bus.publish(topic, [{ key: 'flaky', value: '1' }, { key: 'steady', value: '2' }]);
    await eventually(() => handled.length === 2, 'both records handled');
    expect(handled.sort()).toEqual(['flaky', 'steady']);
    expect(failuresLeft).toBeLessThan(0);
  });

  it('hands a batch handler each partition\'s ready records in order; a failing batch goes again record by record', async () => {
    const topic = uniqueTopic('batches');
    await harness.bus.ensureTopics([topic, dlqOf(topic)]);
    const seen = new Map<string, number[]>();
    const sizes: number[] = [];
    const handler = async (record: BusRecord) => {
      if (record.value!.toString() === 'poison') throw new Error('cannot handle this one');
      const [key, sequence] = record.value!.toString().split(':');
      seen.set(key!, [...(seen.get(key!) ?? []), Number(sequence)]);
    };
    subscriptions.push(
      await harness.bus.subscribe({
        groupId: `${topic}.group`,
        topics: [topic],
        maxBatch: 64,
        retry: { attempts: 2, initialBackoffMs: 10, maxBackoffMs: 20 },
        handler,
        // All or nothing, as a transaction would be.
        batchHandler: async (records) => {
          if (records.some((record) => record.value!.toString() === 'poison')) throw new Error('a poison record in the batch');
          sizes.push(records.length);
          for (const record of records) await handler(record);
        },
      }),
    );
    const keys = Array.from({ length: 6 }, (_, i) => `key-${i}`);
    const records = Array.from({ length: 50 }, (_, sequence) => keys.map((key) => ({ key, value: `${key}:${sequence}` }))).flat();
    records.splice(100, 0, { key: 'key-0', value: 'poison' });
    await harness.bus.publish(topic, records);
    await eventually(() => [...seen.values()].reduce((sum, list) => sum + list.length, 0) === 300, '300 records');
    for (const key of keys) expect(seen.get(key)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64);
    await eventually(async () => (await harness.readAll(dlqOf(topic))).length === 1, 'the poison record dead-lettered');
    expect((await harness.readAll(dlqOf(topic)))[0]!.headers[DLQ_HEADERS.reason]).toBe('handler-failed');
  });

  it.each(['per event', 'in batches'] as const)('dead-letters poison records with the reason and the original record, and continues (%s)', async (mode) => {
    const topic = 'traces.raw';
    await harness.bus.ensureTopics([topic, dlqOf(topic)]);
    const groupId = uniqueTopic('poison-group');
    const handled: string[] = [];
    const handle = async (event: EventEnvelope<TraceRaw>) => {
      if (event.data.conversationId === 'always-fails') throw new Error('handler is broken for this one');
      handled.push(event.data.conversationId);
    };
    const options = { groupId, retry: { attempts: 2, initialBackoffMs: 10, maxBackoffMs: 20 }, maxMessageBytes: 64 * 1024 };
    subscriptions.push(
      await subscribeEvents(
        harness.bus,
        traceRawContract,
        mode === 'per event'
          ? { ...options, handler: handle }
          : {
              ...options,
              // All or nothing, as a transaction would: a batch that fails applies no effect.
              batchHandler: async (events) => {
                const applied = handled.length;
                try {
                  for (const { event } of events) await handle(event);
                } catch (error) {
                  handled.splice(applied);
                  throw error;
                }
              },
            },
      ),
    );
    const good = (conversationId: string) => encodeEvent(traceRawContract, { ...traceRawContract.example, conversationId }, { source: 'test' });
    const valid = good(`${groupId}-ok`);
    // A key of this run's own: a new group reads the shared topic from its start, so other tests' and
    // earlier runs' poison records on traces.raw are dead-lettered again under this group.
    const key = `p-${groupId}`;
    await harness.bus.publish(topic, [
      { key, value: 'this is not json', headers: { origin: 'poison-test' } },
      { key, value: valid.value.replace('"simulation"', '"elsewhere"'), headers: valid.headers },
      { key, value: JSON.stringify({ ...JSON.parse(valid.value), padding: 'x'.repeat(70 * 1024) }), headers: valid.headers },
      { ...good('always-fails'), key },
      { ...good(`${groupId}-after`), key },
    ]);
    await eventually(() => handled.includes(`${groupId}-after`), 'the record after the poison ones');
    const ours = async () => (await harness.readAll(dlqOf(topic))).filter((record) => record.headers[DLQ_HEADERS.consumerGroup] === groupId && record.key === key);
    await eventually(async () => (await ours()).length === 4, 'four dead letters');
    const dlq = await ours();
    const reasons = dlq.map((record) => record.headers[DLQ_HEADERS.reason]);
    expect(reasons).toEqual(['not-json', 'schema-invalid', 'too-large', 'handler-failed']);
    expect(dlq[0]!.value!.toString()).toBe('this is not json');
    expect(dlq[0]!.key).toBe(key);
    expect(dlq[0]!.headers.origin).toBe('poison-test');
    expect(dlq[1]!.headers[DLQ_HEADERS.error]).toMatch(/source/);
    expect(dlq[3]!.headers[DLQ_HEADERS.error]).toMatch(/handler is broken/);
    expect(dlq[3]!.headers[DLQ_HEADERS.attempts]).toBe('2');
    expect(dlq.every((record) => record.headers[DLQ_HEADERS.sourceTopic] === topic)).toBe(true);
    expect(handled).not.toContain('always-fails');
    expect(handled.filter((id) => id.startsWith(groupId))).toEqual([`${groupId}-after`]);
  });
}
