/**
 * Needs a real Kafka broker (DISTILLERY_TEST_KAFKA_BROKERS; `npm test` starts one with infra/kafka/kafka.sh).
 * What could stop a partition for good: a record over our size limit that the broker still took (it
 * counts compressed bytes), and a dead letter that cannot be published. The first is dead-lettered
 * as a bounded copy and the consumer moves on; the second is reported by health while it lasts.
 */
import { createHash, randomUUID } from 'node:crypto';
import { DLQ_HEADERS, dlqOf } from '@distillery/contracts';
import { eventually, integrationServers } from '@distillery/testing';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import type { BusRecord, Subscription } from '../src/bus.port.js';
import { KafkaBus } from '../src/kafka/kafka-bus.js';

const servers = integrationServers();

describe.skipIf(!servers)('a partition behind a record it cannot process, over a real broker', () => {
  const brokers = servers?.kafkaBrokers ?? [];
  const buses: KafkaBus[] = [];
  const subscriptions: Subscription[] = [];
  afterAll(async () => {
    for (const subscription of subscriptions) await subscription.stop();
    for (const bus of buses) await bus.close();
  });

  it('dead-letters a compressed record over the limit as a bounded copy and processes the next one', async () => {
    const topic = `test.oversized.${randomUUID()}`;
    const bus = new KafkaBus({ brokers, clientId: 'oversized-test', partitions: 1, sessionTimeoutMs: 6_000 });
    buses.push(bus);
    await bus.ensureTopics([topic, dlqOf(topic)]);
    const handled: string[] = [];
    const letters: BusRecord[] = [];
    subscriptions.push(await bus.subscribe({ groupId: `${topic}.group`, topics: [topic], handler: async (record) => void handled.push(record.value!.toString()) }));
    subscriptions.push(await bus.subscribe({ groupId: `${topic}.dlq-reader`, topics: [dlqOf(topic)], handler: async (record) => void letters.push(record) }));

    // 1.2 MB that gzip makes small: the broker accepts it, our 1 MiB limit does not.
    const oversized = Buffer.from(JSON.stringify({ id: randomUUID(), padding: 'z'.repeat(1_200_000) }));
    const producer = new Kafka({ clientId: 'oversized-producer', brokers, logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    try {
      await producer.send({ topic, compression: CompressionTypes.GZIP, messages: [{ key: 'k', value: oversized, headers: { origin: 'outside' } }, { key: 'k', value: 'the next one' }] });
    } finally {
      await producer.disconnect();
    }

    await eventually(() => handled.includes('the next one'), 'the record after the oversized one', 60_000);
    await eventually(() => letters.length === 1, 'its dead letter', 30_000);
    const [letter] = letters;
    expect(handled).toEqual(['the next one']);
    expect(letter!.key).toBe('k');
    expect(letter!.value!.length).toBeLessThan(1_048_576);
    expect(oversized.subarray(0, letter!.value!.length).equals(letter!.value!)).toBe(true);
    expect(letter!.headers).toMatchObject({
      origin: 'outside',
      [DLQ_HEADERS.reason]: 'too-large',
      [DLQ_HEADERS.sourceTopic]: topic,
      [DLQ_HEADERS.sourcePartition]: '0',
      [DLQ_HEADERS.sourceOffset]: '0',
      [DLQ_HEADERS.valueBytes]: String(oversized.length),
      [DLQ_HEADERS.valueSha256]: createHash('sha256').update(oversized).digest('hex'),
      [DLQ_HEADERS.truncated]: 'value',
    });
    expect((await bus.health()).stuck).toEqual([]);
  });

  it('reports the consumer stuck while its dead letter cannot be published, and not once it moves on', async () => {
    const topic = `test.stuck.${randomUUID()}`;
    const bus = new KafkaBus({ brokers, clientId: 'stuck-test', partitions: 1, sessionTimeoutMs: 6_000, publishTimeoutMs: 1_000, stuckAfterMs: 500 });
    buses.push(bus);
    await bus.ensureTopics([topic]); // its .dlq comes later: until then every dead letter fails
    const handled: string[] = [];
    subscriptions.push(
      await bus.subscribe({
        groupId: `${topic}.group`,
        topics: [topic],
        retry: { attempts: 1 },
        handler: async (record) => {
          if (record.key === 'bad') throw new Error('this one never works');
          handled.push(record.key!);
        },
      }),
    );
    await bus.publish(topic, [{ key: 'bad', value: 'x' }, { key: 'good', value: 'y' }]);

    await eventually(async () => (await bus.health()).stuck.length > 0, 'the stuck consumer in health', 90_000);
    expect((await bus.health()).stuck).toEqual([expect.objectContaining({ groupId: `${topic}.group`, topic, partition: 0, offset: '0' })]);
    expect(handled).toEqual([]);

    await bus.ensureTopics([dlqOf(topic)]);
    await eventually(() => handled.includes('good'), 'the record after the stuck one', 90_000);
    expect((await bus.health()).stuck).toEqual([]);
  });
});
