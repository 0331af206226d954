import { createHash } from 'node:crypto';
import { DLQ_HEADERS } from '@distillery/contracts';
import { describe, expect, it } from 'vitest';
import type { BusRecord } from './bus.port.js';
import { deliverWithDeadLetter } from './dead-letter.js';
import { EmbeddedBus } from './embedded/embedded-bus.js';
import { eventually } from './testing/bus-contract.suite.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A record as Kafka hands it over: the broker takes compressed batches, so a value may be over our own limit. */
function consumed(value: Buffer, extra: Partial<BusRecord> = {}): BusRecord {
  return { topic: 't', partition: 2, offset: '41', key: 'conv-1', value, headers: { 'distillery-event-id': 'e-1' }, ...extra };
}

describe('deliverWithDeadLetter', () => {
  it('dead-letters a record over the limit as a bounded copy the bus accepts, with its size, hash and source', async () => {
    const bus = new EmbeddedBus({ partitions: 1, maxMessageBytes: 4_096 });
    await bus.ensureTopics(['t', 't.dlq']);
    const handled: string[] = [];
    const deliver = deliverWithDeadLetter(bus, { groupId: 'g', topics: ['t'], maxMessageBytes: 4_096, handler: async (record) => void handled.push(record.offset) }, { isStopping: () => false });
    const value = Buffer.from(`{"id":"e-1","data":"${'x'.repeat(12_000)}"}`);

    await deliver(consumed(value));

    const [letter, ...more] = bus.read('t.dlq');
    expect(more).toEqual([]);
    expect(handled).toEqual([]);
    expect(letter!.key).toBe('conv-1');
    expect(letter!.value!.length).toBeLessThanOrEqual(4_096);
    expect(letter!.value!.length).toBeGreaterThan(0);
    expect(value.subarray(0, letter!.value!.length).equals(letter!.value!)).toBe(true);
    expect(letter!.headers).toMatchObject({
      'distillery-event-id': 'e-1',
      [DLQ_HEADERS.reason]: 'too-large',
      [DLQ_HEADERS.error]: `${value.length} bytes, over the 4096-byte limit`,
      [DLQ_HEADERS.sourceTopic]: 't',
      [DLQ_HEADERS.sourcePartition]: '2',
      [DLQ_HEADERS.sourceOffset]: '41',
      [DLQ_HEADERS.consumerGroup]: 'g',
      [DLQ_HEADERS.valueBytes]: String(value.length),
      [DLQ_HEADERS.valueSha256]: sha256(value),
      [DLQ_HEADERS.truncated]: 'value',
    });
  });

  it('keeps a value that fits whole, and says nothing was cut', async () => {
    const bus = new EmbeddedBus({ partitions: 1 });
    await bus.ensureTopics(['t', 't.dlq']);
    const deliver = deliverWithDeadLetter(bus, { groupId: 'g', topics: ['t'], retry: { attempts: 1 }, handler: async () => Promise.reject(new Error('broken')) }, { isStopping: () => false });
    const value = Buffer.from('not json at all');

    await deliver(consumed(value));

    const [letter] = bus.read('t.dlq');
    expect(letter!.value!.equals(value)).toBe(true);
    expect(letter!.headers).toMatchObject({
      [DLQ_HEADERS.reason]: 'handler-failed',
      [DLQ_HEADERS.valueBytes]: String(value.length),
      [DLQ_HEADERS.valueSha256]: sha256(value),
      [DLQ_HEADERS.truncated]: 'none',
    });
  });

  it('cuts a value that fits the consumer’s limit but not beside the dead letter’s headers under the bus’s', async () => {
    const bus = new EmbeddedBus({ partitions: 1, maxMessageBytes: 4_096 });
    await bus.ensureTopics(['t', 't.dlq']);
    const deliver = deliverWithDeadLetter(bus, { groupId: 'g', topics: ['t'], retry: { attempts: 1 }, handler: async () => Promise.reject(new Error('broken')) }, { isStopping: () => false });
    const value = Buffer.alloc(4_096, 'y');

    await deliver(consumed(value));

    const [letter] = bus.read('t.dlq');
    expect(letter!.value!.length).toBeLessThan(4_096);
    expect(letter!.headers[DLQ_HEADERS.truncated]).toBe('value');
    expect(letter!.headers[DLQ_HEADERS.valueBytes]).toBe('4096');
  });

  it('bounds an outsized key and outsized headers, naming what it cut', async () => {
    const bus = new EmbeddedBus({ partitions: 1 });
    await bus.ensureTopics(['t', 't.dlq']);
    const deliver = deliverWithDeadLetter(bus, { groupId: 'g', topics: ['t'], retry: { attempts: 1 }, handler: async () => Promise.reject(new Error('broken')) }, { isStopping: () => false });
    const huge = 'h'.repeat(600_000);

    await deliver(consumed(Buffer.from('{}'), { key: `k${huge}`, headers: { small: 'kept', big: huge } }));

    const [letter] = bus.read('t.dlq');
    expect(Buffer.byteLength(letter!.key!)).toBeLessThanOrEqual(1_024);
    expect(letter!.key!.startsWith('khhh')).toBe(true);
    expect(letter!.headers.small).toBe('kept');
    expect(letter!.headers.big).toBeUndefined();
    expect(letter!.headers[DLQ_HEADERS.truncated]).toBe('key,headers');
    const headerBytes = Object.entries(letter!.headers).reduce((sum, [name, text]) => sum + Buffer.byteLength(name) + Buffer.byteLength(text), 0);
    expect(headerBytes).toBeLessThan(32 * 1024);
  });
});

