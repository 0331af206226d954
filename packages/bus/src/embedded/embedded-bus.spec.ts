import { describe, expect, it } from 'vitest';
import { busContractSuite, eventually } from '../testing/bus-contract.suite.js';
import { UnknownTopicError } from '../unknown-topic.error.js';
import { EmbeddedBus } from './embedded-bus.js';

describe('EmbeddedBus', () => {
  busContractSuite('embedded', async () => {
    const bus = new EmbeddedBus({ partitions: 3 });
    return { bus, readAll: async (topic) => bus.read(topic) };
  });

  it('refuses unknown topics', async () => {
    const bus = new EmbeddedBus();
    await expect(bus.publish('nope', [{ key: 'k', value: 'v' }])).rejects.toBeInstanceOf(UnknownTopicError);
  });

  it('hands a stopped member’s partitions to the others without losing or repeating records', async () => {
    const bus = new EmbeddedBus({ partitions: 3 });
    await bus.ensureTopics(['t', 't.dlq']);
    const counts = new Map<string, number>();
    const handler = async (record: { value: Buffer | null }) => {
      const id = record.value!.toString();
      counts.set(id, (counts.get(id) ?? 0) + 1);
      await new Promise((resolve) => setImmediate(resolve));
    };
    const first = await bus.subscribe({ groupId: 'g', topics: ['t'], handler });
    const second = await bus.subscribe({ groupId: 'g', topics: ['t'], handler });
    const records = Array.from({ length: 3000 }, (_, i) => ({ key: `k${i % 97}`, value: String(i) }));
    await bus.publish('t', records);
    await eventually(() => counts.size > 500, 'some progress');
    await first.stop();
    await eventually(() => counts.size === 3000, 'all records');
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    await second.stop();
    await bus.close();
  });
});

describe('EmbeddedBus retention', () => {
  const hundredBytes = (i: number) => ({ key: 'k', value: String(i).padStart(100, '0') });

  it('lets go of what every group consumed beyond retainBytes, and counts offsets on', async () => {
    const bus = new EmbeddedBus({ partitions: 1, retainBytes: 1_000 });
    await bus.ensureTopics(['t', 't.dlq']);
    const seen: number[] = [];
    const subscription = await bus.subscribe({ groupId: 'g', topics: ['t'], handler: async (record) => void seen.push(Number(record.value!.toString())) });
    await bus.publish('t', Array.from({ length: 100 }, (_, i) => hundredBytes(i)));
    await eventually(() => seen.length === 100, 'every record');
    expect(bus.endOffsets('t')).toEqual([100]);
    const held = bus.read('t');
    expect(held.length).toBe(10);
    expect(held.map((record) => record.offset)).toEqual(Array.from({ length: 10 }, (_, i) => String(90 + i)));
    // A group that comes now starts at the oldest record held.
    const late: string[] = [];
    await bus.subscribe({ groupId: 'late', topics: ['t'], handler: async (record) => void late.push(record.offset) });
    await eventually(() => late.length === 10, 'the held records');
    expect(late[0]).toBe('90');
    await subscription.stop();
    await bus.close();
  });

  it('keeps every record a group has not consumed, however much follows it', async () => {
    const bus = new EmbeddedBus({ partitions: 1, retainBytes: 1_000 });
    await bus.ensureTopics(['t', 't.dlq']);
    const fast: number[] = [];
    const slow: number[] = [];
    await bus.subscribe({ groupId: 'fast', topics: ['t'], handler: async (record) => void fast.push(Number(record.value!.toString())) });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    await bus.subscribe({
      groupId: 'slow',
      topics: ['t'],
      handler: async (record) => {
        if (slow.length === 10) await gate;
        slow.push(Number(record.value!.toString()));
      },
    });
    await bus.publish('t', Array.from({ length: 100 }, (_, i) => hundredBytes(i)));
    await eventually(() => fast.length === 100, 'the fast group');
    expect(bus.read('t').length).toBe(90);
    open();
    await eventually(() => slow.length >= 100, 'the slow group, let go on');
    expect(slow).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await eventually(() => bus.read('t').length === 10, 'the consumed records let go');
    await bus.close();
  });
});

describe('EmbeddedBus dead-letter observer', () => {
  it('is told the topic and reason of every dead letter', async () => {
    const seen: string[] = [];
    const bus = new EmbeddedBus({ onDeadLetter: (record, reason) => seen.push(`${record.topic}:${reason}`) });
    await bus.ensureTopics(['t', 't.dlq']);
    await bus.subscribe({ groupId: 'g', topics: ['t'], maxMessageBytes: 4, handler: async () => undefined });
    await bus.publish('t', [{ key: 'k', value: 'too long for four bytes' }]);
    await eventually(() => seen.length === 1, 'the dead letter');
    expect(seen).toEqual(['t:too-large']);
    await bus.close();
  });
});
