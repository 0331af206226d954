/**
 * Needs a real Kafka broker (DISTILLERY_TEST_KAFKA_BROKERS; `npm test` starts one with infra/kafka/kafka.sh).
 * The same contract suite as the embedded bus, plus a broker restart mid-stream.
 */
import { randomUUID } from 'node:crypto';
import { eventually, integrationServers, kafkaControl, readTopic } from '@distillery/testing';
import { describe, expect, it } from 'vitest';
import { KafkaBus } from '../src/kafka/kafka-bus.js';
import { busContractSuite } from '../src/testing/bus-contract.suite.js';

const servers = integrationServers();

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
