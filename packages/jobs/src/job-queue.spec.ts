import { ComputeJobError } from '@distillery/compute';
import { type CheckpointBf16, checkpointBf16Contract } from '@distillery/contracts';
import { type Database, openDatabase, Outbox } from '@distillery/storage';
import { eventually, scriptedRunner } from '@distillery/testing';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobContext } from './job-runner.js';
import type { JobStatus } from './job-status.js';
import { JobNotCancellableError } from './job-not-cancellable.error.js';
import {
  SAMPLER_ENTITIES,
  SAMPLER_MIGRATIONS,
  type SampleJobEntity,
  SampleJobNotFoundError,
  SampleJobStore,
  type SampleProgress,
  SampleQueue,
  type SampleQueueOptions,
} from './testing/sample-jobs.js';

const logger = pino({ level: 'silent' });
const checkpointOf = (job: SampleJobEntity): CheckpointBf16 => ({ ...checkpointBf16Contract.example, checkpointId: `ckpt_${job.name}` });

/** A runner the test drives, by job name: each job waits until the test succeeds or fails it, or until its signal aborts. */
const scriptedJobs = () => scriptedRunner<SampleJobEntity, JobContext<SampleProgress>, CheckpointBf16>((job) => job.name, checkpointOf);

describe('the job queue on PGlite, with a scripted runner in place of the compute plane', () => {
  let db: Database;
  let store: SampleJobStore;
  const queues: SampleQueue[] = [];

  const queue = (options: Partial<SampleQueueOptions> & Pick<SampleQueueOptions, 'runner'>) => {
    const created = new SampleQueue({ store, slots: 1, replica: 'replica-a', logger, pollMs: 20, beatMs: 20, ...options });
    queues.push(created);
    created.start();
    return created;
  };
  const enqueue = async (name: string) => db.dataSource.transaction((manager) => store.enqueue(manager, name));
  const job = async (name: string) => (await store.list({ name }))[0]!;
  const statusOf = async (name: string): Promise<JobStatus> => (await job(name)).status;
  const outboxCount = async () => ((await db.dataSource.query('SELECT count(*)::int AS n FROM sampler.outbox')) as Array<{ n: number }>)[0]!.n;

  beforeAll(async () => {
    db = await openDatabase({ target: { kind: 'pglite', dataDir: 'memory://' }, schemas: ['sampler'], migrations: SAMPLER_MIGRATIONS, entities: SAMPLER_ENTITIES });
    store = new SampleJobStore(db.dataSource, new Outbox('sampler'));
  }, 60_000);
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((created) => created.stop()));
    await db.dataSource.query('DELETE FROM sampler.jobs');
    await db.dataSource.query('DELETE FROM sampler.outbox');
  });
  afterAll(async () => db?.close());

  it('runs queued jobs oldest first, at most `slots` at a time, and announces each with its success', async () => {
    for (const name of ['a', 'b', 'c']) await enqueue(name);
    const scripted = scriptedJobs();
    const announced: string[] = [];
    queue({ runner: scripted.runner, slots: 2, onSucceeded: (done, checkpoint) => announced.push(`${done.name}:${checkpoint.checkpointId}`) });
    await eventually(() => scripted.started.length === 2, 'two jobs started', 10_000);
    expect(scripted.started).toEqual(['a', 'b']);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(scripted.started).toHaveLength(2);
    expect(await statusOf('c')).toBe('queued');
    scripted.succeed('a');
    await eventually(() => scripted.started.length === 3, 'the third job started in the freed slot', 10_000);
    scripted.succeed('b');
    scripted.succeed('c');
    await eventually(async () => (await store.list({ status: 'succeeded' })).length === 3, 'three jobs succeeded', 10_000);
    expect(scripted.mostConcurrent()).toBe(2);
    expect(announced).toEqual(['a:ckpt_a', 'b:ckpt_b', 'c:ckpt_c']);
    expect(await outboxCount()).toBe(3);
    const done = await job('a');
    expect(done).toMatchObject({ status: 'succeeded', checkpointId: 'ckpt_a', attempts: 1, runner: 'replica-a', error: null });
    expect(done.finishedAt).toBeInstanceOf(Date);
    const [event] = (await db.dataSource.query('SELECT topic, key, event_id AS "eventId", value FROM sampler.outbox WHERE event_id = $1', [done.eventId])) as Array<Record<string, string>>;
    expect(event).toMatchObject({ topic: 'checkpoints.bf16', key: checkpointBf16Contract.example.modelId, eventId: done.eventId });
    expect(JSON.parse(event!.value!)).toMatchObject({ id: done.eventId, source: 'sampler', data: { checkpointId: 'ckpt_a' } });
  });

  it('cancels a queued job before it runs and a running one through its signal; a finished job cannot be cancelled', async () => {
    await enqueue('running');
    await enqueue('waiting');
    const scripted = scriptedJobs();
    const ended: Array<[string, string]> = [];
    const sampler = queue({ runner: scripted.runner, onEnded: async (done, status) => void ended.push([done.name, status]) });
    await eventually(() => scripted.started.length === 1, 'the first job started', 10_000);
    const waiting = await sampler.cancel((await job('waiting')).id);
    expect(waiting).toMatchObject({ status: 'cancelled', cancelRequested: true });
    const running = await sampler.cancel((await job('running')).id);
    expect(running).toMatchObject({ status: 'running', cancelRequested: true });
    await eventually(async () => (await statusOf('running')) === 'cancelled', 'the running job cancelled', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(scripted.started).toEqual(['running']);
    expect(String(scripted.contexts.get('running')!.signal.reason)).toBe('cancelled by request');
    expect(ended).toEqual([
      ['waiting', 'cancelled'],
      ['running', 'cancelled'],
    ]);
    expect(await outboxCount()).toBe(0);
    expect((await job('running')).finishedAt).toBeInstanceOf(Date);
    const finished = sampler.cancel((await job('running')).id);
    await expect(finished).rejects.toBeInstanceOf(JobNotCancellableError);
    await expect(finished).rejects.toThrow(/^sample job "job_\w+" is cancelled: only queued and running jobs can be cancelled$/);
    await expect(sampler.cancel('job_nope')).rejects.toBeInstanceOf(SampleJobNotFoundError);
  });

  it('stops a job cancelled through another replica at its next beat', async () => {
    await enqueue('elsewhere');
    const scripted = scriptedJobs();
    queue({ runner: scripted.runner });
    await eventually(() => scripted.running().length === 1, 'the job running', 10_000);
    await store.requestCancel((await job('elsewhere')).id);
    await eventually(async () => (await statusOf('elsewhere')) === 'cancelled', 'the job cancelled at a beat', 10_000);
    expect(String(scripted.contexts.get('elsewhere')!.signal.reason)).toBe('cancelled by request');
  });

  it('records a failure with the compute job’s error text and announces nothing', async () => {
    await enqueue('fails');
    await enqueue('throws');
    const scripted = scriptedJobs();
    const ended: string[] = [];
    queue({ runner: scripted.runner, slots: 2, onEnded: async (done, status) => void ended.push(`${done.name}:${status}`) });
    await eventually(() => scripted.running().length === 2, 'the jobs running', 10_000);
    scripted.fail('fails', new ComputeJobError('python -m distillery_compute train', 1, null, ['Traceback (most recent call last):', 'RuntimeError: loss is nan at step 3']));
    scripted.fail('throws', new RangeError('no such preset'));
    await eventually(async () => (await store.list({ status: 'failed' })).length === 2, 'the jobs failed', 10_000);
    const failed = await job('fails');
    expect(failed.error).toContain('python -m distillery_compute train exited 1: Traceback (most recent call last): | RuntimeError: loss is nan at step 3');
    expect(failed.error).toContain('stderr (last lines):\nTraceback (most recent call last):\nRuntimeError: loss is nan at step 3');
    expect((await job('throws')).error).toBe('RangeError: no such preset');
    expect(ended.sort()).toEqual(['fails:failed', 'throws:failed']);
    expect(await outboxCount()).toBe(0);
  });

  it('writes a running job’s progress to its row at most once a beat', async () => {
    await enqueue('progress');
    const scripted = scriptedJobs();
    const beats: Array<boolean> = [];
    const counting = Object.create(store) as SampleJobStore;
    counting.beat = (jobId, runner, snapshot) => {
      beats.push(snapshot !== undefined);
      return store.beat(jobId, runner, snapshot);
    };
    const started = Date.now();
    queue({ runner: scripted.runner, store: counting, beatMs: 100 });
    await eventually(() => scripted.running().length === 1, 'the job running', 10_000);
    const { progress } = scripted.contexts.get('progress')!;
    for (let step = 1; step <= 500; step++) progress.move({ stage: 'sft', step, total: 500, loss: 3 - step / 500, progress: { stage: 'sft', step } });
    progress.note('sft done');
    await eventually(async () => (await job('progress')).step === 500, 'the last step on the row', 10_000);
    const row = await job('progress');
    expect(row).toMatchObject({ stage: 'sft', step: 500, total: 500, loss: 2, progress: { stage: 'sft', step: 500 }, notes: ['sft done'] });
    expect(row.heartbeatAt).toBeInstanceOf(Date);
    expect(beats.filter(Boolean).length).toBeLessThanOrEqual(1 + (Date.now() - started) / 100);
    scripted.succeed('progress');
    await eventually(async () => (await statusOf('progress')) === 'succeeded', 'the job succeeded', 10_000);
  });

  it('gives running jobs back to the queue when it stops, with their progress, and runs them again after', async () => {
    await enqueue('drain');
    const first = scriptedJobs();
    const draining = queue({ runner: first.runner });
    await eventually(() => first.running().length === 1, 'the job running', 10_000);
    first.contexts.get('drain')!.progress.move({ stage: 'cpt', step: 3 });
    first.contexts.get('drain')!.progress.note('expand done');
    await draining.stop();
    expect(await job('drain')).toMatchObject({ status: 'queued', runner: null, attempts: 1, stage: 'cpt', step: 3, notes: ['expand done'], finishedAt: null });
    expect(String(first.contexts.get('drain')!.signal.reason)).toBe('the sampler is shutting down');
    const second = scriptedJobs();
    queue({ runner: second.runner, replica: 'replica-b' });
    await eventually(() => second.running().length === 1, 'the job running again', 10_000);
    expect(second.contexts.get('drain')!.progress.snapshot.notes).toEqual(['expand done']);
    second.succeed('drain');
    await eventually(async () => (await statusOf('drain')) === 'succeeded', 'the job succeeded', 10_000);
    expect(await job('drain')).toMatchObject({ attempts: 2, runner: 'replica-b', notes: ['expand done'] });
  });

  it('queues again a job whose replica stopped beating, and every running job at an embedded start', async () => {
    await enqueue('stale');
    await enqueue('fresh');
    const stale = (await store.claim('crashed-replica'))!;
    await db.dataSource.query(`UPDATE sampler.jobs SET heartbeat_at = now() - interval '1 hour' WHERE id = $1`, [stale.id]);
    const scripted = scriptedJobs();
    queue({ runner: scripted.runner, slots: 2, leaseMs: 60_000 });
    await eventually(() => scripted.started.length === 2, 'the stale job and the queued one running', 10_000);
    expect(scripted.started).toEqual(['stale', 'fresh']);
    await Promise.all(queues.splice(0).map((created) => created.stop()));
    await db.dataSource.query('DELETE FROM sampler.jobs');

    await enqueue('embedded');
    const orphan = await job('embedded');
    await store.claim('the-previous-process');
    expect(await statusOf('embedded')).toBe('running');
    const embedded = scriptedJobs();
    queue({ runner: embedded.runner, slots: 3, requeueAllOnStart: true, replica: 'replica-c' });
    await eventually(() => embedded.started.includes('embedded'), 'the orphaned job running again', 10_000);
    expect(await store.get(orphan.id)).toMatchObject({ runner: 'replica-c', attempts: 2 });
  });
});
