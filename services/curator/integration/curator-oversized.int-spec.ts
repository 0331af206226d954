/**
 * Needs a real Kafka broker and PostgreSQL (DISTILLERY_TEST_KAFKA_BROKERS, DISTILLERY_TEST_DATABASE_URL; `npm test` starts both).
 * A traces.refined record over the curator's DISTILLERY_MAX_MESSAGE_BYTES (64 KiB here; the broker
 * takes it) is dead-lettered as `too-large` and the curator stores the turn after it on the same
 * partition; /health reports no stuck consumer. The bus's own tests cover the rest (a compressed
 * 1.2 MB record at the default limit, a consumer reported stuck and then not).
 */
import { randomUUID } from 'node:crypto';
import { type BusRecord, KafkaBus } from '@distillery/bus';
import { DLQ_HEADERS, dlqOf, encodeEvent, traceRefinedContract } from '@distillery/contracts';
import { type RunningApp, startApp } from '@distillery/service-kit';
import { consumersHealth, type DistributedService, eventually, integrationServers, startDistributedService } from '@distillery/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFINED_TRACES_GROUP } from '../src/consumers/refined-trace.consumer.js';
import { curatorService } from '../src/curator.service-definition.js';

const servers = integrationServers();

describe.skipIf(!servers)('the curator behind a traces.refined record over the size limit', () => {
  const run = randomUUID().slice(0, 8);
  let curator: DistributedService<RunningApp>;
  let app: RunningApp;
  let bus: KafkaBus;
  const letters: BusRecord[] = [];

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: servers!.kafkaBrokers, clientId: 'curator-oversized-test' });
    await bus.ensureTopics([traceRefinedContract.topic, dlqOf(traceRefinedContract.topic)]);
    await bus.subscribe({ groupId: `curator-oversized-dlq-${run}`, topics: [dlqOf(traceRefinedContract.topic)], handler: async (record) => void (record.key?.endsWith(run) && letters.push(record)) });
    curator = await startDistributedService(servers!, (env) => startApp([curatorService], { name: 'curator', defaultPort: 0, env }), { DISTILLERY_MAX_MESSAGE_BYTES: String(64 * 1024) });
    app = curator.app;
  }, 120_000);

  afterAll(async () => {
    await curator?.stop();
    await bus?.close();
  });

  it('dead-letters it as too-large and stores the next turn on its partition', async () => {
    const conversationId = `conv_oversized_${run}`;
    const turn = (turnIndex: number) => encodeEvent(traceRefinedContract, { ...traceRefinedContract.example, conversationId, turnId: `${conversationId}_${turnIndex}`, turnIndex }, { source: 'curator-oversized-test' });
    const first = turn(1);
    const next = turn(2);
    const oversized = { ...first, value: JSON.stringify({ ...JSON.parse(first.value), padding: 'z'.repeat(100_000) }) };
    await bus.publish(traceRefinedContract.topic, [oversized, next]);

    const stored = async (turnId: string) => Number((await app.platform.database.dataSource.query('SELECT count(*)::int AS n FROM curator.refined_turns WHERE turn_id = $1', [turnId]))[0].n);
    await eventually(async () => (await stored(`${conversationId}_2`)) === 1, 'the turn after the oversized one stored', 60_000);
    await eventually(() => letters.length === 1, 'the dead letter', 30_000);
    expect(await stored(`${conversationId}_1`)).toBe(0);
    expect(letters[0]!.headers).toMatchObject({
      [DLQ_HEADERS.reason]: 'too-large',
      [DLQ_HEADERS.consumerGroup]: REFINED_TRACES_GROUP,
      [DLQ_HEADERS.sourceTopic]: traceRefinedContract.topic,
      [DLQ_HEADERS.valueBytes]: String(Buffer.byteLength(oversized.value)),
      [DLQ_HEADERS.truncated]: 'value',
    });
    expect(await consumersHealth(app)).toEqual({ status: 'up', stuck: [] });
  });
});
