import { randomUUID } from 'node:crypto';
import { type CheckpointBf16, type CheckpointFp8, checkpointFp8Contract, type DrafterReady } from '@distillery/contracts';
import { type ClaimableJob, JobStore, type JobStatus, jsonColumn, textColumn } from '@distillery/jobs';
import type { Outbox } from '@distillery/storage';
import type { DataSource, EntityManager } from 'typeorm';
import { QuantizerJobNotFoundError } from '../errors/quantizer-job-not-found.error.js';
import { QuantizerJobEntity, type StoredFp8 } from './quantizer-job.entity.js';
import type { QuantizingSnapshot } from './quantizer-progress.js';
import type { QuantizingSettings } from './quantizing-settings.js';

/** A student to quantize alone, as the checkpoints.bf16 consumer hands it over. */
export interface StudentJobRequest {
  readonly checkpoint: CheckpointBf16;
  readonly eventId: string;
  readonly settings: QuantizingSettings;
  /** Recorded as failed at once (a checkpoint that names no dataset), so the operator sees why. */
  readonly refusal?: string;
}

/** A student to quantize with one of its drafters, as the drafters.ready consumer hands it over. */
export interface DrafterJobRequest {
  readonly drafter: DrafterReady;
  readonly eventId: string;
  readonly settings: QuantizingSettings;
}

/** What became of a job request: a new job, or the job that already quantizes (or quantized) this student, or this student with this drafter. */
export type EnqueueOutcome = { readonly kind: 'queued' | 'refused'; readonly job: QuantizerJobEntity } | { readonly kind: 'already-quantized' };

/** A succeeded job's outcome: the announcement, where its models are, and the figures of its fp8 manifest. */
export interface QuantizedOutcome {
  /** The fp8 manifest's id. */
  readonly fp8Id: string;
  readonly fp8: CheckpointFp8;
  readonly stored: StoredFp8;
  readonly metrics: Readonly<Record<string, number>>;
}

/**
 * The quantize jobs: queued by the checkpoints.bf16 and drafters.ready consumers (in the inbox's
 * transaction), claimed once their student's checkpoint and its dataset version are recorded (a
 * drafter's job once the job of its student alone has ended), beaten, cancelled and given back as
 * every JobStore's are, and finished exactly once — `succeeded` together with its checkpoints.fp8
 * event in the outbox. Clip rates, evaluation and acceptance are the progress detail its row keeps
 * (`results`). Text that came from elsewhere is written with storableText / storableValue.
 */
export class QuantizerJobStore extends JobStore<QuantizerJobEntity, QuantizingSnapshot, QuantizedOutcome> {
  constructor(dataSource: DataSource, outbox: Outbox) {
    super(dataSource, outbox, {
      service: 'quantizer',
      noun: 'quantizer job',
      entity: QuantizerJobEntity,
      detail: { column: 'results', of: (snapshot) => snapshot.results },
      notFound: (jobId) => new QuantizerJobNotFoundError(jobId),
    });
  }

  /** Records the student's own job in the caller's transaction; a student already queued, running or quantized records nothing. */
  async enqueueStudent(manager: EntityManager, request: StudentJobRequest): Promise<EnqueueOutcome> {
    const { checkpoint } = request;
    return this.insert(manager, {
      model_id: checkpoint.modelId,
      checkpoint_id: checkpoint.checkpointId,
      drafter_id: null,
      source_event_id: request.eventId,
      drafter: null,
      checkpoint_event_id: request.eventId,
      dataset_id: checkpoint.lineage.datasetId ?? null,
      settings: request.settings,
      refusal: request.refusal ?? null,
    });
  }

  /** Records the job of a student with one of its drafters in the caller's transaction; that pair already queued, running or quantized records nothing. */
  async enqueueDrafter(manager: EntityManager, request: DrafterJobRequest): Promise<EnqueueOutcome> {
    const { drafter } = request;
    return this.insert(manager, {
      model_id: drafter.modelId,
      checkpoint_id: drafter.checkpointId,
      drafter_id: drafter.drafterId,
      source_event_id: request.eventId,
      drafter,
      checkpoint_event_id: null,
      dataset_id: drafter.lineage.datasetId ?? null,
      settings: request.settings,
      refusal: null,
    });
  }

