import { type CheckpointBf16, checkpointBf16Contract, type DatasetReady, datasetReadyContract, drafterReadyContract } from '@distillery/contracts';
import { JobNotCancellableError, type JobStatus } from '@distillery/jobs';
import { createLogger } from '@distillery/service-kit';
import { type Database, openDatabase, Outbox } from '@distillery/storage';
import { eventually, scriptedRunner } from '@distillery/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DrafterDatasetCatalog } from '../datasets/dataset-catalog.js';
import { DRAFTER_ENTITIES, DRAFTER_MIGRATIONS } from '../drafter.schema.js';
import { DrafterJobNotFoundError } from '../errors/drafter-job-not-found.error.js';
import type { DrafterJobEntity } from '../jobs/drafter-job.entity.js';
import { type DraftedOutcome, DrafterJobStore } from '../jobs/drafter-job-store.js';
import type { DraftingSettings } from '../jobs/drafting-settings.js';
import { DraftingQueue, type DraftingQueueOptions } from './drafting-queue.js';
import type { DraftingContext } from './drafting-runner.js';

const logger = createLogger('drafter-test', 'silent');
const settings: DraftingSettings = { variants: ['combined'], steps: 6, draftVocab: 64, tttSteps: 7, maxNewTokens: 24, maxTokens: 1024, evalLimit: 3, evalMaxTokens: 24 };
const checkpointOf = (checkpointId: string, parentEventIds = [`evt_ds_${checkpointId}`]): CheckpointBf16 => ({
  ...checkpointBf16Contract.example,
  modelId: 'student-test',
  checkpointId,
  lineage: { datasetId: 'ds_test', checkpointId, parentEventIds },
});
const datasetOf = (version: number): DatasetReady => ({ ...datasetReadyContract.example, datasetId: 'ds_test', version, parts: { eagle: datasetReadyContract.example.parts.sft!, eval: datasetReadyContract.example.parts.sft! } });
const outcomeOf = (job: DrafterJobEntity): DraftedOutcome => {
  const drafter = { ...drafterReadyContract.example, modelId: job.modelId, checkpointId: job.checkpointId, drafterId: `eagle_${job.checkpointId}`, metrics: { acceptanceLength: 2.5, chainAcceptanceLength: 2.1 } };
  return { drafter, stored: { manifest: drafter.manifest, weights: drafter.weights, config: drafter.manifest }, best: 'combined' };
};

/** A runner the test drives, by checkpoint: each job waits until the test succeeds or fails it, or until its signal aborts. */
const scriptedJobs = () => scriptedRunner<DrafterJobEntity, DraftingContext, DraftedOutcome>((job) => job.checkpointId, outcomeOf);

/**
 * The drafter's own part of its queue: a job per checkpoint, claimed once its dataset version is
 * known, what its row keeps of its drafter and results, the event that announces it, its errors and
 * its drain. The queue itself (slots, beats, cancel, failures, stale requeue) is JobQueue's,
 * specified in @distillery/jobs.
 */
