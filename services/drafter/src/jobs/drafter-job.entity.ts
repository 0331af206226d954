import type { ArtifactRef, CheckpointBf16 } from '@distillery/contracts';
import { JobRow } from '@distillery/jobs';
import { Column, Entity } from 'typeorm';
import type { DraftingResults } from './drafting-results.js';
import type { DraftingSettings } from './drafting-settings.js';

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
 * second while it runs (its stages: `data:<set>`, `train:<variant>`, `evaluate:<variant>:<method>`);
 * its drafter and the drafters.ready event commit with `succeeded`. The queue's columns (status,
 * progress, lease, times) are JobRow's.
 */
@Entity({ schema: 'drafter', name: 'jobs' })
export class DrafterJobEntity extends JobRow {
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
  /** Each set's data and each variant's training and measurements, as they came. */
  @Column('jsonb') results!: DraftingResults;
  /** On success: the announced figures (acceptanceLength, chainAcceptanceLength, speedup …). */
  @Column('jsonb', { nullable: true }) metrics!: Record<string, number> | null;
  /** On success: the variant announced (the highest tree acceptance). */
  @Column('text', { nullable: true }) best!: string | null;
  @Column('text', { name: 'drafter_id', nullable: true }) drafterId!: string | null;
  @Column('jsonb', { nullable: true }) drafter!: StoredDrafter | null;
}
