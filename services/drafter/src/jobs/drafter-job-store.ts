import { randomUUID } from 'node:crypto';
import { type CheckpointBf16, type DrafterReady, drafterReadyContract, storableText } from '@distillery/contracts';
import { type ClaimableJob, JobStore, type JobStatus, jsonColumn, textColumn } from '@distillery/jobs';
import type { Outbox } from '@distillery/storage';
import type { DataSource, EntityManager } from 'typeorm';
import { DrafterJobNotFoundError } from '../errors/drafter-job-not-found.error.js';
import { DrafterJobEntity, type StoredDrafter } from './drafter-job.entity.js';
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

/** A succeeded job's outcome: the announcement and where its files are. */
export interface DraftedOutcome {
  readonly drafter: DrafterReady;
  readonly stored: StoredDrafter;
  readonly best: string;
}

/**
 * The drafter jobs: queued by the checkpoints.bf16 consumer (in the inbox's transaction), claimed
 * once the datasets.ready event their checkpoint names is recorded, beaten, cancelled and given
 * back as every JobStore's are, and finished exactly once — `succeeded` together with its
 * drafters.ready event in the outbox. Each set's data and each variant's figures are the progress
 * detail its row keeps (`results`). Text that came from elsewhere is written with storableText /
 * storableValue.
 */
export class DrafterJobStore extends JobStore<DrafterJobEntity, DraftingSnapshot, DraftedOutcome> {
  constructor(dataSource: DataSource, outbox: Outbox) {
    super(dataSource, outbox, {
      service: 'drafter',
      noun: 'drafter job',
      entity: DrafterJobEntity,
      detail: { column: 'results', of: (snapshot) => snapshot.results },
      notFound: (jobId) => new DrafterJobNotFoundError(jobId),
    });
  }

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
        textColumn(checkpoint.modelId),
        textColumn(checkpoint.checkpointId),
        textColumn(request.eventId),
        jsonColumn(checkpoint),
        textColumn(checkpoint.lineage.datasetId),
        checkpoint.lineage.parentEventIds.map((eventId) => storableText(eventId)),
        jsonColumn(request.settings),
        request.refusal ? 'failed' : 'queued',
        textColumn(request.refusal),
      ],
    )) as unknown[];
    if (inserted.length === 0) return { kind: 'already-drafted' };
    return { kind: request.refusal ? 'refused' : 'queued', job: await manager.getRepository(DrafterJobEntity).findOneByOrFail({ id }) };
  }

  /** Marks the job succeeded with its drafter, its figures and its last progress and writes its drafters.ready event, in one transaction; false (and nothing written) when the job is no longer running under `runner`. */
  async succeed(jobId: string, runner: string, outcome: DraftedOutcome, snapshot: DraftingSnapshot): Promise<boolean> {
    const { drafter } = outcome;
    const produced = { drafter_id: textColumn(drafter.drafterId), drafter: jsonColumn(outcome.stored), metrics: jsonColumn(drafter.metrics), best: textColumn(outcome.best), ...this.snapshotColumns(snapshot) };
    return this.succeedWith(jobId, runner, produced, drafterReadyContract, drafter);
  }

  /** The newest jobs first, optionally of one status, model or checkpoint. */
  async list(filter: { status?: JobStatus; modelId?: string; checkpointId?: string; limit?: number } = {}): Promise<DrafterJobEntity[]> {
    return this.newest(filter, { modelId: filter.modelId, checkpointId: filter.checkpointId });
  }

  /**
   * The oldest queued job whose dataset version is known (the newest datasets.ready among the
   * events its checkpoint names); the claim records which version it drafts on.
   */
  protected override async nextQueued(manager: EntityManager): Promise<ClaimableJob | undefined> {
    const [next] = (await manager.query(
      `SELECT j.id, d.event_id AS "eventId", d.version FROM drafter.jobs j
       JOIN LATERAL (SELECT event_id, version FROM drafter.datasets WHERE event_id = ANY(j.dataset_event_ids) ORDER BY created_at DESC LIMIT 1) d ON true
       WHERE j.status = 'queued' ORDER BY j.seq LIMIT 1 FOR UPDATE OF j SKIP LOCKED`,
    )) as Array<{ id: string; eventId: string; version: number }>;
    return next && { id: next.id, record: { dataset_event_id: next.eventId, dataset_version: next.version } };
  }
}
