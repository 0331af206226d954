/** Where a job is: waiting for a slot, running on a replica, or ended for good one of three ways. */
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
