import type { CheckpointBf16 } from '@distillery/contracts';
import { JobQueue, type JobQueueOptions } from '@distillery/jobs';
import { JobProgress, type TrainingSnapshot } from '../jobs/job-progress.js';
import type { TrainingJobEntity } from '../jobs/training-job.entity.js';

export type TrainingQueueOptions = JobQueueOptions<TrainingJobEntity, TrainingSnapshot, JobProgress, CheckpointBf16>;

/**
 * Runs queued training jobs, oldest first, at most `slots` at a time on this replica (one per
 * compute slot), as every JobQueue does: beats, cancels from any replica, drains and stale
 * requeues. A job given back resumes from its finished stages.
 */
export class TrainingQueue extends JobQueue<TrainingJobEntity, TrainingSnapshot, JobProgress, CheckpointBf16> {
  protected progressOf(job: TrainingJobEntity): JobProgress {
    return new JobProgress({ stages: job.stages });
  }

  protected logFields(job: TrainingJobEntity): Record<string, unknown> {
    return { datasetId: job.datasetId, datasetVersion: job.datasetVersion };
  }

  protected startFields(job: TrainingJobEntity): Record<string, unknown> {
    return { settings: job.settings };
  }

  protected outcomeFields(checkpoint: CheckpointBf16): Record<string, unknown> {
    return { checkpointId: checkpoint.checkpointId, weights: checkpoint.weights.uri };
  }
}
