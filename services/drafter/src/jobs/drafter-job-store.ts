import { randomUUID } from 'node:crypto';
import { type CheckpointBf16, type DrafterReady, drafterReadyContract, storableText, storableValue } from '@distillery/contracts';
import type { Outbox } from '@distillery/storage';
import type { DataSource, EntityManager } from 'typeorm';
import { DrafterJobNotFoundError } from '../errors/drafter-job-not-found.error.js';
import { JobNotCancellableError } from '../errors/job-not-cancellable.error.js';
import { DrafterJobEntity, JOB_STATUSES, type JobStatus, type StoredDrafter } from './drafter-job.entity.js';
import type { DraftingSnapshot } from './drafter-progress.js';
import type { DraftingSettings } from './drafting-settings.js';

/** A checkpoint to draft for, as the checkpoints.bf16 consumer hands it over. */
export interface JobRequest {
  readonly checkpoint: CheckpointBf16;
  readonly eventId: string;
  readonly settings: DraftingSettings;
  /** Recorded as failed at once (a checkpoint that names no dataset), so the operator sees why. */
  readonly refusal?: string;
}

/** What became of a job request: a new job, or the job that already drafts (or drafted) for this checkpoint. */
export type EnqueueOutcome = { readonly kind: 'queued' | 'refused'; readonly job: DrafterJobEntity } | { readonly kind: 'already-drafted' };

/** The state a running job's replica reads back on every beat. */
export interface Heartbeat {
  readonly cancelRequested: boolean;
}

/** A succeeded job's outcome: the announcement and where its files are. */
export interface DraftedOutcome {
  readonly drafter: DrafterReady;
  readonly stored: StoredDrafter;
  readonly best: string;
}

/** A JSON column's value with every string made storable (a checkpoints.bf16 event from any producer, the compute plane's figures). */
const json = (value: unknown): string => JSON.stringify(storableValue(value));
/** A text column's value from elsewhere, made storable. */
const text = (value: string | null | undefined): string | null => (value == null ? null : storableText(value));

/** When a cancel was asked, a job goes `cancelled` where it would otherwise go back to the queue. */
const REQUEUED_STATUS = `CASE WHEN cancel_requested THEN 'cancelled' ELSE 'queued' END`;
const REQUEUED_FINISHED_AT = `CASE WHEN cancel_requested THEN now() END`;

/**
 * The drafter jobs: queued by the checkpoints.bf16 consumer (in the inbox's transaction), claimed
 * by replicas (FOR UPDATE SKIP LOCKED, oldest first, once the datasets.ready event their checkpoint
 * names is recorded), beaten while they run, and finished exactly once — `succeeded` together with
 * its drafters.ready event in the outbox. Every transition after the claim checks that the job is
 * still running under the replica that claims to own it. Text that came from elsewhere is written
 * with storableText / storableValue.
 */
