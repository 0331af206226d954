/**
 * Needs a real Kafka broker (DISTILLERY_TEST_KAFKA_BROKERS; `npm test` starts one with infra/kafka/kafka.sh).
 * The bus contract suite through the NestJS transport: @BusEventPattern handlers on Kafka.
 */
import { KafkaBus } from '@distillery/bus';
import { busContractSuite } from '@distillery/bus/testing';
import { integrationServers, readTopic } from '@distillery/testing';
import { describe } from 'vitest';
import { throughNestTransport } from '../src/bus-transport/transport-bus.js';

const servers = integrationServers();

describe.skipIf(!servers)('the bus contract through the NestJS transport on Kafka', () => {
  const brokers = servers?.kafkaBrokers ?? [];
  busContractSuite('nest-kafka', async () => ({
    bus: throughNestTransport(new KafkaBus({ brokers, clientId: 'nest-contract-suite', partitions: 3, sessionTimeoutMs: 6_000 })),
    readAll: (topic) => readTopic(brokers, topic),
  }));
});
