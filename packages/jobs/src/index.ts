/**
 * @distillery/jobs — compute jobs kept in a service's own schema (`<service>.jobs`) and run by its
 * replicas: the JobQueue (slots, claims, beats with progress, cancel anywhere, drain, stale
 * requeue), the JobStore's shared queries, JobRow (the columns every job has) and the statements
 * that create the table around a service's own columns. The trainer's and the drafter's jobs run
 * on it; what a job runs, its own columns and how it is announced stay in the service.
 *
 * ```ts
 * import { JobQueue, JobRow, JobStore, jobsTableStatements, TrackedProgress } from '@distillery/jobs';
 * // migration: for (const sql of jobsTableStatements('trainer', { request: ['settings jsonb NOT NULL'], report: [], product: ['checkpoint jsonb'] })) await runner.query(sql);
 * // @Entity({ schema: 'trainer', name: 'jobs' }) class TrainingJobEntity extends JobRow { @Column('jsonb') checkpoint!: ... }
 * class TrainingJobStore extends JobStore<TrainingJobEntity, JobSnapshot, CheckpointBf16> {
 *   async succeed(jobId: string, runner: string, checkpoint: CheckpointBf16) {
 *     return this.succeedWith(jobId, runner, { checkpoint: jsonColumn(checkpoint) }, checkpointBf16Contract, checkpoint);
 *   }
 * }
 * const store = new TrainingJobStore(dataSource, new Outbox('trainer'), {
 *   service: 'trainer', noun: 'training job', entity: TrainingJobEntity, detail: { column: 'stages', of: (s) => s.stages }, notFound: (id) => new TrainingJobNotFoundError(id),
 * });
 * const queue = new TrainingQueue({ store, runner: trainer.train, slots: 1, replica: 'host/1', logger }); // extends JobQueue
 * queue.start();   // claims queued jobs oldest first; queue.cancel(jobId), queue.stop() drains
 * ```
 */
export { JOB_STATUSES, type JobStatus } from './job-status.js';
export { JobRow } from './job-row.js';
export { jobsTableStatements, type OwnJobColumns } from './jobs-table.js';
export { finiteOrNull, NO_PROGRESS, TrackedProgress, type JobSnapshot } from './tracked-progress.js';
export { jsonColumn, JobStore, textColumn, type ClaimableJob, type Heartbeat, type JobStoreOptions } from './job-store.js';
export { jobAbortReasons, type JobContext, type JobRunner } from './job-runner.js';
export { JobQueue, type JobQueueMetrics, type JobQueueOptions, type JobRunOutcome } from './job-queue.js';
export { JobNotCancellableError } from './job-not-cancellable.error.js';
