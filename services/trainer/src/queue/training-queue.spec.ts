import { ComputeJobError } from '@distillery/compute';
import { type CheckpointBf16, checkpointBf16Contract, type DatasetReady, datasetReadyContract } from '@distillery/contracts';
import { createLogger } from '@distillery/service-kit';
import { type Database, openDatabase, Outbox } from '@distillery/storage';
import { eventually } from '@distillery/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JobNotCancellableError } from '../errors/job-not-cancellable.error.js';
import { TrainingJobNotFoundError } from '../errors/training-job-not-found.error.js';
import type { JobStatus, TrainingJobEntity } from '../jobs/training-job.entity.js';
import { TrainingJobStore } from '../jobs/training-job-store.js';
import type { TrainingSettings } from '../jobs/training-settings.js';
import { TRAINER_ENTITIES, TRAINER_MIGRATIONS } from '../trainer.schema.js';
import { TrainingQueue, type TrainingQueueOptions } from './training-queue.js';
import type { TrainingContext, TrainingRunner } from './training-runner.js';

const logger = createLogger('trainer-test', 'silent');
const settings: TrainingSettings = { preset: 'micro', stages: ['expand', 'cpt', 'sft', 'dpo'], device: 'cpu', seed: 0, evalLimit: 0 };
const datasetOf = (datasetId: string, version = 1): DatasetReady => ({ ...datasetReadyContract.example, datasetId, version, lineage: { datasetId, parentEventIds: [] } });
const checkpointOf = (job: TrainingJobEntity): CheckpointBf16 => ({ ...checkpointBf16Contract.example, checkpointId: `ckpt_${job.datasetId}`, lineage: { datasetId: job.datasetId, parentEventIds: [job.datasetEventId] } });

