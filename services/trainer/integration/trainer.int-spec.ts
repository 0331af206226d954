/**
 * Needs a real Kafka broker and PostgreSQL (DISTILLERY_TEST_KAFKA_BROKERS, DISTILLERY_TEST_DATABASE_URL; `npm test` starts both)
 * and the compute plane's venv (compute/bootstrap.sh). The trainer in distributed mode on a scratch database: a
 * datasets.ready event for a fixture dataset goes in over Kafka; a checkpoints.bf16 event comes out whose weights
 * hash, in the artifact store, to what it says, and the job's row holds every stage's figures; the same event
 * delivered again makes no second job, and a job is cancelled over HTTP. Micro preset, 2 steps a stage.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaBus, subscribeEvents, type Subscription } from '@distillery/bus';
import { computePython } from '@distillery/compute';
import { type CheckpointBf16, checkpointBf16Schema, checkpointBf16Contract, type DatasetReady, datasetReadyContract, encodeEvent, type EventEnvelope, type WireMessage } from '@distillery/contracts';
import { type RunningApp, startApp } from '@distillery/service-kit';
import { openDatabase } from '@distillery/storage';
import { apiFetch, createScratchDatabase, eventually, integrationServers } from '@distillery/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingJobEntity } from '../src/jobs/training-job.entity.js';
import { publishFixtureDataset } from '../src/testing/fixture-dataset.js';
import { trainerService } from '../src/trainer.service-definition.js';

const servers = integrationServers();
const python = computePython({});

describe.skipIf(!servers || !python)('the trainer on Kafka and PostgreSQL', () => {
  const run = randomUUID().slice(0, 8);
  // Unique per run: the broker's topics outlive the scratch database.
  const datasetId = `ds_int_${run}`;
  const campaignId = `camp_int_${run}`;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let dir: string;
  let app: RunningApp;
  let env: Record<string, string>;
  let bus: KafkaBus;
  let watcher: Subscription;
  let dataset: DatasetReady;
  let wire: WireMessage;
  const checkpoints: Array<EventEnvelope<CheckpointBf16>> = [];

  const api = async (path: string, method = 'GET') => {
    const response = await apiFetch(`${app.url}${path}`, { method });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  const jobs = async () => (await api(`/trainer/jobs?datasetId=${datasetId}`)).body as TrainingJobEntity[];
  const job = async (id: string) => (await api(`/trainer/jobs/${id}`)).body as TrainingJobEntity;
  const count = async (sql: string, params: unknown[]) => Number(((await app.platform.database.dataSource.query(sql, params)) as Array<{ n: number }>)[0]!.n);

  beforeAll(async () => {
    scratch = await createScratchDatabase(servers!.databaseUrl);
    dir = await mkdtemp(join(tmpdir(), 'distillery-trainer-int-'));
    env = {
      DISTILLERY_MODE: 'distributed',
      DISTILLERY_KAFKA_BROKERS: servers!.kafkaBrokers.join(','),
      DISTILLERY_DATABASE_URL: scratch.url,
      DISTILLERY_DATA_DIR: join(dir, 'data'),
      DISTILLERY_ARTIFACT_ROOT: `file://${join(dir, 'artifacts')}`,
      DISTILLERY_LOG_LEVEL: 'silent',
      DISTILLERY_TRAINER_PRESET: 'micro',
      DISTILLERY_TRAINER_MAX_STEPS: '2',
      DISTILLERY_TRAINER_EVAL_LIMIT: '0',
      DISTILLERY_TRAINER_DEVICE: 'cpu',
      DISTILLERY_TRAINER_MODEL_ID: `student-int-${run}`,
    };
    app = await startApp([trainerService], { name: 'trainer', defaultPort: 0, env });
    bus = new KafkaBus({ brokers: servers!.kafkaBrokers, clientId: 'trainer-int-test' });
    watcher = await subscribeEvents(bus, checkpointBf16Contract, {
      groupId: `trainer-int-${randomUUID()}`,
      handler: async (event) => {
        if (event.data.lineage.datasetId === datasetId) checkpoints.push(event);
      },
    });
    dataset = await publishFixtureDataset(app.platform.artifacts, { datasetId, campaignId });
    wire = encodeEvent(datasetReadyContract, dataset, { source: 'curator' });
  }, 180_000);

  afterAll(async () => {
    await watcher?.stop();
    await bus?.close();
    await app?.close();
    await scratch?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('turns a datasets.ready event into a checkpoints.bf16 event with the student in the artifact store', async () => {
    await bus.publish(datasetReadyContract.topic, [wire]);
    await eventually(() => checkpoints.length > 0, 'checkpoints.bf16 for the dataset', 240_000, 200).catch(async (error: Error) => {
      throw new Error(`${error.message}; jobs: ${JSON.stringify(await jobs(), null, 1).slice(0, 4000)}`);
    });
    const { id: eventId, data } = checkpoints[0]!;
    const checkpoint = checkpointBf16Schema.parse(data);

    const weights = await readFile(app.platform.artifacts.pathOf(checkpoint.weights));
    expect(createHash('sha256').update(weights).digest('hex')).toBe(checkpoint.weights.sha256);
    expect(weights.length).toBe(checkpoint.weights.size);
    expect(checkpoint.weights.kind).toBe('safetensors');
    expect(checkpoint.stages.map((stage) => stage.stage)).toEqual(['bootstrap', 'expand', 'cpt', 'sft', 'dpo']);
    for (const stage of checkpoint.stages) expect(stage.metrics.held_out_loss).toBeGreaterThan(0);
    expect(checkpoint.stages.find((stage) => stage.stage === 'dpo')?.metrics).toMatchObject({ steps: 2, train_loss: expect.any(Number), preference_accuracy: expect.any(Number) });
    expect(checkpoint.lineage).toEqual({ campaignId, datasetId, checkpointId: checkpoint.checkpointId, parentEventIds: [wire.headers['distillery-event-id']] });

    const manifest = await app.platform.artifacts.getManifest(checkpoint.manifest);
    expect(manifest).toMatchObject({ id: checkpoint.checkpointId, kind: 'checkpoint', createdBy: 'trainer' });
    expect(manifest.parents).toEqual([{ kind: 'dataset', id: `${datasetId}.v1`, sha256: dataset.manifest.sha256 }]);
    expect(Object.keys(manifest.files).sort()).toEqual(['config.json', 'manifest.json', 'model.safetensors', 'report.json', 'tokenizer.json', 'tokenizer_config.json']);
    expect(manifest.files['model.safetensors']).toEqual(checkpoint.weights);
    const studentFiles = JSON.parse((await app.platform.artifacts.get(manifest.files['manifest.json']!)).toString('utf8')) as { files: Record<string, { sha256: string }> };
    for (const [name, file] of Object.entries(studentFiles.files)) expect(manifest.files[name]?.sha256).toBe(file.sha256);
    expect(manifest.attributes).toMatchObject({ training: { preset: 'micro', maxSteps: 2, stages: ['expand', 'cpt', 'sft', 'dpo'] }, dataset: { datasetId, version: 1 } });

    const [job, ...others] = await jobs();
    expect(others).toEqual([]);
    expect(job).toMatchObject({ status: 'succeeded', datasetVersion: 1, checkpointId: checkpoint.checkpointId, eventId, attempts: 1, error: null, stage: 'dpo', cancelRequested: false });
    expect(Object.keys(job!.metrics!).sort()).toEqual(['bootstrap', 'cpt', 'dpo', 'expand', 'sft']); // jsonb keeps no key order; `stages` does
    expect(job!.metrics!.sft).toMatchObject({ train_loss: expect.any(Number), held_out_loss: expect.any(Number), steps: 2 });
    expect(job!.stages.map((stage) => [stage.stage, stage.skipped])).toEqual([['bootstrap', false], ['expand', false], ['cpt', false], ['sft', false], ['dpo', false]]);
    expect((await api(`/trainer/jobs/${job!.id}`)).body).toMatchObject({ id: job!.id, status: 'succeeded' });
    // The run dir goes once the student is in the artifact store.
    await eventually(() => !existsSync(join(dir, 'data', 'trainer', job!.id)), 'the run dir removed', 10_000);
    expect(await count('SELECT count(*)::int AS n FROM trainer.outbox WHERE event_id = $1 AND published_at IS NOT NULL', [eventId])).toBe(1);
  });

  it('makes no second job when the same event is delivered again, and cancels a job over HTTP', async () => {
    const eventId = wire.headers['distillery-event-id'];
    // The same event again, then version 2 of the dataset on the same key (same partition, after it): once its job exists, the redelivery was handled.
    await bus.publish(datasetReadyContract.topic, [wire, encodeEvent(datasetReadyContract, { ...dataset, version: 2 }, { source: 'curator' })]);
    await eventually(async () => (await jobs()).length === 2, 'the job of version 2', 60_000, 100);
    const later = (await jobs()).find((job) => job.datasetVersion === 2)!;
    // Cancel it while its compute job runs (its first progress reached the row): the Python process is stopped.
    await eventually(async () => (await job(later.id)).stage !== null, 'version 2 training', 60_000, 100);
    const cancel = await api(`/trainer/jobs/${later.id}/cancel`, 'POST');
    expect(cancel.status).toBe(202);
    expect(cancel.body).toMatchObject({ id: later.id, cancelRequested: true });
    await eventually(async () => (await job(later.id)).status === 'cancelled', 'the cancelled job', 60_000, 100);
    expect((await job(later.id)).checkpointId).toBeNull();

    expect((await jobs()).filter((job) => job.datasetVersion === 1)).toHaveLength(1);
    expect(await count(`SELECT count(*)::int AS n FROM trainer.inbox WHERE consumer_group = 'trainer' AND event_id = $1`, [eventId])).toBe(1);
    expect((await api(`/trainer/jobs/${later.id}/cancel`, 'POST')).status).toBe(409);
    expect((await api('/trainer/jobs/job_unknown')).status).toBe(404);
    expect((await api('/trainer/jobs?status=paused')).status).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(checkpoints).toHaveLength(1);
  });

  it('gives a running job back to the queue when it drains, and a new replica resumes it from its run dir', async () => {
    // Enough steps that the drain comes mid-run on a fast machine too (2 steps a stage finish in about a second, after Python's start; 60 were not enough on the CI runner).
    await app.close();
    env = { ...env, DISTILLERY_TRAINER_MAX_STEPS: '200' };
    app = await startApp([trainerService], { name: 'trainer', defaultPort: 0, env });
    await bus.publish(datasetReadyContract.topic, [encodeEvent(datasetReadyContract, { ...dataset, version: 3 }, { source: 'curator' })]);
    await eventually(async () => (await jobs()).some((job) => job.datasetVersion === 3 && job.stages.length >= 1), 'version 3 past its first stage', 120_000, 100);
    const resumed = (await jobs()).find((job) => job.datasetVersion === 3)!;
    await app.close();
    const db = await openDatabase({ target: { kind: 'postgres', url: scratch.url, poolSize: 1 }, schemas: [] });
    try {
      expect(await db.dataSource.query('SELECT status, runner, attempts FROM trainer.jobs WHERE id = $1', [resumed.id])).toEqual([{ status: 'queued', runner: null, attempts: 1 }]);
    } finally {
      await db.close();
    }
    app = await startApp([trainerService], { name: 'trainer', defaultPort: 0, env });
    await eventually(() => checkpoints.some((event) => event.data.checkpointId === `ckpt_${resumed.id.replace(/^job_/, '')}`), 'the resumed job’s checkpoint', 240_000, 200);
    const done = await job(resumed.id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2 });
    // The stages finished before the drain were found in the run dir, not trained again.
    const skipped = done.stages.filter((stage) => stage.skipped).map((stage) => stage.stage);
    expect(skipped.length).toBeGreaterThanOrEqual(1);
    expect(skipped).toEqual(done.stages.slice(0, skipped.length).map((stage) => stage.stage));
  });
});
