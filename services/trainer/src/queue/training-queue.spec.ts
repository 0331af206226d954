import { type CheckpointBf16, checkpointBf16Contract, type DatasetReady, datasetReadyContract } from '@distillery/contracts';
import { JobNotCancellableError, type JobStatus } from '@distillery/jobs';
import { createLogger } from '@distillery/service-kit';
import { type Database, openDatabase, Outbox } from '@distillery/storage';
import { eventually, scriptedRunner } from '@distillery/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TrainingJobNotFoundError } from '../errors/training-job-not-found.error.js';
import type { TrainingJobEntity } from '../jobs/training-job.entity.js';
import { TrainingJobStore } from '../jobs/training-job-store.js';
import type { TrainingSettings } from '../jobs/training-settings.js';
import { TRAINER_ENTITIES, TRAINER_MIGRATIONS } from '../trainer.schema.js';
import { TrainingQueue, type TrainingQueueOptions } from './training-queue.js';
import type { TrainingContext } from './training-runner.js';

const logger = createLogger('trainer-test', 'silent');
const settings: TrainingSettings = { preset: 'micro', stages: ['expand', 'cpt', 'sft', 'dpo'], device: 'cpu', seed: 0, evalLimit: 0 };
const datasetOf = (datasetId: string, version = 1): DatasetReady => ({ ...datasetReadyContract.example, datasetId, version, lineage: { datasetId, parentEventIds: [] } });
const checkpointOf = (job: TrainingJobEntity): CheckpointBf16 => ({ ...checkpointBf16Contract.example, checkpointId: `ckpt_${job.datasetId}`, lineage: { datasetId: job.datasetId, parentEventIds: [job.datasetEventId] } });

/** A runner the test drives, by dataset: each job waits until the test succeeds or fails it, or until its signal aborts. */
const scriptedJobs = () => scriptedRunner<TrainingJobEntity, TrainingContext, CheckpointBf16>((job) => job.datasetId, checkpointOf);

/**
 * The trainer's own part of its queue: how a job is queued, what its row keeps of its progress and
 * its checkpoint, the event that announces it, its errors and its drain. The queue itself (slots,
 * beats, cancel, failures, stale requeue) is JobQueue's, specified in @distillery/jobs.
 */