  /** Marks the job succeeded with its models and figures and writes its checkpoints.fp8 event, in one transaction; false (and nothing written) when the job is no longer running under `runner`. */
  async succeed(jobId: string, runner: string, outcome: QuantizedOutcome, snapshot: QuantizingSnapshot): Promise<boolean> {
    const produced = { fp8_id: textColumn(outcome.fp8Id), fp8: jsonColumn(outcome.stored), metrics: jsonColumn(outcome.metrics), ...this.snapshotColumns(snapshot) };
    return this.succeedWith(jobId, runner, produced, checkpointFp8Contract, outcome.fp8);
  }

  /** The newest jobs first, optionally of one status, model, checkpoint or drafter. */
  async list(filter: { status?: JobStatus; modelId?: string; checkpointId?: string; drafterId?: string; limit?: number } = {}): Promise<QuantizerJobEntity[]> {
    return this.newest(filter, { modelId: filter.modelId, checkpointId: filter.checkpointId, drafterId: filter.drafterId });
  }

  /**
   * The oldest queued job whose student's checkpoint (its own checkpoints.bf16 event, or the newest
   * recorded for a drafter's job) and dataset version (the newest datasets.ready among the events
   * that checkpoint names) are known — a drafter's job only once no job of its student alone is
   * queued or running, so that it reuses that job's calibration. The claim records what it found.
   */
  protected override async nextQueued(manager: EntityManager): Promise<ClaimableJob | undefined> {
    const [next] = (await manager.query(
      `SELECT j.id, c.event_id AS "checkpointEventId", d.dataset_id AS "datasetId", d.event_id AS "datasetEventId", d.version FROM quantizer.jobs j
       JOIN LATERAL (SELECT event_id, dataset_event_ids FROM quantizer.checkpoints
         WHERE model_id = j.model_id AND checkpoint_id = j.checkpoint_id AND (j.checkpoint_event_id IS NULL OR event_id = j.checkpoint_event_id)
         ORDER BY created_at DESC LIMIT 1) c ON true
       JOIN LATERAL (SELECT event_id, dataset_id, version FROM quantizer.datasets WHERE event_id = ANY(c.dataset_event_ids) ORDER BY created_at DESC LIMIT 1) d ON true
       WHERE j.status = 'queued'
         AND (j.drafter_id IS NULL OR NOT EXISTS (SELECT 1 FROM quantizer.jobs s
           WHERE s.model_id = j.model_id AND s.checkpoint_id = j.checkpoint_id AND s.drafter_id IS NULL AND s.status IN ('queued', 'running')))
       ORDER BY j.seq LIMIT 1 FOR UPDATE OF j SKIP LOCKED`,
    )) as Array<{ id: string; checkpointEventId: string; datasetId: string; datasetEventId: string; version: number }>;
    return next && { id: next.id, record: { checkpoint_event_id: next.checkpointEventId, dataset_id: next.datasetId, dataset_event_id: next.datasetEventId, dataset_version: next.version } };
  }

  private async insert(
    manager: EntityManager,
    row: {
      model_id: string;
      checkpoint_id: string;
      drafter_id: string | null;
      source_event_id: string;
      drafter: DrafterReady | null;
      checkpoint_event_id: string | null;
      dataset_id: string | null;
      settings: QuantizingSettings;
      refusal: string | null;
    },
  ): Promise<EnqueueOutcome> {
    const id = `job_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const inserted = (await manager.query(
      `INSERT INTO quantizer.jobs (id, model_id, checkpoint_id, drafter_id, source_event_id, drafter, checkpoint_event_id, dataset_id, settings, status, error, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, CASE WHEN $10 = 'failed' THEN now() END)
       ON CONFLICT (model_id, checkpoint_id, (coalesce(drafter_id, ''))) WHERE status IN ('queued', 'running', 'succeeded') DO NOTHING RETURNING id`,
      [
        id,
        textColumn(row.model_id),
        textColumn(row.checkpoint_id),
        textColumn(row.drafter_id),
        textColumn(row.source_event_id),
        row.drafter ? jsonColumn(row.drafter) : null,
        textColumn(row.checkpoint_event_id),
        textColumn(row.dataset_id),
        jsonColumn(row.settings),
        row.refusal ? 'failed' : 'queued',
        textColumn(row.refusal),
      ],
    )) as unknown[];
    if (inserted.length === 0) return { kind: 'already-quantized' };
    return { kind: row.refusal ? 'refused' : 'queued', job: await manager.getRepository(QuantizerJobEntity).findOneByOrFail({ id }) };
  }
}
