import type { ArtifactRef, DatasetReady } from '@distillery/contracts';
import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { StageResult } from './stage-result.js';
import type { TrainingSettings } from './training-settings.js';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * One training job: a dataset version distilled into a student checkpoint. Its progress (stage,
 * step, loss, the last progress line, each finished stage) is written at most once a second while
 * it runs; its checkpoint and the checkpoints.bf16 event commit with `succeeded`.
 */
@Entity({ schema: 'trainer', name: 'jobs' })
export class TrainingJobEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'dataset_id' }) datasetId!: string;
  @Column('int', { name: 'dataset_version' }) datasetVersion!: number;
  /** The datasets.ready event the job came from (its lineage parent). */
  @Column('text', { name: 'dataset_event_id' }) datasetEventId!: string;
  /** The datasets.ready message as received: where the parts are. */
  @Column('jsonb') dataset!: DatasetReady;
  @Column('text', { name: 'model_id' }) modelId!: string;
  @Column('jsonb') settings!: TrainingSettings;
  @Column('text') status!: JobStatus;
  /** The stage running now (or the last one that ran). */
  @Column('text', { nullable: true }) stage!: string | null;
  @Column('int', { nullable: true }) step!: number | null;
  @Column('int', { nullable: true }) total!: number | null;
  @Column('double precision', { name: 'loss', nullable: true }) loss!: number | null;
  /** The last progress line of the compute job (lr, tokens/s, ETA …). */
  @Column('jsonb', { nullable: true }) progress!: Record<string, unknown> | null;
  /** Every stage finished so far, with all its figures. */
  @Column('jsonb') stages!: StageResult[];
  /** On success: each stage's numeric figures, by stage. */
  @Column('jsonb', { nullable: true }) metrics!: Record<string, Record<string, number>> | null;
  @Column('text', { nullable: true }) error!: string | null;
  @Column('text', { name: 'checkpoint_id', nullable: true }) checkpointId!: string | null;
  /** On success: the checkpoint manifest and weights in the artifact store. */
  @Column('jsonb', { nullable: true }) checkpoint!: { manifest: ArtifactRef; weights: ArtifactRef } | null;
  /** The checkpoints.bf16 event written with `succeeded`. */
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
