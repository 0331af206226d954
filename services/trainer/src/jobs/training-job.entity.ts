import type { ArtifactRef, DatasetReady } from '@distillery/contracts';
import { JobRow } from '@distillery/jobs';
import { Column, Entity } from 'typeorm';
import type { StageResult } from './stage-result.js';
import type { TrainingSettings } from './training-settings.js';

/**
 * One training job: a dataset version distilled into a student checkpoint. Its progress (stage,
 * step, loss, the last progress line, each finished stage) is written at most once a second while
 * it runs; its checkpoint and the checkpoints.bf16 event commit with `succeeded`. The queue's
 * columns (status, progress, lease, times) are JobRow's.
 */
@Entity({ schema: 'trainer', name: 'jobs' })
export class TrainingJobEntity extends JobRow {
  @Column('text', { name: 'dataset_id' }) datasetId!: string;
  @Column('int', { name: 'dataset_version' }) datasetVersion!: number;
  /** The datasets.ready event the job came from (its lineage parent). */
  @Column('text', { name: 'dataset_event_id' }) datasetEventId!: string;
  /** The datasets.ready message as received: where the parts are. */
  @Column('jsonb') dataset!: DatasetReady;
  @Column('text', { name: 'model_id' }) modelId!: string;
  @Column('jsonb') settings!: TrainingSettings;
  /** Every stage finished so far, with all its figures. */
  @Column('jsonb') stages!: StageResult[];
  /** On success: each stage's numeric figures, by stage. */
  @Column('jsonb', { nullable: true }) metrics!: Record<string, Record<string, number>> | null;
  @Column('text', { name: 'checkpoint_id', nullable: true }) checkpointId!: string | null;
  /** On success: the checkpoint manifest and weights in the artifact store. */
  @Column('jsonb', { nullable: true }) checkpoint!: { manifest: ArtifactRef; weights: ArtifactRef } | null;
}