describe('the training queue on PGlite, with a scripted runner in place of the compute plane', () => {
  let db: Database;
  let store: TrainingJobStore;
  const queues: TrainingQueue[] = [];

  const queue = (options: Partial<TrainingQueueOptions> & Pick<TrainingQueueOptions, 'runner'>) => {
    const created = new TrainingQueue({ store, slots: 1, replica: 'replica-a', logger, pollMs: 20, beatMs: 20, ...options });
    queues.push(created);
    created.start();
    return created;
  };
  const enqueue = async (datasetId: string, version = 1, refusal?: string) =>
    db.dataSource.transaction((manager) => store.enqueue(manager, { dataset: datasetOf(datasetId, version), eventId: `evt_${datasetId}_${version}`, modelId: 'student-test', settings, ...(refusal ? { refusal } : {}) }));
  const job = async (datasetId: string) => (await store.list({ datasetId }))[0]!;
  const statusOf = async (datasetId: string): Promise<JobStatus> => (await job(datasetId)).status;
  const outboxCount = async () => ((await db.dataSource.query('SELECT count(*)::int AS n FROM trainer.outbox')) as Array<{ n: number }>)[0]!.n;

  beforeAll(async () => {
    db = await openDatabase({ target: { kind: 'pglite', dataDir: 'memory://' }, schemas: ['trainer'], migrations: TRAINER_MIGRATIONS, entities: TRAINER_ENTITIES });
    store = new TrainingJobStore(db.dataSource, new Outbox('trainer'));
  }, 60_000);
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((created) => created.stop()));
    await db.dataSource.query('DELETE FROM trainer.jobs');
    await db.dataSource.query('DELETE FROM trainer.outbox');
  });
  afterAll(async () => db?.close());

  it('queues a dataset version once per model, and records an untrainable one as failed', async () => {
    expect((await enqueue('ds_once')).kind).toBe('queued');
    expect((await enqueue('ds_once')).kind).toBe('already-trained');
    expect((await enqueue('ds_once', 2)).kind).toBe('queued');
    const refused = await enqueue('ds_broken', 1, 'dataset ds_broken v1 has no dpo part');
    expect(refused).toMatchObject({ kind: 'refused', job: { status: 'failed', error: 'dataset ds_broken v1 has no dpo part' } });
    // A failed version may be announced again and trained.
    expect((await enqueue('ds_broken')).kind).toBe('queued');
  });

  it('writes a running job’s progress and finished stages to its row, and announces its checkpoint with its success', async () => {
    await enqueue('ds_progress');
    const scripted = scriptedJobs();
    let announced = 0;
    queue({ runner: scripted.runner, onSucceeded: () => announced++ });
    await eventually(() => scripted.running().length === 1, 'the job running', 10_000);
    const { progress } = scripted.contexts.get('ds_progress')!;
    const ts = new Date().toISOString();
    progress.apply({ event: 'stage_start', ts, stage: 'sft' });
    for (let step = 1; step <= 500; step++) progress.apply({ event: 'progress', ts, stage: 'sft', step, total: 500, loss: 3 - step / 500 });
    progress.apply({ event: 'stage_done', ts, stage: 'sft', checkpoint: '/run/sft/checkpoint', metrics: { train_loss: 2 }, skipped: false });
    await eventually(async () => (await job('ds_progress')).step === 500, 'the last step on the row', 10_000);
    const row = await job('ds_progress');
    expect(row).toMatchObject({ stage: 'sft', step: 500, total: 500, loss: 2, stages: [{ stage: 'sft', metrics: { train_loss: 2 }, skipped: false }] });
    expect(row.progress).toMatchObject({ stage: 'sft', step: 500 });
    scripted.succeed('ds_progress');
    await eventually(async () => (await statusOf('ds_progress')) === 'succeeded', 'the job succeeded', 10_000);
    const done = await job('ds_progress');
    expect(done).toMatchObject({ status: 'succeeded', checkpointId: 'ckpt_ds_progress', metrics: { sft: { train_loss: 2 } }, attempts: 1, runner: 'replica-a', error: null });
    expect(done.checkpoint).toEqual({ manifest: checkpointBf16Contract.example.manifest, weights: checkpointBf16Contract.example.weights });
    expect(announced).toBe(1);
    expect(await outboxCount()).toBe(1);
    const [event] = (await db.dataSource.query('SELECT topic, key, event_id AS "eventId" FROM trainer.outbox WHERE event_id = $1', [done.eventId])) as Array<Record<string, string>>;
    expect(event).toEqual({ topic: 'checkpoints.bf16', key: checkpointBf16Contract.example.modelId, eventId: done.eventId });
  });

  it('answers a cancel with the trainer’s own errors: an unknown job, a finished one', async () => {
    await enqueue('ds_waiting');
    const trainer = queue({ runner: scriptedJobs().runner, slots: 0 });
    const { id } = await job('ds_waiting');
    expect(await trainer.cancel(id)).toMatchObject({ status: 'cancelled', cancelRequested: true });
    const finished = trainer.cancel(id);
    await expect(finished).rejects.toBeInstanceOf(JobNotCancellableError);
    await expect(finished).rejects.toThrow(`training job "${id}" is cancelled: only queued and running jobs can be cancelled`);
    await expect(trainer.cancel('job_nope')).rejects.toBeInstanceOf(TrainingJobNotFoundError);
    await expect(store.get('job_nope')).rejects.toThrow('no training job "job_nope"');
  });

  it('gives running jobs back to the queue when it stops, with their finished stages, and runs them again after', async () => {
    await enqueue('ds_drain');
    const first = scriptedJobs();
    const draining = queue({ runner: first.runner });
    await eventually(() => first.running().length === 1, 'the job running', 10_000);
    const ts = new Date().toISOString();
    first.contexts.get('ds_drain')!.progress.apply({ event: 'stage_done', ts, stage: 'expand', metrics: { layers: 12 }, skipped: false });
    await draining.stop();
    expect(await job('ds_drain')).toMatchObject({ status: 'queued', runner: null, attempts: 1, stages: [{ stage: 'expand', metrics: { layers: 12 } }] });
    expect(String(first.contexts.get('ds_drain')!.signal.reason)).toBe('the trainer is shutting down');
    const second = scriptedJobs();
    queue({ runner: second.runner, replica: 'replica-b' });
    await eventually(() => second.running().length === 1, 'the job running again', 10_000);
    expect(second.contexts.get('ds_drain')!.progress.snapshot.stages).toEqual([{ stage: 'expand', metrics: { layers: 12 }, skipped: false }]);
    second.succeed('ds_drain');
    await eventually(async () => (await statusOf('ds_drain')) === 'succeeded', 'the job succeeded', 10_000);
    expect(await job('ds_drain')).toMatchObject({ attempts: 2, runner: 'replica-b' });
  });
});
