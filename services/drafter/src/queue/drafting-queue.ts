import { JobQueue, type JobQueueOptions } from '@distillery/jobs';
import type { DrafterJobEntity } from '../jobs/drafter-job.entity.js';
import type { DraftedOutcome } from '../jobs/drafter-job-store.js';
import { DrafterProgress, type DraftingSnapshot } from '../jobs/drafter-progress.js';

export type DraftingQueueOptions = JobQueueOptions<DrafterJobEntity, DraftingSnapshot, DrafterProgress, DraftedOutcome>;

/**
 * Runs queued drafter jobs, oldest first, `slots` at a time on this replica (1: one at a time), as
 * every JobQueue does: beats, cancels from any replica, drains and stale requeues. A job given back
 * resumes with the data and variants it had.
 */
export class DraftingQueue extends JobQueue<DrafterJobEntity, DraftingSnapshot, DrafterProgress, DraftedOutcome> {
  protected progressOf(job: DrafterJobEntity): DrafterProgress {
    return new DrafterProgress({ results: job.results });
  }

  protected logFields(job: DrafterJobEntity): Record<string, unknown> {
    return { modelId: job.modelId, checkpointId: job.checkpointId };
  }

  protected startFields(job: DrafterJobEntity): Record<string, unknown> {
    return { datasetId: job.datasetId, datasetVersion: job.datasetVersion, settings: job.settings };
  }

  protected outcomeFields(drafted: DraftedOutcome): Record<string, unknown> {
    return { drafterId: drafted.drafter.drafterId, best: drafted.best, metrics: drafted.drafter.metrics };
  }
}
