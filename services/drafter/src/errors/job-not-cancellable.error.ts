import { echo } from '@distillery/contracts';
import type { JobStatus } from '../jobs/drafter-job.entity.js';

/** Thrown when a cancel is asked for a job that has already finished (succeeded, failed or cancelled). */
export class JobNotCancellableError extends Error {
  override readonly name = 'JobNotCancellableError';

  constructor(
    readonly jobId: string,
    readonly status: JobStatus,
  ) {
    super(`drafter job ${echo(jobId)} is ${status}: only queued and running jobs can be cancelled`);
  }
}