describe('the drafting queue on PGlite, with a scripted runner in place of the compute plane', () => {
  let db: Database;
  let store: DrafterJobStore;
  let datasets: DrafterDatasetCatalog;
  const queues: DraftingQueue[] = [];

  const queue = (options: Partial<DraftingQueueOptions> & Pick<DraftingQueueOptions, 'runner'>) => {
    const created = new DraftingQueue({ store, slots: 1, replica: 'replica-a', logger, pollMs: 20, beatMs: 20, ...options });
    queues.push(created);
    created.start();
    return created;
  };
  const enqueue = async (checkpointId: string, options: { refusal?: string; dataset?: number | null } = {}) => {
    if (options.dataset !== null) await db.dataSource.transaction((manager) => datasets.record(manager, datasetOf(options.dataset ?? 1), `evt_ds_${checkpointId}`));
    return db.dataSource.transaction((manager) => store.enqueue(manager, { checkpoint: checkpointOf(checkpointId), eventId: `evt_${checkpointId}`, settings, ...(options.refusal ? { refusal: options.refusal } : {}) }));
  };
  const job = async (checkpointId: string) => (await store.list({ checkpointId }))[0]!;
  const statusOf = async (checkpointId: string): Promise<JobStatus> => (await job(checkpointId)).status;
  const outboxCount = async () => ((await db.dataSource.query('SELECT count(*)::int AS n FROM drafter.outbox')) as Array<{ n: number }>)[0]!.n;

  beforeAll(async () => {
    db = await openDatabase({ target: { kind: 'pglite', dataDir: 'memory://' }, schemas: ['drafter'], migrations: DRAFTER_MIGRATIONS, entities: DRAFTER_ENTITIES });
    store = new DrafterJobStore(db.dataSource, new Outbox('drafter'));
    datasets = new DrafterDatasetCatalog(db.dataSource);
  }, 60_000);
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((created) => created.stop()));
    await db.dataSource.query('DELETE FROM drafter.jobs');
    await db.dataSource.query('DELETE FROM drafter.datasets');
    await db.dataSource.query('DELETE FROM drafter.outbox');
  });
  afterAll(async () => db?.close());

  it('queues a checkpoint once, and records one that names no dataset as failed', async () => {
    expect((await enqueue('ckpt_once')).kind).toBe('queued');
    expect((await enqueue('ckpt_once')).kind).toBe('already-drafted');
    const refused = await enqueue('ckpt_orphan', { refusal: 'checkpoint ckpt_orphan names no datasets.ready event' });
    expect(refused).toMatchObject({ kind: 'refused', job: { status: 'failed', error: 'checkpoint ckpt_orphan names no datasets.ready event' } });
    expect((await enqueue('ckpt_orphan')).kind).toBe('queued');
    expect(await store.countByStatus()).toEqual({ queued: 2, running: 0, succeeded: 0, failed: 1, cancelled: 0 });
  });

  it('runs a job once the dataset version its checkpoint names is recorded, one at a time, and announces each drafter with its success', async () => {
    await enqueue('ckpt_waits', { dataset: null });
    await enqueue('ckpt_a');
    await enqueue('ckpt_b', { dataset: 2 });
    const scripted = scriptedJobs();
    let announced = 0;
    queue({ runner: scripted.runner, onSucceeded: () => announced++ });
    await eventually(() => scripted.started.length === 1, 'a job started', 10_000);
    expect(scripted.started).toEqual(['ckpt_a']);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(scripted.started).toHaveLength(1);
    scripted.succeed('ckpt_a');
    await eventually(() => scripted.started.length === 2, 'the next job in the freed slot', 10_000);
    expect(scripted.started).toEqual(['ckpt_a', 'ckpt_b']);
    expect(await job('ckpt_b')).toMatchObject({ status: 'running', datasetEventId: 'evt_ds_ckpt_b', datasetVersion: 2 });
    scripted.succeed('ckpt_b');
    await eventually(async () => (await statusOf('ckpt_b')) === 'succeeded', 'ckpt_b succeeded', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await job('ckpt_waits')).toMatchObject({ status: 'queued', datasetEventId: null, datasetEventIds: ['evt_ds_ckpt_waits'] });
    await db.dataSource.transaction((manager) => datasets.record(manager, datasetOf(3), 'evt_ds_ckpt_waits'));
    await eventually(() => scripted.started.includes('ckpt_waits'), 'the waiting job started once its dataset was recorded', 10_000);
    scripted.succeed('ckpt_waits');
    await eventually(async () => (await store.list({ status: 'succeeded' })).length === 3, 'three jobs succeeded', 10_000);
    expect(scripted.mostConcurrent()).toBe(1);
    expect(announced).toBe(3);
    expect(await outboxCount()).toBe(3);
    const done = await job('ckpt_a');
    expect(done).toMatchObject({ status: 'succeeded', drafterId: 'eagle_ckpt_a', best: 'combined', metrics: { acceptanceLength: 2.5, chainAcceptanceLength: 2.1 }, attempts: 1, runner: 'replica-a', error: null, datasetVersion: 1 });
    const [event] = (await db.dataSource.query('SELECT topic, key FROM drafter.outbox WHERE event_id = $1', [done.eventId])) as Array<Record<string, string>>;
    expect(event).toEqual({ topic: 'drafters.ready', key: 'student-test' });
  });

  it('answers a cancel with the drafter’s own errors: an unknown job, a finished one', async () => {
    await enqueue('ckpt_waiting');
    const drafter = queue({ runner: scriptedJobs().runner, slots: 0 });
    const { id } = await job('ckpt_waiting');
    expect(await drafter.cancel(id)).toMatchObject({ status: 'cancelled', cancelRequested: true });
    const finished = drafter.cancel(id);
    await expect(finished).rejects.toBeInstanceOf(JobNotCancellableError);
    await expect(finished).rejects.toThrow(`drafter job "${id}" is cancelled: only queued and running jobs can be cancelled`);
    await expect(drafter.cancel('job_nope')).rejects.toBeInstanceOf(DrafterJobNotFoundError);
    await expect(store.get('job_nope')).rejects.toThrow('no drafter job "job_nope"');
  });

  it('gives a running job back to the queue when it drains, with its progress, and runs it again after', async () => {
    await enqueue('ckpt_drain');
    const first = scriptedJobs();
    const draining = queue({ runner: first.runner });
    await eventually(() => first.running().length === 1, 'the job running', 10_000);
    const ts = new Date().toISOString();
    first.contexts.get('ckpt_drain')!.progress.apply({ event: 'stage_start', ts, stage: 'data:in-domain' });
    first.contexts.get('ckpt_drain')!.progress.apply({ event: 'data', ts, examples: 6, skipped: 0, sets: ['in-domain'] });
    await draining.stop();
    expect(await job('ckpt_drain')).toMatchObject({ status: 'queued', runner: null, attempts: 1, stage: 'data:in-domain', results: { data: { 'in-domain': { examples: 6 } } } });
    expect(String(first.contexts.get('ckpt_drain')!.signal.reason)).toBe('the drafter is shutting down');
    const second = scriptedJobs();
    queue({ runner: second.runner, replica: 'replica-b' });
    await eventually(() => second.running().length === 1, 'the job running again', 10_000);
    expect(second.contexts.get('ckpt_drain')!.progress.snapshot.results.data).toEqual({ 'in-domain': { examples: 6, skipped: 0, sets: ['in-domain'] } });
    second.succeed('ckpt_drain');
    await eventually(async () => (await statusOf('ckpt_drain')) === 'succeeded', 'the job succeeded', 10_000);
    expect(await job('ckpt_drain')).toMatchObject({ attempts: 2, runner: 'replica-b' });
  });
});
