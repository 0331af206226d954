/**
 * @distillery/quantizer — FP8 E4M3 W8A8 static per-tensor quantization of student and drafter, with calibration.
 * Runs alone with `node services/quantizer/dist/src/main.js`; the embedded launcher imports `quantizerService`.
 * It records every datasets.ready (where the version's calibration and eval parts are) and every
 * checkpoints.bf16 (where the student is), turns every checkpoint into a job that quantizes the
 * student alone and every drafters.ready into one that quantizes the student with that drafter
 * (GET /quantizer/jobs, POST /quantizer/jobs/:id/cancel), and every finished job into a
 * checkpoints.fp8 event. A student, its dataset and its drafter for a test, without a trainer:
 *
 * ```ts
 * import { openArtifactStore } from '@distillery/artifacts';
 * import { runDrafterJob, writeMicroCheckpoint } from '@distillery/compute';
 * import { KafkaBus, publishEvents } from '@distillery/bus';
 * import { checkpointBf16Contract, datasetReadyContract, drafterReadyContract } from '@distillery/contracts';
 * import { publishCalibrationDataset, storeCheckpoint, storeDrafter } from '@distillery/quantizer';
 * const store = openArtifactStore('file:///tmp/distillery-artifacts');
 * const bus = new KafkaBus({ brokers: ['127.0.0.1:9092'], clientId: 'demo' });
 * const dataset = await publishCalibrationDataset(store, { datasetId: 'ds_demo' }); // calibration texts of 16 and 32 words
 * const [datasetEventId] = await publishEvents(bus, datasetReadyContract, [dataset], { source: 'curator' });
 * await writeMicroCheckpoint({ out: '/tmp/student' });
 * const checkpoint = await storeCheckpoint(store, '/tmp/student', { modelId: 'student-demo', checkpointId: 'ckpt_demo', datasetId: 'ds_demo', datasetEventId: datasetEventId! });
 * const [checkpointEventId] = await publishEvents(bus, checkpointBf16Contract, [checkpoint], { source: 'trainer' }); // a job for the student alone
 * // with DISTILLERY_QUANTIZER_LENGTH=32: the fixture's texts are short
 * await runDrafterJob({ checkpoint: '/tmp/student', eagleRows: 'eagle.jsonl', evalRows: 'eval.jsonl', runDir: '/tmp/eagle', steps: 6, draftVocab: 64 });
 * const drafter = await storeDrafter(store, '/tmp/eagle/drafters/combined/drafter', { modelId: 'student-demo', checkpointId: 'ckpt_demo', drafterId: 'eagle_demo', datasetId: 'ds_demo', parentEventIds: [checkpointEventId!, datasetEventId!] });
 * await publishEvents(bus, drafterReadyContract, [drafter], { source: 'drafter' }); // a job for the student with its drafter
 * ```
 */
export { quantizerService } from './quantizer.service-definition.js';
export { QUANTIZER_ENTITIES, QUANTIZER_MIGRATIONS } from './quantizer.schema.js';
export { loadQuantizerConfig, quantizerConfigSchema, type QuantizerConfig } from './config/quantizer.config.js';
export { QuantizerJobEntity, type StoredFp8 } from './jobs/quantizer-job.entity.js';
export { JOB_STATUSES, JobNotCancellableError, type JobStatus } from '@distillery/jobs';
export { QUANTIZER_GROUP } from './consumers/checkpoint.consumer.js';
export { QUANTIZER_DATASETS_GROUP } from './consumers/dataset-ready.consumer.js';
export { QUANTIZER_DRAFTERS_GROUP } from './consumers/drafter.consumer.js';
export { calibrationRows, FIXTURE_LENGTHS, publishCalibrationDataset, storeCheckpoint, storeDrafter } from './testing/fixture-calibration.js';
export { DRAFTER_FILE_KINDS, JOB_MANIFEST_FILE } from './quantizing/publish-fp8.js';
export { AnnouncedWeightsMismatchError } from './errors/announced-weights-mismatch.error.js';
export { CheckpointNotRecordedError } from './errors/checkpoint-not-recorded.error.js';
export { CheckpointWithoutDatasetError } from './errors/checkpoint-without-dataset.error.js';
export { DatasetNotRecordedError } from '@distillery/jobs';
export { DatasetPartMissingError } from '@distillery/jobs';
export { DrafterNotForCheckpointError } from './errors/drafter-not-for-checkpoint.error.js';
export { Fp8IntegrityError } from './errors/fp8-integrity.error.js';
export { QuantizerJobNotFoundError } from './errors/quantizer-job-not-found.error.js';
