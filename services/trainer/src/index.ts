/**
 * @distillery/trainer — Distills the student: block expansion, context-aware CPT, LoRA SFT and LoRA DPO, each merged.
 * Runs alone with `node services/trainer/dist/src/main.js`; the embedded launcher imports `trainerService`.
 * It turns every datasets.ready event into a training job (GET /trainer/jobs, POST /trainer/jobs/:id/cancel)
 * and every finished job into a checkpoints.bf16 event. A dataset for a test, without a curator:
 *
 * ```ts
 * import { openArtifactStore } from '@distillery/artifacts';
 * import { KafkaBus, publishEvents } from '@distillery/bus';
 * import { datasetReadyContract } from '@distillery/contracts';
 * import { publishFixtureDataset } from '@distillery/trainer';
 * const bus = new KafkaBus({ brokers: ['127.0.0.1:9092'], clientId: 'demo' });
 * const dataset = await publishFixtureDataset(openArtifactStore('file:///tmp/distillery-artifacts'), { datasetId: 'ds_demo' });
 * await publishEvents(bus, datasetReadyContract, [dataset], { source: 'curator' }); // the trainer queues a job for it
 * ```
 */
export { trainerService } from './trainer.service-definition.js';
export { TRAINER_ENTITIES, TRAINER_MIGRATIONS } from './trainer.schema.js';
export { DEFAULT_TRAINER_PRESET, importsBase, loadTrainerConfig, TRAINER_PRESETS, trainerConfigSchema, type TrainerConfig } from './config/trainer.config.js';
export { TrainingJobEntity } from './jobs/training-job.entity.js';
export { JOB_STATUSES, JobNotCancellableError, type JobStatus } from '@distillery/jobs';
export { TRAINER_GROUP } from './consumers/dataset-ready.consumer.js';
export { fixtureRows, publishFixtureDataset, type FixtureRows } from './testing/fixture-dataset.js';
export { CheckpointIntegrityError } from './errors/checkpoint-integrity.error.js';
export { DatasetPartMissingError } from '@distillery/jobs';
export { TrainingJobNotFoundError } from './errors/training-job-not-found.error.js';