export class DrafterJobStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {}

  /** Records a job in the caller's transaction; a checkpoint already queued, running or drafted for records nothing. */
  async enqueue(manager: EntityManager, request: JobRequest): Promise<EnqueueOutcome> {
    const id = `job_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const { checkpoint } = request;
    const inserted = (await manager.query(
      `INSERT INTO drafter.jobs (id, model_id, checkpoint_id, checkpoint_event_id, checkpoint, dataset_id, dataset_event_ids, settings, status, error, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $9 = 'failed' THEN now() END)
       ON CONFLICT (model_id, checkpoint_id) WHERE status IN ('queued', 'running', 'succeeded') DO NOTHING RETURNING id`,
      [
        id,
        text(checkpoint.modelId),
        text(checkpoint.checkpointId),
        text(request.eventId),
        json(checkpoint),
        text(checkpoint.lineage.datasetId),
        checkpoint.lineage.parentEventIds.map((eventId) => storableText(eventId)),
        json(request.settings),
        request.refusal ? 'failed' : 'queued',
        text(request.refusal),
      ],
    )) as unknown[];
    if (inserted.length === 0) return { kind: 'already-drafted' };
    return { kind: request.refusal ? 'refused' : 'queued', job: await manager.getRepository(DrafterJobEntity).findOneByOrFail({ id }) };
  }

  /**
   * Takes the oldest queued job whose dataset version is known for `runner` (recording which
   * version it drafts on), or undefined when none is.
   */
  async claim(runner: string): Promise<DrafterJobEntity | undefined> {
    return this.dataSource.transaction(async (manager) => {
      const [next] = (await manager.query(
        `SELECT j.id, d.event_id AS "eventId", d.version FROM drafter.jobs j
         JOIN LATERAL (SELECT event_id, version FROM drafter.datasets WHERE event_id = ANY(j.dataset_event_ids) ORDER BY created_at DESC LIMIT 1) d ON true
         WHERE j.status = 'queued' ORDER BY j.seq LIMIT 1 FOR UPDATE OF j SKIP LOCKED`,
      )) as Array<{ id: string; eventId: string; version: number }>;
      if (!next) return undefined;
      await manager.query(
        `UPDATE drafter.jobs SET status = 'running', runner = $2, heartbeat_at = now(), started_at = coalesce(started_at, now()), attempts = attempts + 1, updated_at = now(),
           dataset_event_id = $3, dataset_version = $4
         WHERE id = $1`,
        [next.id, runner, next.eventId, next.version],
      );
      return manager.getRepository(DrafterJobEntity).findOneByOrFail({ id: next.id });
    });
  }

  /** The running job's beat, with its progress when it changed; undefined when the job is no longer running under `runner`. */
  async beat(jobId: string, runner: string, snapshot?: DraftingSnapshot): Promise<Heartbeat | undefined> {
    const [rows] = snapshot
      ? ((await this.dataSource.query(
          `UPDATE drafter.jobs SET heartbeat_at = now(), updated_at = now(), stage = $3, step = $4, total = $5, loss = $6, progress = $7, results = $8
           WHERE id = $1 AND status = 'running' AND runner = $2 RETURNING cancel_requested AS "cancelRequested"`,
          [jobId, runner, ...snapshotParams(snapshot)],
        )) as [Heartbeat[], number])
      : ((await this.dataSource.query(
          `UPDATE drafter.jobs SET heartbeat_at = now() WHERE id = $1 AND status = 'running' AND runner = $2 RETURNING cancel_requested AS "cancelRequested"`,
          [jobId, runner],
        )) as [Heartbeat[], number]);
    return rows[0];
  }

  /** Marks the job succeeded and writes its drafters.ready event, in one transaction; false (and nothing written) when the job is no longer running under `runner`. */
  async succeed(jobId: string, runner: string, outcome: DraftedOutcome, snapshot: DraftingSnapshot): Promise<boolean> {
    const eventId = randomUUID();
    const { drafter } = outcome;
    return this.dataSource.transaction(async (manager) => {
      const [rows] = (await manager.query(
        `UPDATE drafter.jobs SET status = 'succeeded', finished_at = now(), updated_at = now(), heartbeat_at = now(), error = NULL,
           drafter_id = $3, drafter = $4, metrics = $5, best = $6, event_id = $7, stage = $8, step = $9, total = $10, loss = $11, progress = $12, results = $13
         WHERE id = $1 AND status = 'running' AND runner = $2 RETURNING id`,
        [jobId, runner, text(drafter.drafterId), json(outcome.stored), json(drafter.metrics), text(outcome.best), eventId, ...snapshotParams(snapshot)],
      )) as [unknown[], number];
      if (rows.length === 0) return false;
      await this.outbox.enqueue(manager, drafterReadyContract, drafter, { source: 'drafter', id: eventId });
      return true;
    });
  }

  /** Ends a running job as failed (with the error) or cancelled; nothing is emitted. */
  async finish(jobId: string, runner: string, status: Extract<JobStatus, 'failed' | 'cancelled'>, error: string | null, snapshot: DraftingSnapshot): Promise<boolean> {
    const [rows] = (await this.dataSource.query(
      `UPDATE drafter.jobs SET status = $9, error = $10, finished_at = now(), updated_at = now(), stage = $3, step = $4, total = $5, loss = $6, progress = $7, results = $8
       WHERE id = $1 AND status = 'running' AND runner = $2 RETURNING id`,
      [jobId, runner, ...snapshotParams(snapshot), status, text(error)],
    )) as [unknown[], number];
    return rows.length > 0;
  }

  /** Gives a running job back to the queue (this replica drains); it resumes from its run dir wherever it runs next. */
  async release(jobId: string, runner: string, snapshot: DraftingSnapshot): Promise<boolean> {
    const [rows] = (await this.dataSource.query(
      `UPDATE drafter.jobs SET status = ${REQUEUED_STATUS}, finished_at = ${REQUEUED_FINISHED_AT}, runner = NULL, updated_at = now(),
         stage = $3, step = $4, total = $5, loss = $6, progress = $7, results = $8
       WHERE id = $1 AND status = 'running' AND runner = $2 RETURNING id`,
      [jobId, runner, ...snapshotParams(snapshot)],
    )) as [unknown[], number];
    return rows.length > 0;
  }

  /** Queues again the running jobs whose replica stopped beating for `leaseMs` (all of them with `all`: nobody else can run them). */
  async requeueStale(leaseMs: number, all = false): Promise<string[]> {
    const [rows] = (await this.dataSource.query(
      `UPDATE drafter.jobs SET status = ${REQUEUED_STATUS}, finished_at = ${REQUEUED_FINISHED_AT}, runner = NULL, updated_at = now()
       WHERE status = 'running' AND ($1 OR heartbeat_at IS NULL OR heartbeat_at < now() - $2::float8 * interval '1 millisecond') RETURNING id`,
      [all, leaseMs],
    )) as [Array<{ id: string }>, number];
    return rows.map((row) => row.id);
  }

  /** Cancels a queued job at once; asks the replica running a running job to stop it (seen on its next beat). Throws DrafterJobNotFoundError, JobNotCancellableError. */
  async requestCancel(jobId: string): Promise<DrafterJobEntity> {
    return this.dataSource.transaction(async (manager) => {
      const [row] = (await manager.query('SELECT status FROM drafter.jobs WHERE id = $1 FOR UPDATE', [jobId])) as Array<{ status: JobStatus }>;
      if (!row) throw new DrafterJobNotFoundError(jobId);
      if (row.status === 'queued') {
        await manager.query(`UPDATE drafter.jobs SET status = 'cancelled', cancel_requested = true, finished_at = now(), updated_at = now() WHERE id = $1`, [jobId]);
      } else if (row.status === 'running') {
        await manager.query('UPDATE drafter.jobs SET cancel_requested = true, updated_at = now() WHERE id = $1', [jobId]);
      } else {
        throw new JobNotCancellableError(jobId, row.status);
      }
      return manager.getRepository(DrafterJobEntity).findOneByOrFail({ id: jobId });
    });
  }

  /** Throws DrafterJobNotFoundError. */
  async get(jobId: string): Promise<DrafterJobEntity> {
    const job = await this.dataSource.getRepository(DrafterJobEntity).findOneBy({ id: jobId });
    if (!job) throw new DrafterJobNotFoundError(jobId);
    return job;
  }

  /** The newest jobs first, optionally of one status, model or checkpoint. */
  async list(filter: { status?: JobStatus; modelId?: string; checkpointId?: string; limit?: number } = {}): Promise<DrafterJobEntity[]> {
    return this.dataSource.getRepository(DrafterJobEntity).find({
      where: { ...(filter.status ? { status: filter.status } : {}), ...(filter.modelId ? { modelId: filter.modelId } : {}), ...(filter.checkpointId ? { checkpointId: filter.checkpointId } : {}) },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: filter.limit ?? 100,
    });
  }

  /** Jobs by status, for the metrics. */
  async countByStatus(): Promise<Record<JobStatus, number>> {
    const rows = (await this.dataSource.query('SELECT status, count(*)::int AS n FROM drafter.jobs GROUP BY status')) as Array<{ status: JobStatus; n: number }>;
    return Object.fromEntries([...JOB_STATUSES.map((status) => [status, 0]), ...rows.map((row) => [row.status, row.n])]) as Record<JobStatus, number>;
  }
}

function snapshotParams(snapshot: DraftingSnapshot): unknown[] {
  return [text(snapshot.stage), snapshot.step, snapshot.total, snapshot.loss, snapshot.progress ? json(snapshot.progress) : null, json(snapshot.results)];
}
