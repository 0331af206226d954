import { randomUUID } from 'node:crypto';
import { type CheckpointBf16, checkpointBf16Contract, type DatasetReady, storableText, storableValue } from '@distillery/contracts';
import type { Outbox } from '@distillery/storage';
import type { DataSource, EntityManager } from 'typeorm';
import { JobNotCancellableError } from '../errors/job-not-cancellable.error.js';
import { TrainingJobNotFoundError } from '../errors/training-job-not-found.error.js';
import type { JobSnapshot } from './job-progress.js';
import { numericMetrics, type StageResult } from './stage-result.js';
import { type JobStatus, TrainingJobEntity } from './training-job.entity.js';
import type { TrainingSettings } from './training-settings.js';

/** A dataset version to train, as the datasets.ready consumer hands it over. */
export interface JobRequest {
  readonly dataset: DatasetReady;
  readonly eventId: string;
  readonly modelId: string;
  readonly settings: TrainingSettings;
  /** Recorded as failed at once (a dataset that cannot be trained), so the operator sees why. */
  readonly refusal?: string;
}

/** What became of a job request: a new job, or the job that already trains (or trained) this version. */
export type EnqueueOutcome = { readonly kind: 'queued' | 'refused'; readonly job: TrainingJobEntity } | { readonly kind: 'already-trained' };

/** The state a running job's replica reads back on every beat. */
export interface Heartbeat {
  readonly cancelRequested: boolean;
}

/** A JSON column's value with every string made storable (a datasets.ready event from any producer, the compute plane's figures). */
const json = (value: unknown): string => JSON.stringify(storableValue(value));
/** A text column's value from elsewhere, made storable. */
const text = (value: string | null | undefined): string | null => (value == null ? null : storableText(value));

/** When a cancel was asked, a job goes `cancelled` where it would otherwise go back to the queue. */
const REQUEUED_STATUS = `CASE WHEN cancel_requested THEN 'cancelled' ELSE 'queued' END`;
const REQUEUED_FINISHED_AT = `CASE WHEN cancel_requested THEN now() END`;

/**
 * The training jobs: queued by the consumer (in the inbox's transaction), claimed by replicas
 * (FOR UPDATE SKIP LOCKED, oldest first), beaten while they run, and finished exactly once —
 * `succeeded` together with its checkpoints.bf16 event in the outbox. Every transition after the
 * claim checks that the job is still running under the replica that claims to own it. Text that
 * came from elsewhere (the dataset event, the compute plane's progress and errors) is written with
 * storableText / storableValue: PostgreSQL takes no NUL, and no lone surrogate has a UTF-8 form.
 */
