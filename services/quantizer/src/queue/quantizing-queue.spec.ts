import { type CheckpointBf16, checkpointBf16Contract, checkpointFp8Contract, type DatasetReady, datasetReadyContract, type DrafterReady, drafterReadyContract } from '@distillery/contracts';
import { JobNotCancellableError, type JobStatus } from '@distillery/jobs';
import { createLogger } from '@distillery/service-kit';
import { type Database, openDatabase, Outbox } from '@distillery/storage';
import { eventually, scriptedRunner } from '@distillery/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointCatalog } from '../catalog/checkpoint-catalog.js';
import { QuantizerDatasetCatalog } from '../catalog/dataset-catalog.js';
import { QuantizerJobNotFoundError } from '../errors/quantizer-job-not-found.error.js';
import type { QuantizerJobEntity } from '../jobs/quantizer-job.entity.js';
import { type QuantizedOutcome, QuantizerJobStore } from '../jobs/quantizer-job-store.js';
import type { QuantizingSettings } from '../jobs/quantizing-settings.js';
import { QUANTIZER_ENTITIES, QUANTIZER_MIGRATIONS } from '../quantizer.schema.js';
import { QuantizingQueue, type QuantizingQueueOptions } from './quantizing-queue.js';
import type { QuantizingContext } from './quantizing-runner.js';

const logger = createLogger('quantizer-test', 'silent');
const settings: QuantizingSettings = { set: 'mixed', length: 32, samples: 2, testLimit: 2, testMaxTokens: 64, evalLimit: 2, evalMaxTokens: 8, quantizeLmHead: false };
const checkpointOf = (checkpointId: string, parentEventIds = [`evt_ds_${checkpointId}`]): CheckpointBf16 => ({
  ...checkpointBf16Contract.example,
  modelId: 'student-test',
  checkpointId,
  lineage: { datasetId: 'ds_test', checkpointId, parentEventIds },
});
const drafterOf = (checkpointId: string, drafterId: string): DrafterReady => ({ ...drafterReadyContract.example, modelId: 'student-test', checkpointId, drafterId, lineage: { checkpointId, drafterId, parentEventIds: [] } });
const datasetOf = (version: number): DatasetReady => ({ ...datasetReadyContract.example, datasetId: 'ds_test', version, parts: { calibration: datasetReadyContract.example.parts.sft!, eval: datasetReadyContract.example.parts.sft! } });
/** The key a scripted job is driven by: the checkpoint, and the drafter of a drafter's job. */
const keyOf = (job: Pick<QuantizerJobEntity, 'checkpointId' | 'drafterId'>) => (job.drafterId ? `${job.checkpointId}+${job.drafterId}` : job.checkpointId);
const outcomeOf = (job: QuantizerJobEntity): QuantizedOutcome => {
  const { drafter, ...example } = checkpointFp8Contract.example;
  const fp8 = { ...example, modelId: job.modelId, checkpointId: job.checkpointId, ...(job.drafterId ? { drafterId: job.drafterId, drafter } : {}), clipRates: { total: 1e-4 }, lineage: { checkpointId: job.checkpointId, parentEventIds: [] } };
  return { fp8Id: `fp8_${job.id}`, fp8, stored: { manifest: fp8.manifest, student: fp8.student, ...(job.drafterId ? { drafter } : {}) }, metrics: { clipRate: 1e-4, greedyAgreement: 1 } };
};

/** A runner the test drives, by checkpoint (and drafter): each job waits until the test succeeds or fails it, or until its signal aborts. */
const scriptedJobs = () => scriptedRunner<QuantizerJobEntity, QuantizingContext, QuantizedOutcome>(keyOf, outcomeOf);

/**
 * The quantizer's own part of its queue: a job per student and per student and drafter, claimed once
 * the student's checkpoint and dataset version are known — a drafter's after its student's own job
 * ended — what its row keeps, the event that announces it, its errors and its drain. The queue
 * itself (slots, beats, cancel, failures, stale requeue) is JobQueue's, specified in @distillery/jobs.
 */
