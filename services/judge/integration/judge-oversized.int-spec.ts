/**
 * Needs a real Kafka broker and PostgreSQL (DISTILLERY_TEST_KAFKA_BROKERS, DISTILLERY_TEST_DATABASE_URL; `npm test` starts both).
 * A traces.raw record over the judge's DISTILLERY_MAX_MESSAGE_BYTES (64 KiB here; the broker takes
 * it) is dead-lettered as `too-large` and the judge refines the event after it on the same
 * partition; /health reports no stuck consumer. The bus's own tests cover the rest (a compressed
 * 1.2 MB record at the default limit, a consumer reported stuck and then not).
 */
import { randomUUID } from 'node:crypto';
import { type BusRecord, KafkaBus } from '@distillery/bus';
import { allTopics, DLQ_HEADERS, dlqOf, encodeEvent, traceRawContract } from '@distillery/contracts';
import { type RunningApp, startApp } from '@distillery/service-kit';
import { consumersHealth, type DistributedService, eventually, integrationServers, startDistributedService } from '@distillery/testing';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JUDGE_GROUP, judgeService } from '../src/index.js';

const servers = integrationServers();

describe.skipIf(!servers)('the judge behind a traces.raw record over the size limit', () => {
  const run = randomUUID().slice(0, 8);
  let judge: DistributedService<RunningApp>;
  let app: RunningApp;
  let bus: KafkaBus;
  const letters: BusRecord[] = [];

  beforeAll(async () => {
    const brokers = servers!.kafkaBrokers;
    bus = new KafkaBus({ brokers, clientId: 'judge-oversized-test' });
    await bus.ensureTopics(allTopics());
    // Earlier runs' traces are not this test's: the judge group starts at the end of traces.raw.
    const admin = new Kafka({ clientId: 'judge-oversized-admin', brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(traceRawContract.topic);
      await admin.setOffsets({ groupId: JUDGE_GROUP, topic: traceRawContract.topic, partitions: ends.map(({ partition, high }) => ({ partition, offset: high })) });
    } finally {
      await admin.disconnect();
    }
    await bus.subscribe({ groupId: `judge-oversized-dlq-${run}`, topics: [dlqOf(traceRawContract.topic)], handler: async (record) => void (record.key?.endsWith(run) && letters.push(record)) });
    judge = await startDistributedService(servers!, (env) => startApp([judgeService], { name: 'judge', defaultPort: 0, env }), { DISTILLERY_MAX_MESSAGE_BYTES: String(64 * 1024) });
    app = judge.app;
  }, 120_000);

  afterAll(async () => {
    await judge?.stop();
    await bus?.close();
  });

  it('dead-letters it as too-large and refines the next event on its partition', async () => {
    const conversationId = `conv_oversized_${run}`;
    const next = encodeEvent(traceRawContract, { ...traceRawContract.example, conversationId, turnId: `${conversationId}_2` }, { source: 'judge-oversized-test' });
    const oversized = encodeEvent(traceRawContract, { ...traceRawContract.example, conversationId, turnId: `${conversationId}_1`, userMessage: 'z'.repeat(100_000) }, { source: 'judge-oversized-test' });
    expect(next.key).toBe(oversized.key);
    await bus.publish(traceRawContract.topic, [oversized, next]);

    const refinedRows = async () => Number((await app.platform.database.dataSource.query('SELECT count(*)::int AS n FROM judge.refinements WHERE raw_event_id = $1', [next.headers['distillery-event-id']]))[0].n);
    await eventually(async () => (await refinedRows()) > 0, 'the event after the oversized one refined', 60_000);
    await eventually(() => letters.length === 1, 'the dead letter', 30_000);
    expect(letters[0]!.headers).toMatchObject({
      [DLQ_HEADERS.reason]: 'too-large',
      [DLQ_HEADERS.consumerGroup]: JUDGE_GROUP,
      [DLQ_HEADERS.sourceTopic]: traceRawContract.topic,
      [DLQ_HEADERS.valueBytes]: String(Buffer.byteLength(oversized.value)),
      [DLQ_HEADERS.truncated]: 'value',
      'distillery-event-id': oversized.headers['distillery-event-id'],
    });
    expect(letters[0]!.value!.length).toBeLessThanOrEqual(64 * 1024);
    expect(await consumersHealth(app)).toEqual({ status: 'up', stuck: [] });
  });
});
