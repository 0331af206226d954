import type { CheckpointBf16 } from '@distillery/contracts';
import type { Platform } from '@distillery/service-kit';
import type { JobProgress } from '../jobs/job-progress.js';
import type { TrainingJobEntity } from '../jobs/training-job.entity.js';

/** What a running job is given: its abort signal (cancel, drain) and where its progress goes. */
export interface TrainingContext {
  readonly signal: AbortSignal;
  readonly progress: JobProgress;
  readonly logger: Platform['logger'];
}

/**
 * Trains one job to its checkpoint (stored in the artifact store) and returns the message that
 * announces it; rejects on failure, and when the signal aborts. The queue records the outcome.
 */
export type TrainingRunner = (job: TrainingJobEntity, context: TrainingContext) => Promise<CheckpointBf16>;

/** Why a running job's signal aborts. */
export const ABORT_REASONS = {
  /** The operator cancelled it (here, or on another replica: seen on the next beat). */
  cancel: 'cancelled by request',
  /** This replica drains: the job goes back to the queue and resumes from its run dir. */
  shutdown: 'the trainer is shutting down',
  /** The job is no longer this replica's (its lease ran out and another took it): stop without a word. */
  lost: 'the job is no longer this replica’s',
} as const;
