/**
 * @distillery/jobs — compute jobs kept in a service's own schema (`<service>.jobs`) and run by its
 * replicas: the JobQueue (slots, claims, beats with progress, cancel anywhere, drain, stale
 * requeue), the JobStore's shared queries, JobRow (the columns every job has) and the statements
 * that create the table around a service's own columns, JobMetrics (the numbers every job service
 * shows), the job view's shared fields and path hiding, and the DatasetCatalog with its
 * DatasetReadyRecorder (the dataset versions a service's jobs read, recorded from datasets.ready).
 * The trainer's, the drafter's and the quantizer's jobs run on it; what a job runs, its own columns
 * and how it is announced stay in the service.
 *
 * ```ts
 * import { DatasetCatalog, DatasetReadyRecorder, JobQueue, JobStore, jobsTableStatements, jsonColumn, textColumn } from '@distillery/jobs';
 * // The migration: `<service>.jobs` around the service's own columns (its entity extends JobRow).
 * for (const sql of jobsTableStatements('trainer', { request: ['settings jsonb NOT NULL'], report: [`stages jsonb NOT NULL DEFAULT '[]'`], product: ['checkpoint_id text'] })) await runner.query(sql);
 * // The store: what a success records and announces.
 * class TrainingJobStore extends JobStore<TrainingJobEntity, TrainingSnapshot, CheckpointBf16> {
 *   constructor(dataSource: DataSource, outbox: Outbox) {
 *     super(dataSource, outbox, { service: 'trainer', noun: 'training job', entity: TrainingJobEntity,
 *       detail: { column: 'stages', of: (snapshot) => snapshot.stages }, notFound: (jobId) => new TrainingJobNotFoundError(jobId) });
 *   }
 *   succeed(jobId: string, runner: string, checkpoint: CheckpointBf16, snapshot: TrainingSnapshot) {
 *     return this.succeedWith(jobId, runner, { checkpoint_id: textColumn(checkpoint.checkpointId), stages: jsonColumn(snapshot.stages) }, checkpointBf16Contract, checkpoint);
 *   }
 * }
 * // The queue: how a job's progress starts from its row, what its log lines name.
 * class TrainingQueue extends JobQueue<TrainingJobEntity, TrainingSnapshot, JobProgress, CheckpointBf16> {
 *   protected progressOf(job: TrainingJobEntity) { return new JobProgress({ stages: job.stages }); }
 *   protected logFields(job: TrainingJobEntity) { return { datasetId: job.datasetId }; }
 *   protected startFields(job: TrainingJobEntity) { return { settings: job.settings }; }
 *   protected outcomeFields(checkpoint: CheckpointBf16) { return { checkpointId: checkpoint.checkpointId }; }
 * }
 * const queue = new TrainingQueue({ store: new TrainingJobStore(dataSource, new Outbox('trainer')), runner: trainer.train, slots: 1, replica: 'host/1', logger });
 * queue.start(); // claims queued jobs oldest first, one per slot; queue.cancel(jobId) from any replica; await queue.stop() drains
 * // The datasets a job reads: `<service>.datasets`, recorded once per datasets.ready event.
 * const datasets = new DatasetCatalog(dataSource, { schema: 'drafter', parts: ['eagle', 'eval'] });
 * const recorder = new DatasetReadyRecorder({ inbox, datasets, logger, recordedMessage: 'dataset version recorded', onRecorded: () => queue.wake() });
 * // in the service's events controller: @BusEventPattern(datasetReadyContract, { group: 'drafter-datasets' }) → recorder.handle(event, context.records[0])
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
export { JobRunDirs } from './job-run-dirs.js';
export { DatasetNotRecordedError } from './dataset-not-recorded.error.js';
export { DatasetPartMissingError } from './dataset-part-missing.error.js';
export { DatasetCatalog, type DatasetCatalogOptions, type DatasetPart, type KnownDataset } from './dataset-catalog.js';
export { DatasetReadyRecorder, type DatasetReadyRecorderOptions } from './dataset-ready.recorder.js';
export { JobMetrics, type JobMetricsOptions } from './job-metrics.js';
export { artifactView, jobRunView, pathHider } from './job-view.js';
