/**
 * Needs a real Kafka broker and PostgreSQL (DISTILLERY_TEST_KAFKA_BROKERS, DISTILLERY_TEST_DATABASE_URL; `npm test` starts both);
 * not the compute plane: this trainer records jobs and runs none (DISTILLERY_TRAINER_SLOTS=0).
 * A datasets.ready record over the trainer's DISTILLERY_MAX_MESSAGE_BYTES (64 KiB here; the broker
 * takes it) is dead-lettered as `too-large` and the trainer records a job for the event after it
 * on the same partition; /health reports no stuck consumer. The bus's own tests cover the rest (a
 * compressed 1.2 MB record at the default limit, a consumer reported stuck and then not).
 */
import { randomUUID } from 'node:crypto';
import { type BusRecord, KafkaBus } from '@distillery/bus';
import { datasetReadyContract, DLQ_HEADERS, dlqOf, encodeEvent } from '@distillery/contracts';
import { type RunningApp, startApp } from '@distillery/service-kit';
import { consumersHealth, type DistributedService, eventually, integrationServers, startDistributedService } from '@distillery/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAINER_GROUP } from '../src/consumers/dataset-ready.consumer.js';
import { trainerService } from '../src/trainer.service-definition.js';

const servers = integrationServers();

describe.skipIf(!servers)('the trainer behind a datasets.ready record over the size limit', () => {
  const run = randomUUID().slice(0, 8);
  let trainer: DistributedService<RunningApp>;
  let app: RunningApp;
  let bus: KafkaBus;
  const letters: BusRecord[] = [];

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: servers!.kafkaBrokers, clientId: 'trainer-oversized-test' });
    await bus.ensureTopics([datasetReadyContract.topic, dlqOf(datasetReadyContract.topic)]);
    await bus.subscribe({ groupId: `trainer-oversized-dlq-${run}`, topics: [dlqOf(datasetReadyContract.topic)], handler: async (record) => void (record.key?.endsWith(run) && letters.push(record)) });
    trainer = await startDistributedService(servers!, (env) => startApp([trainerService], { name: 'trainer', defaultPort: 0, env }), {
      DISTILLERY_MAX_MESSAGE_BYTES: String(64 * 1024),
      DISTILLERY_TRAINER_SLOTS: '0',
      DISTILLERY_TRAINER_MODEL_ID: `student-oversized-${run}`,
    });
    app = trainer.app;
  }, 120_000);

  afterAll(async () => {
    await trainer?.stop();
    await bus?.close();
  });

  it('dead-letters it as too-large and records a job for the next event on its partition', async () => {
    const datasetId = `ds_oversized_${run}`;
    const version = (n: number) => encodeEvent(datasetReadyContract, { ...datasetReadyContract.example, datasetId, version: n }, { source: 'trainer-oversized-test' });
    const first = version(1);
    const next = version(2);
    const oversized = { ...first, value: JSON.stringify({ ...JSON.parse(first.value), padding: 'z'.repeat(100_000) }) };
    await bus.publish(datasetReadyContract.topic, [oversized, next]);

    const jobs = async () => (await app.platform.database.dataSource.query('SELECT dataset_version FROM trainer.jobs WHERE dataset_id = $1', [datasetId])) as Array<{ dataset_version: number }>;
    await eventually(async () => (await jobs()).length > 0, 'a job for the event after the oversized one', 60_000);
    await eventually(() => letters.length === 1, 'the dead letter', 30_000);
    expect((await jobs()).map((job) => job.dataset_version)).toEqual([2]);
    expect(letters[0]!.headers).toMatchObject({
      [DLQ_HEADERS.reason]: 'too-large',
      [DLQ_HEADERS.consumerGroup]: TRAINER_GROUP,
      [DLQ_HEADERS.sourceTopic]: datasetReadyContract.topic,
      [DLQ_HEADERS.valueBytes]: String(Buffer.byteLength(oversized.value)),
      [DLQ_HEADERS.truncated]: 'value',
    });
    expect(await consumersHealth(app)).toEqual({ status: 'up', stuck: [] });
  });
});
