/**
 * Needs a real Kafka broker (DISTILLERY_TEST_KAFKA_BROKERS; `npm test` starts one with infra/kafka/kafka.sh).
 * The same contract suite as the embedded bus, plus a broker restart mid-stream.
 */
import { randomUUID } from 'node:crypto';
import { eventually, integrationServers, kafkaControl } from '@distillery/testing';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { BusRecord } from '../src/bus.port.js';
import { KafkaBus } from '../src/kafka/kafka-bus.js';
import { busContractSuite } from '../src/testing/bus-contract.suite.js';

const servers = integrationServers();

/** Reads a topic from the beginning up to its current end, with a throwaway consumer group. */
async function readTopic(brokers: string[], topic: string): Promise<BusRecord[]> {
  const kafka = new Kafka({ clientId: 'test-reader', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.map((end) => [end.partition, Number(end.high)]));
  const records: BusRecord[] = [];
  if ([...remaining.values()].every((high) => high === 0)) return records;
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]));
      records.push({ topic, partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value, headers });
    },
  });
  await eventually(() => [...remaining.entries()].every(([partition, high]) => records.filter((r) => r.partition === partition).length >= high), `reading ${topic}`, 60_000);
  await consumer.disconnect();
  return records.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

describe.skipIf(!servers)('KafkaBus against a real broker', () => {
  const brokers = servers?.kafkaBrokers ?? [];

  busContractSuite('kafka', async () => ({
    bus: new KafkaBus({ brokers, clientId: 'contract-suite', partitions: 3, sessionTimeoutMs: 6_000 }),
    readAll: (topic) => readTopic(brokers, topic),
  }));

  it('recovers producer and consumer when the broker stops and starts mid-stream, losing nothing', async () => {
    const topic = `test.restart.${randomUUID()}`;
    const bus = new KafkaBus({ brokers, clientId: 'restart-test', partitions: 3, sessionTimeoutMs: 6_000, publishTimeoutMs: 180_000 });
    await bus.ensureTopics([topic, `${topic}.dlq`]);
    const received = new Set<string>();
    const subscription = await bus.subscribe({
      groupId: `${topic}.group`,
      topics: [topic],
      handler: async (record) => {
        received.add(record.value!.toString());
      },
    });
    const total = 3_000;
    let restarted: Promise<void> | undefined;
    for (let i = 0; i < total; i += 50) {
      await bus.publish(topic, Array.from({ length: 50 }, (_, j) => ({ key: `k${(i + j) % 31}`, value: String(i + j) })));
      // Mid-stream: bounce the broker while the producer keeps sending (its sends retry through the outage).
      if (i === 1_000) restarted = kafkaControl('restart');
    }
    await restarted;
    await eventually(() => received.size === total, `all ${total} records after the restart (have ${received.size})`, 180_000);
    expect(received.size).toBe(total);
    await subscription.stop();
    await bus.close();
  });
});