/** A runner the test drives: each job waits until the test succeeds or fails it, or until its signal aborts. */
function scriptedRunner() {
  const started: string[] = [];
  const contexts = new Map<string, TrainingContext>();
  const pending = new Map<string, { succeed: () => void; fail: (error: Error) => void }>();
  let concurrent = 0;
  let mostConcurrent = 0;
  const runner: TrainingRunner = (job, context) =>
    new Promise<CheckpointBf16>((resolve, reject) => {
      started.push(job.datasetId);
      contexts.set(job.datasetId, context);
      mostConcurrent = Math.max(mostConcurrent, ++concurrent);
      const settle = (then: () => void) => {
        if (!pending.delete(job.datasetId)) return;
        concurrent--;
        then();
      };
      pending.set(job.datasetId, { succeed: () => settle(() => resolve(checkpointOf(job))), fail: (error) => settle(() => reject(error)) });
      context.signal.addEventListener('abort', () => settle(() => reject(new Error(`aborted: ${String(context.signal.reason)}`))), { once: true });
    });
  return {
    runner,
    started,
    contexts,
    running: () => [...pending.keys()],
    mostConcurrent: () => mostConcurrent,
    succeed: (datasetId: string) => pending.get(datasetId)!.succeed(),
    fail: (datasetId: string, error: Error) => pending.get(datasetId)!.fail(error),
  };
}

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

  it('runs queued jobs oldest first, at most `slots` at a time, and announces each checkpoint with its success', async () => {
    for (const id of ['ds_a', 'ds_b', 'ds_c']) await enqueue(id);
    const scripted = scriptedRunner();
    let announced = 0;
    queue({ runner: scripted.runner, slots: 2, onSucceeded: () => announced++ });
    await eventually(() => scripted.started.length === 2, 'two jobs started', 10_000);
    expect(scripted.started).toEqual(['ds_a', 'ds_b']);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(scripted.started).toHaveLength(2);
    expect(await statusOf('ds_c')).toBe('queued');
    scripted.succeed('ds_a');
    await eventually(() => scripted.started.length === 3, 'the third job started in the freed slot', 10_000);
    scripted.succeed('ds_b');
    scripted.succeed('ds_c');
    await eventually(async () => (await store.list({ status: 'succeeded' })).length === 3, 'three jobs succeeded', 10_000);
    expect(scripted.mostConcurrent()).toBe(2);
    expect(announced).toBe(3);
    expect(await outboxCount()).toBe(3);
    const done = await job('ds_a');
    expect(done).toMatchObject({ status: 'succeeded', checkpointId: 'ckpt_ds_a', attempts: 1, runner: 'replica-a', error: null });
    const [event] = (await db.dataSource.query('SELECT topic, key, event_id AS "eventId" FROM trainer.outbox WHERE event_id = $1', [done.eventId])) as Array<Record<string, string>>;
    expect(event).toEqual({ topic: 'checkpoints.bf16', key: checkpointBf16Contract.example.modelId, eventId: done.eventId });
  });

  it('cancels a queued job before it runs and a running one through its signal; a finished job cannot be cancelled', async () => {
    await enqueue('ds_running');
    await enqueue('ds_waiting');
    const scripted = scriptedRunner();
    const ended: Array<[string, string]> = [];
    const trainer = queue({ runner: scripted.runner, onEnded: async (job, status) => void ended.push([job.datasetId, status]) });
    await eventually(() => scripted.started.length === 1, 'the first job started', 10_000);
    const waiting = await trainer.cancel((await job('ds_waiting')).id);
    expect(waiting).toMatchObject({ status: 'cancelled', cancelRequested: true });
    const running = await trainer.cancel((await job('ds_running')).id);
    expect(running).toMatchObject({ status: 'running', cancelRequested: true });
    await eventually(async () => (await statusOf('ds_running')) === 'cancelled', 'the running job cancelled', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(scripted.started).toEqual(['ds_running']);
    expect(ended).toEqual([['ds_waiting', 'cancelled'], ['ds_running', 'cancelled']]);
    expect(await outboxCount()).toBe(0);
    expect((await job('ds_running')).finishedAt).toBeInstanceOf(Date);
    await expect(trainer.cancel((await job('ds_running')).id)).rejects.toBeInstanceOf(JobNotCancellableError);
    await expect(trainer.cancel('job_nope')).rejects.toBeInstanceOf(TrainingJobNotFoundError);
  });

  it('stops a job cancelled through another replica at its next beat', async () => {
    await enqueue('ds_elsewhere');
    const scripted = scriptedRunner();
    queue({ runner: scripted.runner });
    await eventually(() => scripted.running().length === 1, 'the job running', 10_000);
    await store.requestCancel((await job('ds_elsewhere')).id);
    await eventually(async () => (await statusOf('ds_elsewhere')) === 'cancelled', 'the job cancelled at a beat', 10_000);
    expect(String(scripted.contexts.get('ds_elsewhere')!.signal.reason)).toBe('cancelled by request');
  });

  it('records a failure with the compute job’s error text and announces nothing', async () => {
    await enqueue('ds_fails');
    const scripted = scriptedRunner();
    queue({ runner: scripted.runner });
    await eventually(() => scripted.running().length === 1, 'the job running', 10_000);
    scripted.fail('ds_fails', new ComputeJobError('python -m distillery_compute train', 1, null, ['Traceback (most recent call last):', 'RuntimeError: loss is nan at step 3']));
    await eventually(async () => (await statusOf('ds_fails')) === 'failed', 'the job failed', 10_000);
    const failed = await job('ds_fails');
    expect(failed.error).toContain('python -m distillery_compute train exited 1: Traceback (most recent call last): | RuntimeError: loss is nan at step 3');
    expect(failed.error).toContain('stderr (last lines):\nTraceback (most recent call last):\nRuntimeError: loss is nan at step 3');
    expect(await outboxCount()).toBe(0);
  });

  it('writes a running job’s progress to its row at most once a beat', async () => {
    await enqueue('ds_progress');
    const scripted = scriptedRunner();
    const beats: Array<boolean> = [];
    const counting = Object.create(store) as TrainingJobStore;
    counting.beat = (jobId, runner, snapshot) => {
      beats.push(snapshot !== undefined);
      return store.beat(jobId, runner, snapshot);
    };
    const started = Date.now();
    queue({ runner: scripted.runner, store: counting, beatMs: 100 });
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
    expect(row.heartbeatAt).toBeInstanceOf(Date);
    expect(beats.filter(Boolean).length).toBeLessThanOrEqual(1 + (Date.now() - started) / 100);
    scripted.succeed('ds_progress');
    await eventually(async () => (await statusOf('ds_progress')) === 'succeeded', 'the job succeeded', 10_000);
    expect((await job('ds_progress')).metrics).toEqual({ sft: { train_loss: 2 } });
  });

  it('gives running jobs back to the queue when it stops, and runs them again after', async () => {
    await enqueue('ds_drain');
    const first = scriptedRunner();
    const draining = queue({ runner: first.runner });
    await eventually(() => first.running().length === 1, 'the job running', 10_000);
    await draining.stop();
    expect(await job('ds_drain')).toMatchObject({ status: 'queued', runner: null, attempts: 1 });
    expect(String(first.contexts.get('ds_drain')!.signal.reason)).toBe('the trainer is shutting down');
    const second = scriptedRunner();
    queue({ runner: second.runner, replica: 'replica-b' });
    await eventually(() => second.running().length === 1, 'the job running again', 10_000);
    second.succeed('ds_drain');
    await eventually(async () => (await statusOf('ds_drain')) === 'succeeded', 'the job succeeded', 10_000);
    expect(await job('ds_drain')).toMatchObject({ attempts: 2, runner: 'replica-b' });
  });

  it('queues again a job whose replica stopped beating, and every running job at an embedded start', async () => {
    await enqueue('ds_stale');
    await enqueue('ds_fresh');
    const stale = (await store.claim('crashed-replica'))!;
    await db.dataSource.query(`UPDATE trainer.jobs SET heartbeat_at = now() - interval '1 hour' WHERE id = $1`, [stale.id]);
    const scripted = scriptedRunner();
    queue({ runner: scripted.runner, slots: 2, leaseMs: 60_000 });
    await eventually(() => scripted.started.length === 2, 'the stale job and the queued one running', 10_000);
    expect(scripted.started).toEqual(['ds_stale', 'ds_fresh']);
    await Promise.all(queues.splice(0).map((created) => created.stop()));
    await db.dataSource.query('DELETE FROM trainer.jobs');

    await enqueue('ds_embedded');
    const orphan = (await store.list({ datasetId: 'ds_embedded' }))[0]!;
    await store.claim('the-previous-process');
    expect(await statusOf('ds_embedded')).toBe('running');
    const embedded = scriptedRunner();
    queue({ runner: embedded.runner, slots: 3, requeueAllOnStart: true, replica: 'replica-c' });
    await eventually(() => embedded.started.includes('ds_embedded'), 'the orphaned job running again', 10_000);
    expect((await store.get(orphan.id)).runner).toBe('replica-c');
  });
});
