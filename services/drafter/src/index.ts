/**
 * @distillery/drafter — Trains an EAGLE drafter for each student checkpoint.
 * Runs alone with `node services/drafter/dist/src/main.js`; the embedded launcher imports `drafterService`.
 * It records every datasets.ready (where the version's eagle and eval parts are), turns every
 * checkpoints.bf16 into a drafter job (GET /drafter/jobs, POST /drafter/jobs/:id/cancel) and every
 * finished job into a drafters.ready event. A student and its dataset for a test, without a trainer:
 *
 * ```ts
 * import { openArtifactStore } from '@distillery/artifacts';
 * import { writeMicroCheckpoint } from '@distillery/compute';
 * import { KafkaBus, publishEvents } from '@distillery/bus';
 * import { checkpointBf16Contract, datasetReadyContract } from '@distillery/contracts';
 * import { publishEagleDataset, storeCheckpoint } from '@distillery/drafter';
 * const store = openArtifactStore('file:///tmp/distillery-artifacts');
 * const bus = new KafkaBus({ brokers: ['127.0.0.1:9092'], clientId: 'demo' });
 * const dataset = await publishEagleDataset(store, { datasetId: 'ds_demo' });
 * const [datasetEventId] = await publishEvents(bus, datasetReadyContract, [dataset], { source: 'curator' });
 * await writeMicroCheckpoint({ out: '/tmp/student' }); // 8 layers: EAGLE-3 reads three of them
 * const checkpoint = await storeCheckpoint(store, '/tmp/student', { modelId: 'student-demo', checkpointId: 'ckpt_demo', datasetId: 'ds_demo', datasetEventId: datasetEventId! });
 * await publishEvents(bus, checkpointBf16Contract, [checkpoint], { source: 'trainer' }); // the drafter queues a job for it
 * ```
 */
export { drafterService } from './drafter.service-definition.js';
export { DRAFTER_ENTITIES, DRAFTER_MIGRATIONS } from './drafter.schema.js';
export { drafterConfigSchema, loadDrafterConfig, type DrafterConfig } from './config/drafter.config.js';
export { DrafterJobEntity } from './jobs/drafter-job.entity.js';
export { JOB_STATUSES, JobNotCancellableError, type JobStatus } from '@distillery/jobs';
export { DRAFTER_GROUP } from './consumers/checkpoint.consumer.js';
export { DRAFTER_DATASETS_GROUP } from './consumers/dataset-ready.consumer.js';
export { eagleRows, publishEagleDataset, storeCheckpoint } from './testing/fixture-student.js';
export { CheckpointWeightsMismatchError } from './errors/checkpoint-weights-mismatch.error.js';
export { CheckpointWithoutDatasetError } from './errors/checkpoint-without-dataset.error.js';
export { DatasetNotRecordedError } from '@distillery/jobs';
export { DatasetPartMissingError } from '@distillery/jobs';
export { DrafterIntegrityError } from './errors/drafter-integrity.error.js';
export { DrafterJobNotFoundError } from './errors/drafter-job-not-found.error.js';