export class TrainingJobStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {}

  /** Records a job in the caller's transaction; a dataset version already queued, running or trained for this model records nothing. */
  async enqueue(manager: EntityManager, request: JobRequest): Promise<EnqueueOutcome> {
    const id = `job_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const { dataset } = request;
    const inserted = (await manager.query(
      `INSERT INTO trainer.jobs (id, dataset_id, dataset_version, dataset_event_id, dataset, model_id, settings, status, error, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $8 = 'failed' THEN now() END)
       ON CONFLICT (dataset_id, dataset_version, model_id) WHERE status IN ('queued', 'running', 'succeeded') DO NOTHING RETURNING id`,
      [id, text(dataset.datasetId), dataset.version, text(request.eventId), json(dataset), request.modelId, json(request.settings), request.refusal ? 'failed' : 'queued', text(request.refusal)],
    )) as unknown[];
    if (inserted.length === 0) return { kind: 'already-trained' };
    return { kind: request.refusal ? 'refused' : 'queued', job: await manager.getRepository(TrainingJobEntity).findOneByOrFail({ id }) };
  }

  /** Takes the oldest queued job for `runner`, or undefined when none is queued. */
  async claim(runner: string): Promise<TrainingJobEntity | undefined> {
    return this.dataSource.transaction(async (manager) => {
      const [next] = (await manager.query(`SELECT id FROM trainer.jobs WHERE status = 'queued' ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED`)) as Array<{ id: string }>;
      if (!next) return undefined;
      await manager.query(
        `UPDATE trainer.jobs SET status = 'running', runner = $2, heartbeat_at = now(), started_at = coalesce(started_at, now()), attempts = attempts + 1, updated_at = now()
         WHERE id = $1`,
        [next.id, runner],
      );
      return manager.getRepository(TrainingJobEntity).findOneByOrFail({ id: next.id });
    });
  }

  /**
   * The running job's beat, with its progress when it changed; undefined when the job is no longer
   * running under `runner` (its lease ran out and another replica took it, or it was finished elsewhere).
   */
  async beat(jobId: string, runner: string, snapshot?: JobSnapshot): Promise<Heartbeat | undefined> {
    const [rows] = snapshot
      ? ((await this.dataSource.query(
          `UPDATE trainer.jobs SET heartbeat_at = now(), updated_at = now(), stage = $3, step = $4, total = $5, loss = $6, progress = $7, stages = $8
           WHERE id = $1 AND status = 'running' AND runner = $2 RETURNING cancel_requested AS "cancelRequested"`,
          [jobId, runner, ...snapshotParams(snapshot)],
        )) as [Heartbeat[], number])
      : ((await this.dataSource.query(
          `UPDATE trainer.jobs SET heartbeat_at = now() WHERE id = $1 AND status = 'running' AND runner = $2 RETURNING cancel_requested AS "cancelRequested"`,
          [jobId, runner],
        )) as [Heartbeat[], number]);
    return rows[0];
  }

  /**
   * Marks the job succeeded and writes its checkpoints.bf16 event, in one transaction; false (and
   * nothing written) when the job is no longer running under `runner`.
   */
  async succeed(jobId: string, runner: string, checkpoint: CheckpointBf16, stages: readonly StageResult[]): Promise<boolean> {
    const eventId = randomUUID();
    const metrics = Object.fromEntries(stages.map((stage) => [stage.stage, numericMetrics(stage.metrics)]));
    return this.dataSource.transaction(async (manager) => {
      const [rows] = (await manager.query(
        `UPDATE trainer.jobs SET status = 'succeeded', finished_at = now(), updated_at = now(), heartbeat_at = now(), error = NULL,
           checkpoint_id = $3, checkpoint = $4, metrics = $5, stages = $6, event_id = $7
         WHERE id = $1 AND status = 'running' AND runner = $2 RETURNING id`,
        [jobId, runner, text(checkpoint.checkpointId), json({ manifest: checkpoint.manifest, weights: checkpoint.weights }), json(metrics), json(stages), eventId],
      )) as [unknown[], number];
      if (rows.length === 0) return false;
      await this.outbox.enqueue(manager, checkpointBf16Contract, checkpoint, { source: 'trainer', id: eventId });
      return true;
    });
  }

  /** Ends a running job as failed (with the error) or cancelled; nothing is emitted. */
  async finish(jobId: string, runner: string, status: Extract<JobStatus, 'failed' | 'cancelled'>, error: string | null, snapshot: JobSnapshot): Promise<boolean> {
    const [rows] = (await this.dataSource.query(
      `UPDATE trainer.jobs SET status = $9, error = $10, finished_at = now(), updated_at = now(), stage = $3, step = $4, total = $5, loss = $6, progress = $7, stages = $8
       WHERE id = $1 AND status = 'running' AND runner = $2 RETURNING id`,
      [jobId, runner, ...snapshotParams(snapshot), status, text(error)],
    )) as [unknown[], number];
    return rows.length > 0;
  }

  /** Gives a running job back to the queue (this replica drains); it resumes from its run dir wherever it runs next. */
  async release(jobId: string, runner: string, snapshot: JobSnapshot): Promise<boolean> {
    const [rows] = (await this.dataSource.query(
      `UPDATE trainer.jobs SET status = ${REQUEUED_STATUS}, finished_at = ${REQUEUED_FINISHED_AT}, runner = NULL, updated_at = now(),
         stage = $3, step = $4, total = $5, loss = $6, progress = $7, stages = $8
       WHERE id = $1 AND status = 'running' AND runner = $2 RETURNING id`,
      [jobId, runner, ...snapshotParams(snapshot)],
    )) as [unknown[], number];
    return rows.length > 0;
  }

  /** Queues again the running jobs whose replica stopped beating for `leaseMs` (all of them with `all`: nobody else can run them). */
  async requeueStale(leaseMs: number, all = false): Promise<string[]> {
    const [rows] = (await this.dataSource.query(
      `UPDATE trainer.jobs SET status = ${REQUEUED_STATUS}, finished_at = ${REQUEUED_FINISHED_AT}, runner = NULL, updated_at = now()
       WHERE status = 'running' AND ($1 OR heartbeat_at IS NULL OR heartbeat_at < now() - $2::float8 * interval '1 millisecond') RETURNING id`,
      [all, leaseMs],
    )) as [Array<{ id: string }>, number];
    return rows.map((row) => row.id);
  }

  /**
   * Cancels a queued job at once; asks the replica running a running job to stop it (it sees the
   * request on its next beat). Throws TrainingJobNotFoundError, JobNotCancellableError.
   */
  async requestCancel(jobId: string): Promise<TrainingJobEntity> {
    return this.dataSource.transaction(async (manager) => {
      const [row] = (await manager.query('SELECT status FROM trainer.jobs WHERE id = $1 FOR UPDATE', [jobId])) as Array<{ status: JobStatus }>;
      if (!row) throw new TrainingJobNotFoundError(jobId);
      if (row.status === 'queued') {
        await manager.query(`UPDATE trainer.jobs SET status = 'cancelled', cancel_requested = true, finished_at = now(), updated_at = now() WHERE id = $1`, [jobId]);
      } else if (row.status === 'running') {
        await manager.query('UPDATE trainer.jobs SET cancel_requested = true, updated_at = now() WHERE id = $1', [jobId]);
      } else {
        throw new JobNotCancellableError(jobId, row.status);
      }
      return manager.getRepository(TrainingJobEntity).findOneByOrFail({ id: jobId });
    });
  }

  /** Throws TrainingJobNotFoundError. */
  async get(jobId: string): Promise<TrainingJobEntity> {
    const job = await this.dataSource.getRepository(TrainingJobEntity).findOneBy({ id: jobId });
    if (!job) throw new TrainingJobNotFoundError(jobId);
    return job;
  }

  /** The newest jobs first, optionally of one status or one dataset. */
  async list(filter: { status?: JobStatus; datasetId?: string; limit?: number } = {}): Promise<TrainingJobEntity[]> {
    return this.dataSource.getRepository(TrainingJobEntity).find({
      where: { ...(filter.status ? { status: filter.status } : {}), ...(filter.datasetId ? { datasetId: filter.datasetId } : {}) },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: filter.limit ?? 100,
    });
  }
}

function snapshotParams(snapshot: JobSnapshot): unknown[] {
  return [text(snapshot.stage), snapshot.step, snapshot.total, snapshot.loss, snapshot.progress ? json(snapshot.progress) : null, json(snapshot.stages)];
}
