import { checkpointBf16Contract } from '@distillery/contracts';
import { type Database, openDatabase, Outbox } from '@distillery/storage';
import type { EntityManager } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimableJob } from './job-store.js';
import { NO_PROGRESS } from './tracked-progress.js';
import { SAMPLER_ENTITIES, SAMPLER_MIGRATIONS, SampleJobNotFoundError, SampleJobStore, type SampleSnapshot } from './testing/sample-jobs.js';

/** A store whose jobs wait while their name is held (as a drafter job waits for its dataset), and whose claim records a lane. */
class GatedStore extends SampleJobStore {
  readonly held = new Set<string>();

  protected override async nextQueued(manager: EntityManager): Promise<ClaimableJob | undefined> {
    const [next] = (await manager.query(`SELECT id, name FROM sampler.jobs WHERE status = 'queued' AND NOT (name = ANY($1)) ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED`, [[...this.held]])) as Array<{ id: string; name: string }>;
    return next && { id: next.id, record: { lane: `lane-of-${next.name}` } };
  }
}

const snapshot = (change: Partial<SampleSnapshot> = {}): SampleSnapshot => ({ ...NO_PROGRESS, notes: [], ...change });

describe('the job store on PGlite', () => {
  let db: Database;
  let store: SampleJobStore;

  const enqueue = async (name: string) => (await db.dataSource.transaction((manager) => store.enqueue(manager, name)))!;

  beforeAll(async () => {
    db = await openDatabase({ target: { kind: 'pglite', dataDir: 'memory://' }, schemas: ['sampler'], migrations: SAMPLER_MIGRATIONS, entities: SAMPLER_ENTITIES });
    store = new SampleJobStore(db.dataSource, new Outbox('sampler'));
  }, 60_000);
  afterEach(async () => {
    await db.dataSource.query('DELETE FROM sampler.jobs');
    await db.dataSource.query('DELETE FROM sampler.outbox');
  });
  afterAll(async () => db?.close());

  it('creates the jobs table with the shared columns around the service’s own, and the queue’s indexes', async () => {
    const columns = (await db.dataSource.query(`SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'sampler' AND table_name = 'jobs' ORDER BY ordinal_position`)) as Array<{ name: string }>;
    expect(columns.map((column) => column.name)).toEqual([
      'id', 'seq', 'name', 'lane', 'status', 'stage', 'step', 'total', 'loss', 'progress', 'notes', 'error', 'checkpoint_id',
      'event_id', 'attempts', 'runner', 'heartbeat_at', 'cancel_requested', 'created_at', 'started_at', 'finished_at', 'updated_at',
    ]);
    const indexes = (await db.dataSource.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'sampler' AND tablename = 'jobs' ORDER BY indexname`)) as Array<{ indexname: string }>;
    expect(indexes.map((index) => index.indexname)).toEqual(['jobs_created', 'jobs_name', 'jobs_pkey', 'jobs_queued', 'jobs_running']);
    await expect(db.dataSource.query(`INSERT INTO sampler.jobs (id, name, status) VALUES ('job_bad', 'bad', 'paused')`)).rejects.toThrow(/check constraint/);
  });

  it('claims the oldest queued job, stamping the runner, the heartbeat and the attempt', async () => {
    const first = await enqueue('first');
    await enqueue('second');
    expect(first).toMatchObject({ status: 'queued', attempts: 0, runner: null, heartbeatAt: null, startedAt: null, cancelRequested: false, notes: [] });
    const claimed = (await store.claim('replica-a'))!;
    expect(claimed).toMatchObject({ id: first.id, status: 'running', runner: 'replica-a', attempts: 1, lane: null });
    expect(claimed.heartbeatAt).toBeInstanceOf(Date);
    expect(claimed.startedAt).toBeInstanceOf(Date);
    expect((await store.claim('replica-b'))!.name).toBe('second');
    expect(await store.claim('replica-c')).toBeUndefined();
  });

  it('claims only what the service’s nextQueued offers, and records what it says on the row', async () => {
    const gated = new GatedStore(db.dataSource, new Outbox('sampler'));
    gated.held.add('waits');
    await enqueue('waits');
    await enqueue('ready');
    expect(await gated.claim('replica-a')).toMatchObject({ name: 'ready', status: 'running', lane: 'lane-of-ready' });
    expect(await gated.claim('replica-a')).toBeUndefined();
    gated.held.clear();
    expect(await gated.claim('replica-a')).toMatchObject({ name: 'waits', lane: 'lane-of-waits' });
  });

  it('moves a job only while it runs under the replica that claims it', async () => {
    const { id } = await enqueue('owned');
    await store.claim('replica-a');
    expect(await store.beat(id, 'replica-b')).toBeUndefined();
    expect(await store.beat(id, 'replica-a')).toEqual({ cancelRequested: false });
    expect(await store.beat(id, 'replica-a', snapshot({ stage: 'sft', step: 2, total: 4, loss: 1.5, progress: { eta: 9 }, notes: ['one'] }))).toEqual({ cancelRequested: false });
    expect(await store.get(id)).toMatchObject({ stage: 'sft', step: 2, total: 4, loss: 1.5, progress: { eta: 9 }, notes: ['one'] });
    expect(await store.finish(id, 'replica-b', 'failed', 'not mine', snapshot())).toBe(false);
    expect(await store.release(id, 'replica-b', snapshot())).toBe(false);
    expect(await store.succeed(id, 'replica-b', { ...checkpointBf16Contract.example, checkpointId: 'ckpt_x' }, snapshot())).toBe(false);
    expect((await db.dataSource.query('SELECT count(*)::int AS n FROM sampler.outbox')) as unknown).toEqual([{ n: 0 }]);
    expect(await store.finish(id, 'replica-a', 'failed', 'oom', snapshot({ stage: 'dpo' }))).toBe(true);
    expect(await store.get(id)).toMatchObject({ status: 'failed', error: 'oom', stage: 'dpo', step: null, notes: [] });
    expect(await store.beat(id, 'replica-a')).toBeUndefined();
  });

  it('gives a job whose cancel was asked back as cancelled, not queued, on a drain or a requeue', async () => {
    const released = await enqueue('released');
    const requeued = await enqueue('requeued');
    await store.claim('replica-a');
    await store.claim('replica-a');
    for (const { id } of [released, requeued]) expect(await store.requestCancel(id)).toMatchObject({ status: 'running', cancelRequested: true });
    expect(await store.beat(released.id, 'replica-a')).toEqual({ cancelRequested: true });
    expect(await store.release(released.id, 'replica-a', snapshot())).toBe(true);
    expect(await store.requeueStale(60_000, true)).toEqual([requeued.id]);
    for (const { id } of [released, requeued]) {
      const job = await store.get(id);
      expect(job).toMatchObject({ status: 'cancelled', runner: null });
      expect(job.finishedAt).toBeInstanceOf(Date);
    }
  });

  it('queues again a job whose beats stopped, but never one the asking replica names as running there', async () => {
    const stale = await enqueue('stale');
    const mine = await enqueue('mine');
    await store.claim('replica-a');
    await store.claim('replica-a');
    await db.dataSource.query(`UPDATE sampler.jobs SET heartbeat_at = now() - interval '2 minutes'`);
    expect(await store.requeueStale(60_000, false, [mine.id])).toEqual([stale.id]);
    expect((await store.get(mine.id)).status).toBe('running');
    expect((await store.get(stale.id)).status).toBe('queued');
  });

  it('lists the newest first, by status and the service’s own columns, counts by status, and names its own error for an unknown id', async () => {
    for (const name of ['one', 'two', 'three']) await enqueue(name);
    // A second apart, so that the order does not rest on the clock's resolution.
    await db.dataSource.query(`UPDATE sampler.jobs SET created_at = created_at + seq::int * interval '1 second'`);
    await store.claim('replica-a');
    expect((await store.list()).map((job) => job.name)).toEqual(['three', 'two', 'one']);
    expect((await store.list({ status: 'queued' })).map((job) => job.name)).toEqual(['three', 'two']);
    expect((await store.list({ name: 'two' })).map((job) => job.name)).toEqual(['two']);
    expect((await store.list({ limit: 1 })).map((job) => job.name)).toEqual(['three']);
    expect(await store.countByStatus()).toEqual({ queued: 2, running: 1, succeeded: 0, failed: 0, cancelled: 0 });
    await expect(store.get('job_nope')).rejects.toBeInstanceOf(SampleJobNotFoundError);
    await expect(store.requestCancel('job_nope')).rejects.toBeInstanceOf(SampleJobNotFoundError);
  });
});
