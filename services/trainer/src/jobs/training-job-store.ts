import { randomUUID } from 'node:crypto';
import { type CheckpointBf16, checkpointBf16Contract, type DatasetReady } from '@distillery/contracts';
import { JobStore, type JobStatus, jsonColumn, textColumn } from '@distillery/jobs';
import type { Outbox } from '@distillery/storage';
import type { DataSource, EntityManager } from 'typeorm';
import { TrainingJobNotFoundError } from '../errors/training-job-not-found.error.js';
import type { TrainingSnapshot } from './job-progress.js';
import { numericMetrics } from './stage-result.js';
import { TrainingJobEntity } from './training-job.entity.js';
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

/**
 * The training jobs: queued by the consumer (in the inbox's transaction), claimed, beaten,
 * cancelled and given back as every JobStore's are, and finished exactly once — `succeeded`
 * together with its checkpoints.bf16 event in the outbox. Each stage's figures are the progress
 * detail its row keeps (`stages`). Text that came from elsewhere (the dataset event, the compute
 * plane's progress and errors) is written with storableText / storableValue.
 */
export class TrainingJobStore extends JobStore<TrainingJobEntity, TrainingSnapshot, CheckpointBf16> {
  constructor(dataSource: DataSource, outbox: Outbox) {
    super(dataSource, outbox, {
      service: 'trainer',
      noun: 'training job',
      entity: TrainingJobEntity,
      detail: { column: 'stages', of: (snapshot) => snapshot.stages },
      notFound: (jobId) => new TrainingJobNotFoundError(jobId),
    });
  }

  /** Records a job in the caller's transaction; a dataset version already queued, running or trained for this model records nothing. */
  async enqueue(manager: EntityManager, request: JobRequest): Promise<EnqueueOutcome> {
    const id = `job_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const { dataset } = request;
    const inserted = (await manager.query(
      `INSERT INTO trainer.jobs (id, dataset_id, dataset_version, dataset_event_id, dataset, model_id, settings, status, error, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $8 = 'failed' THEN now() END)
       ON CONFLICT (dataset_id, dataset_version, model_id) WHERE status IN ('queued', 'running', 'succeeded') DO NOTHING RETURNING id`,
      [id, textColumn(dataset.datasetId), dataset.version, textColumn(request.eventId), jsonColumn(dataset), request.modelId, jsonColumn(request.settings), request.refusal ? 'failed' : 'queued', textColumn(request.refusal)],
    )) as unknown[];
    if (inserted.length === 0) return { kind: 'already-trained' };
    return { kind: request.refusal ? 'refused' : 'queued', job: await manager.getRepository(TrainingJobEntity).findOneByOrFail({ id }) };
  }

  /**
   * Marks the job succeeded with its checkpoint and each stage's figures and writes its
   * checkpoints.bf16 event, in one transaction; false (and nothing written) when the job is no
   * longer running under `runner`.
   */
  async succeed(jobId: string, runner: string, checkpoint: CheckpointBf16, snapshot: TrainingSnapshot): Promise<boolean> {
    const { stages } = snapshot;
    const metrics = Object.fromEntries(stages.map((stage) => [stage.stage, numericMetrics(stage.metrics)]));
    const produced = { checkpoint_id: textColumn(checkpoint.checkpointId), checkpoint: jsonColumn({ manifest: checkpoint.manifest, weights: checkpoint.weights }), metrics: jsonColumn(metrics), stages: jsonColumn(stages) };
    return this.succeedWith(jobId, runner, produced, checkpointBf16Contract, checkpoint);
  }

  /** The newest jobs first, optionally of one status or one dataset. */
  async list(filter: { status?: JobStatus; datasetId?: string; limit?: number } = {}): Promise<TrainingJobEntity[]> {
    return this.newest(filter, { datasetId: filter.datasetId });
  }
}
