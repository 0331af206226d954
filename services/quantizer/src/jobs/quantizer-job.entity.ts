import type { ArtifactRef, DrafterReady } from '@distillery/contracts';
import { JobRow } from '@distillery/jobs';
import { Column, Entity } from 'typeorm';
import type { QuantizingResults } from './quantizing-results.js';
import type { QuantizingSettings } from './quantizing-settings.js';

/** Where a succeeded job's FP8 models are in the artifact store. */
export interface StoredFp8 {
  /** The fp8 manifest (kind `fp8`): the run's manifest.json as `quantize-job.json`, figures, settings, lineage. */
  readonly manifest: ArtifactRef;
  /** The FP8 student's manifest (kind `fp8-student`): every file of its dir — config.json, model.safetensors, manifest.json, tokenizer files. */
  readonly student: ArtifactRef;
  /** The FP8 drafter's manifest (kind `fp8-drafter`): config.json, model.safetensors, manifest.json; absent for the student alone. */
  readonly drafter?: ArtifactRef;
}

/**
 * One quantize job: a student checkpoint in FP8 (from checkpoints.bf16), or the student with one of
 * its EAGLE drafters (from drafters.ready), calibrated on the calibration texts of the dataset
 * version the student was trained on, measured against BF16, announced on checkpoints.fp8. Its
 * progress (stage, step, the last progress line, clip rates, evaluation, acceptance) is written at
 * most once a second while it runs; its models and the checkpoints.fp8 event commit with
 * `succeeded`. The queue's columns (status, progress, lease, times) are JobRow's.
 */
@Entity({ schema: 'quantizer', name: 'jobs' })
export class QuantizerJobEntity extends JobRow {
  @Column('text', { name: 'model_id' }) modelId!: string;
  @Column('text', { name: 'checkpoint_id' }) checkpointId!: string;
  /** The drafter quantized with the student (null: the student alone). */
  @Column('text', { name: 'drafter_id', nullable: true }) drafterId!: string | null;
  /** The checkpoints.bf16 or drafters.ready event the job came from. */
  @Column('text', { name: 'source_event_id' }) sourceEventId!: string;
  /** The drafters.ready message as received: where the drafter is (null for the student alone). */
  @Column('jsonb', { nullable: true }) drafter!: DrafterReady | null;
  /** The checkpoints.bf16 event of the student (a drafter's job finds it once the job runs; null while it waits for it). */
  @Column('text', { name: 'checkpoint_event_id', nullable: true }) checkpointEventId!: string | null;
  /** The dataset the student was trained on, and its datasets.ready event and version (found once the job runs). */
  @Column('text', { name: 'dataset_id', nullable: true }) datasetId!: string | null;
  @Column('text', { name: 'dataset_event_id', nullable: true }) datasetEventId!: string | null;
  @Column('int', { name: 'dataset_version', nullable: true }) datasetVersion!: number | null;
  @Column('jsonb') settings!: QuantizingSettings;
  @Column('jsonb') results!: QuantizingResults;
  /** On success: the figures of the fp8 manifest (clipRate, greedyAgreement, fp8HeldOutLoss, savedBytes …). */
  @Column('jsonb', { nullable: true }) metrics!: Record<string, number> | null;
  @Column('text', { name: 'fp8_id', nullable: true }) fp8Id!: string | null;
  @Column('jsonb', { nullable: true }) fp8!: StoredFp8 | null;
}
