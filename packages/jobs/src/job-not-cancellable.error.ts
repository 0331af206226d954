import { echo } from '@distillery/contracts';
import type { JobStatus } from './job-status.js';

/** Thrown when a cancel is asked for a job that has already finished (succeeded, failed or cancelled). */
export class JobNotCancellableError extends Error {
  override readonly name = 'JobNotCancellableError';

  constructor(
    /** Names the job: 'training job'. */
    noun: string,
    readonly jobId: string,
    readonly status: JobStatus,
  ) {
    super(`${noun} ${echo(jobId)} is ${status}: only queued and running jobs can be cancelled`);
  }
}
