import type { CheckpointBf16 } from '@distillery/contracts';
import type { JobContext, JobRunner } from '@distillery/jobs';
import type { JobProgress } from '../jobs/job-progress.js';
import type { TrainingJobEntity } from '../jobs/training-job.entity.js';

/** What a running training job is given: its abort signal (cancel, drain) and where its progress goes. */
export type TrainingContext = JobContext<JobProgress>;

/**
 * Trains one job to its checkpoint (stored in the artifact store) and returns the message that
 * announces it; rejects on failure, and when the signal aborts. The queue records the outcome.
 */
export type TrainingRunner = JobRunner<TrainingJobEntity, JobProgress, CheckpointBf16>;
