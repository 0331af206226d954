import type { ArtifactRef, CheckpointBf16 } from '@distillery/contracts';
import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { DraftingResults } from './drafting-results.js';
import type { DraftingSettings } from './drafting-settings.js';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Where a succeeded job's drafter is in the artifact store. */
export interface StoredDrafter {
  /** The drafter manifest (kind `drafter`): config.json, model.safetensors, manifest.json, drafter-job.json. */
  readonly manifest: ArtifactRef;
  readonly weights: ArtifactRef;
  readonly config: ArtifactRef;
}

/**
 * One drafter job: EAGLE drafters trained for one student checkpoint on the EAGLE prompts of the
 * dataset version it was trained on, measured, the best announced. Its progress (stage, step, loss,
 * the last progress line, each set's data and each variant's figures) is written at most once a
 * second while it runs; its drafter and the drafters.ready event commit with `succeeded`.
 */
@Entity({ schema: 'drafter', name: 'jobs' })
export class DrafterJobEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'model_id' }) modelId!: string;
  @Column('text', { name: 'checkpoint_id' }) checkpointId!: string;
  /** The checkpoints.bf16 event the job came from (its lineage parent). */
  @Column('text', { name: 'checkpoint_event_id' }) checkpointEventId!: string;
  /** The checkpoints.bf16 message as received: where the student is. */
  @Column('jsonb') checkpoint!: CheckpointBf16;
  /** The dataset the student was trained on (its lineage). */
  @Column('text', { name: 'dataset_id', nullable: true }) datasetId!: string | null;
  /** The events the checkpoint names as its parents: one of them is the datasets.ready of its dataset version. */
  @Column('text', { name: 'dataset_event_ids', array: true }) datasetEventIds!: string[];
  /** The datasets.ready event found among them once the job runs (null while it waits for it). */
  @Column('text', { name: 'dataset_event_id', nullable: true }) datasetEventId!: string | null;
  @Column('int', { name: 'dataset_version', nullable: true }) datasetVersion!: number | null;
  @Column('jsonb') settings!: DraftingSettings;
  @Column('text') status!: JobStatus;
  /** The stage running now (or the last one that ran): `data:<set>`, `train:<variant>`, `evaluate:<variant>:<method>`. */
  @Column('text', { nullable: true }) stage!: string | null;
  @Column('int', { nullable: true }) step!: number | null;
  @Column('int', { nullable: true }) total!: number | null;
  @Column('double precision', { nullable: true }) loss!: number | null;
  /** The last progress line of the compute job (ETA, per-step accuracy …). */
  @Column('jsonb', { nullable: true }) progress!: Record<string, unknown> | null;
  /** Each set's data and each variant's training and measurements, as they came. */
  @Column('jsonb') results!: DraftingResults;
  /** On success: the announced figures (acceptanceLength, chainAcceptanceLength, speedup …). */
  @Column('jsonb', { nullable: true }) metrics!: Record<string, number> | null;
  /** On success: the variant announced (the highest tree acceptance). */
  @Column('text', { nullable: true }) best!: string | null;
  @Column('text', { nullable: true }) error!: string | null;
  @Column('text', { name: 'drafter_id', nullable: true }) drafterId!: string | null;
  @Column('jsonb', { nullable: true }) drafter!: StoredDrafter | null;
  /** The drafters.ready event written with `succeeded`. */
  @Column('text', { name: 'event_id', nullable: true }) eventId!: string | null;
  /** How many times a replica has started it (a resumed job counts again). */
  @Column('int') attempts!: number;
  /** The replica running it (kept after it finishes). */
  @Column('text', { nullable: true }) runner!: string | null;
  @Column('timestamptz', { name: 'heartbeat_at', nullable: true }) heartbeatAt!: Date | null;
  @Column('boolean', { name: 'cancel_requested' }) cancelRequested!: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { name: 'started_at', nullable: true }) startedAt!: Date | null;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt!: Date | null;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}
