import type { Logger } from 'pino';

/** What a running job is given: its abort signal (cancel, drain) and where its progress goes. */
export interface JobContext<Progress> {
  readonly signal: AbortSignal;
  readonly progress: Progress;
  readonly logger: Logger;
}

/**
 * Runs one job to what it produces (stored in the artifact store) and returns what announces it;
 * rejects on failure, and when the signal aborts. The queue records the outcome.
 */
export type JobRunner<Job, Progress, Outcome> = (job: Job, context: JobContext<Progress>) => Promise<Outcome>;

/** Why a running job's signal aborts, for the jobs of `service` ('trainer'). */
export function jobAbortReasons(service: string) {
  return {
    /** The operator cancelled it (here, or on another replica: seen on the next beat). */
    cancel: 'cancelled by request',
    /** This replica drains: the job goes back to the queue and resumes from its run dir. */
    shutdown: `the ${service} is shutting down`,
    /** The job is no longer this replica's (its lease ran out and another took it): stop without a word. */
    lost: 'the job is no longer this replica’s',
  } as const;
}