describe('a consumer stuck behind a record', () => {
  it('is reported by health while its dead letter cannot be published, and no longer once it moves on', async () => {
    const bus = new EmbeddedBus({ partitions: 1, stuckAfterMs: 50 });
    await bus.ensureTopics(['t']); // no t.dlq yet: every dead letter fails
    const handled: string[] = [];
    await bus.subscribe({
      groupId: 'g',
      topics: ['t'],
      retry: { attempts: 1 },
      handler: async (record) => {
        if (record.key === 'bad') throw new Error('this one never works');
        handled.push(record.key!);
      },
    });
    await bus.publish('t', [{ key: 'bad', value: 'x' }, { key: 'good', value: 'y' }]);

    await eventually(async () => (await bus.health()).stuck.length > 0, 'the stuck consumer reported');
    const [stuck, ...others] = (await bus.health()).stuck;
    expect(others).toEqual([]);
    expect(stuck).toMatchObject({ groupId: 'g', topic: 't', partition: 0, offset: '0' });
    expect(stuck!.failures).toBeGreaterThanOrEqual(1);
    expect(stuck!.error).toMatch(/UnknownTopicError|t\.dlq/);
    expect(handled).toEqual([]);

    await bus.ensureTopics(['t.dlq']);
    await eventually(() => handled.includes('good'), 'the record after the stuck one');
    expect((await bus.health()).stuck).toEqual([]);
    expect(bus.read('t.dlq').map((letter) => letter.headers[DLQ_HEADERS.reason])).toEqual(['handler-failed']);
    await bus.close();
  });

  it('is not reported for a record whose handler fails and then succeeds', async () => {
    const bus = new EmbeddedBus({ partitions: 1, stuckAfterMs: 60_000 });
    await bus.ensureTopics(['t', 't.dlq']);
    let failuresLeft = 3;
    const handled: string[] = [];
    await bus.subscribe({
      groupId: 'g',
      topics: ['t'],
      retry: { attempts: 5, initialBackoffMs: 5, maxBackoffMs: 10 },
      handler: async (record) => {
        if (failuresLeft-- > 0) throw new Error('transient');
        handled.push(record.key!);
      },
    });
    await bus.publish('t', [{ key: 'flaky', value: 'x' }]);
    await eventually(() => handled.length === 1, 'the flaky record handled');
    expect((await bus.health()).stuck).toEqual([]);
    await bus.close();
  });
});
