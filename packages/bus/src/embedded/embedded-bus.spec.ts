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