describe('the quantizing queue on PGlite, with a scripted runner in place of the compute plane', () => {
  let db: Database;
  let store: QuantizerJobStore;
  let datasets: QuantizerDatasetCatalog;
  let checkpoints: CheckpointCatalog;
  const queues: QuantizingQueue[] = [];

  const queue = (options: Partial<QuantizingQueueOptions> & Pick<QuantizingQueueOptions, 'runner'>) => {
    const created = new QuantizingQueue({ store, slots: 1, replica: 'replica-a', logger, pollMs: 20, beatMs: 20, ...options });
    queues.push(created);
    created.start();
    return created;
  };
  const recordDataset = (eventId: string, version = 1) => db.dataSource.transaction((manager) => datasets.record(manager, datasetOf(version), eventId));
  /** What the checkpoints.bf16 consumer does with a checkpoint: record it and queue its student's job, in one transaction. */
  const announce = async (checkpointId: string, options: { refusal?: string; dataset?: number | null; eventId?: string } = {}) => {
    if (options.dataset !== null) await recordDataset(`evt_ds_${checkpointId}`, options.dataset ?? 1);
    const checkpoint = checkpointOf(checkpointId);
    const eventId = options.eventId ?? `evt_${checkpointId}`;
    return db.dataSource.transaction(async (manager) => {
      await checkpoints.record(manager, checkpoint, eventId);
      return store.enqueueStudent(manager, { checkpoint, eventId, settings, ...(options.refusal ? { refusal: options.refusal } : {}) });
    });
  };
  const announceDrafter = (checkpointId: string, drafterId: string) => db.dataSource.transaction((manager) => store.enqueueDrafter(manager, { drafter: drafterOf(checkpointId, drafterId), eventId: `evt_${drafterId}`, settings }));
  const job = async (checkpointId: string, drafterId?: string) => (await store.list({ checkpointId })).find((row) => row.drafterId === (drafterId ?? null))!;
  const statusOf = async (checkpointId: string, drafterId?: string): Promise<JobStatus> => (await job(checkpointId, drafterId)).status;
  const outbox = async () =>
    ((await db.dataSource.query('SELECT topic, key, value FROM quantizer.outbox ORDER BY seq')) as Array<{ topic: string; key: string; value: string }>).map((row) => ({ ...row, value: JSON.parse(row.value) as unknown }));

  beforeAll(async () => {
    db = await openDatabase({ target: { kind: 'pglite', dataDir: 'memory://' }, schemas: ['quantizer'], migrations: QUANTIZER_MIGRATIONS, entities: QUANTIZER_ENTITIES });
    store = new QuantizerJobStore(db.dataSource, new Outbox('quantizer'));
    datasets = new QuantizerDatasetCatalog(db.dataSource);
    checkpoints = new CheckpointCatalog(db.dataSource);
  }, 60_000);
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((created) => created.stop()));
    for (const table of ['jobs', 'datasets', 'checkpoints', 'outbox']) await db.dataSource.query(`DELETE FROM quantizer.${table}`);
  });
  afterAll(async () => db?.close());

  it('queues a student once and a student with each drafter once, and records a checkpoint that names no dataset as failed', async () => {
    expect((await announce('ckpt_once')).kind).toBe('queued');
    expect((await announce('ckpt_once', { eventId: 'evt_again' })).kind).toBe('already-quantized');
    expect((await announceDrafter('ckpt_once', 'eagle_1')).kind).toBe('queued');
    expect((await announceDrafter('ckpt_once', 'eagle_1')).kind).toBe('already-quantized');
    expect((await announceDrafter('ckpt_once', 'eagle_2')).kind).toBe('queued');
    const refused = await announce('ckpt_orphan', { refusal: 'checkpoint ckpt_orphan names no datasets.ready event' });
    expect(refused).toMatchObject({ kind: 'refused', job: { status: 'failed', drafterId: null, error: 'checkpoint ckpt_orphan names no datasets.ready event' } });
    expect((await announce('ckpt_orphan', { eventId: 'evt_orphan_2' })).kind).toBe('queued');
    expect(await store.countByStatus()).toEqual({ queued: 4, running: 0, succeeded: 0, failed: 1, cancelled: 0 });
    expect(await job('ckpt_once', 'eagle_1')).toMatchObject({ sourceEventId: 'evt_eagle_1', checkpointEventId: null, drafter: { drafterId: 'eagle_1' }, settings, results: { calibration: null, clipRates: {} } });
    expect(await job('ckpt_once')).toMatchObject({ sourceEventId: 'evt_ckpt_once', checkpointEventId: 'evt_ckpt_once', datasetId: 'ds_test', drafter: null });
    expect((await store.list({ drafterId: 'eagle_2' })).map((row) => row.drafterId)).toEqual(['eagle_2']);
  });

  it('runs the student’s job once its dataset is recorded, then its drafter’s, one at a time, and announces each on checkpoints.fp8', async () => {
    await announceDrafter('ckpt_a', 'eagle_a'); // before its checkpoint: it waits for it
    await announce('ckpt_waits', { dataset: null });
    await announce('ckpt_a', { dataset: 2 });
    const scripted = scriptedJobs();
    let announced = 0;
    queue({ runner: scripted.runner, onSucceeded: () => announced++ });
    await eventually(() => scripted.started.length === 1, 'a job started', 10_000);
    expect(scripted.started).toEqual(['ckpt_a']); // the drafter's job waits for the student's own
    expect(await job('ckpt_a')).toMatchObject({ status: 'running', checkpointEventId: 'evt_ckpt_a', datasetEventId: 'evt_ds_ckpt_a', datasetVersion: 2, datasetId: 'ds_test' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(scripted.started).toHaveLength(1);
    scripted.succeed('ckpt_a');
    await eventually(() => scripted.started.length === 2, 'the drafter’s job in the freed slot', 10_000);
    expect(scripted.started).toEqual(['ckpt_a', 'ckpt_a+eagle_a']);
    expect(await job('ckpt_a', 'eagle_a')).toMatchObject({ status: 'running', checkpointEventId: 'evt_ckpt_a', datasetEventId: 'evt_ds_ckpt_a', datasetVersion: 2 });
    scripted.succeed('ckpt_a+eagle_a');
    await eventually(async () => (await statusOf('ckpt_a', 'eagle_a')) === 'succeeded', 'the drafter’s job succeeded', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await job('ckpt_waits')).toMatchObject({ status: 'queued', datasetEventId: null });
    await recordDataset('evt_ds_ckpt_waits', 3);
    await eventually(() => scripted.started.includes('ckpt_waits'), 'the waiting job started once its dataset was recorded', 10_000);
    scripted.succeed('ckpt_waits');
    await eventually(async () => (await store.list({ status: 'succeeded' })).length === 3, 'three jobs succeeded', 10_000);
    expect(scripted.mostConcurrent()).toBe(1);
    expect(announced).toBe(3);
    const done = await job('ckpt_a', 'eagle_a');
    expect(done).toMatchObject({ status: 'succeeded', fp8Id: `fp8_${done.id}`, metrics: { clipRate: 1e-4, greedyAgreement: 1 }, fp8: { drafter: checkpointFp8Contract.example.drafter }, attempts: 1, runner: 'replica-a', error: null });
    const events = await outbox();
    expect(events.map((event) => [event.topic, event.key])).toEqual([
      ['checkpoints.fp8', 'student-test'],
      ['checkpoints.fp8', 'student-test'],
      ['checkpoints.fp8', 'student-test'],
    ]);
    expect(events[1]!.value).toMatchObject({ data: { checkpointId: 'ckpt_a', drafterId: 'eagle_a' } });
  });

  it('runs a drafter’s job after its student’s own ended however it ended, and one whose checkpoint was never announced not at all', async () => {
    await announce('ckpt_failing');
    await announceDrafter('ckpt_failing', 'eagle_f');
    await announceDrafter('ckpt_unknown', 'eagle_u');
    const scripted = scriptedJobs();
    queue({ runner: scripted.runner });
    await eventually(() => scripted.started.length === 1, 'the student’s job started', 10_000);
    scripted.fail('ckpt_failing', new Error('exit 1'));
    await eventually(() => scripted.started.includes('ckpt_failing+eagle_f'), 'the drafter’s job started', 10_000);
    expect(await job('ckpt_failing')).toMatchObject({ status: 'failed', error: 'Error: exit 1' });
    scripted.succeed('ckpt_failing+eagle_f');
    await eventually(async () => (await statusOf('ckpt_failing', 'eagle_f')) === 'succeeded', 'the drafter’s job succeeded', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await job('ckpt_unknown', 'eagle_u')).toMatchObject({ status: 'queued', checkpointEventId: null });
    expect(scripted.started).toEqual(['ckpt_failing', 'ckpt_failing+eagle_f']);
  });

  it('answers a cancel with the quantizer’s own errors: an unknown job, a finished one', async () => {
    await announce('ckpt_waiting');
    const quantizer = queue({ runner: scriptedJobs().runner, slots: 0 });
    const { id } = await job('ckpt_waiting');
    expect(await quantizer.cancel(id)).toMatchObject({ status: 'cancelled', cancelRequested: true });
    const finished = quantizer.cancel(id);
    await expect(finished).rejects.toBeInstanceOf(JobNotCancellableError);
    await expect(finished).rejects.toThrow(`quantizer job "${id}" is cancelled: only queued and running jobs can be cancelled`);
    await expect(quantizer.cancel('job_nope')).rejects.toBeInstanceOf(QuantizerJobNotFoundError);
    await expect(store.get('job_nope')).rejects.toThrow('no quantizer job "job_nope"');
    expect((await announce('ckpt_waiting', { eventId: 'evt_after_cancel' })).kind).toBe('queued'); // a cancelled student can be asked for again
  });

  it('gives a running job back to the queue when it drains, with its results, and runs it again after', async () => {
    await announce('ckpt_drain');
    const first = scriptedJobs();
    const draining = queue({ runner: first.runner });
    await eventually(() => first.running().length === 1, 'the job running', 10_000);
    const ts = new Date().toISOString();
    const { progress } = first.contexts.get('ckpt_drain')!;
    progress.calibration('computed');
    progress.apply({ event: 'stage_start', ts, stage: 'clip-rates' });
    progress.apply({ event: 'clip_rates', ts, set: 'mixed', '32': 1e-4 });
    await draining.stop();
    expect(await job('ckpt_drain')).toMatchObject({ status: 'queued', runner: null, attempts: 1, stage: 'clip-rates', results: { calibration: 'computed', clipRates: { mixed: { '32': 1e-4 } } } });
    expect(String(first.contexts.get('ckpt_drain')!.signal.reason)).toBe('the quantizer is shutting down');
    const second = scriptedJobs();
    queue({ runner: second.runner, replica: 'replica-b' });
    await eventually(() => second.running().length === 1, 'the job running again', 10_000);
    expect(second.contexts.get('ckpt_drain')!.progress.snapshot.results).toMatchObject({ calibration: 'computed', clipRates: { mixed: { '32': 1e-4 } } });
    second.succeed('ckpt_drain');
    await eventually(async () => (await statusOf('ckpt_drain')) === 'succeeded', 'the job succeeded', 10_000);
    expect(await job('ckpt_drain')).toMatchObject({ attempts: 2, runner: 'replica-b' });
  });
});
