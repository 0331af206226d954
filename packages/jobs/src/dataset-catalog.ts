import { type ArtifactRef, DATASET_PARTS, type DatasetReady, type Lineage, storableText, storableValue } from '@distillery/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { DatasetNotRecordedError } from './dataset-not-recorded.error.js';
import { DatasetPartMissingError } from './dataset-part-missing.error.js';

/** A part a dataset version may have (cpt, sft, dpo, eagle, calibration, eval). */
export type DatasetPart = (typeof DATASET_PARTS)[number];

/** A dataset version as a service keeps it: where its manifest and the parts its jobs read are. */
export interface KnownDataset<Part extends DatasetPart = DatasetPart> {
  readonly eventId: string;
  readonly datasetId: string;
  readonly version: number;
  readonly manifest: ArtifactRef;
  readonly parts: Partial<Record<Part, ArtifactRef>>;
  readonly lineage: Lineage;
}

export interface DatasetCatalogOptions<Part extends DatasetPart> {
  /** The service's schema: versions are kept in `<schema>.datasets`. */
  readonly schema: string;
  /** The parts its jobs read (the drafter's eagle and eval, the quantizer's calibration and eval); only these are kept. */
  readonly parts: readonly Part[];
}

interface DatasetRow<Part extends DatasetPart> {
  event_id: string;
  dataset_id: string;
  version: number;
  manifest: ArtifactRef;
  parts: Partial<Record<Part, ArtifactRef>>;
  lineage: Lineage;
}

/**
 * The dataset versions announced on datasets.ready, by event id, in a service's `<schema>.datasets`:
 * a checkpoint names the event of the version it was trained on in its lineage, and the service's
 * jobs read that version's parts.
 */
export class DatasetCatalog<Part extends DatasetPart> {
  constructor(
    private readonly dataSource: DataSource,
    readonly options: DatasetCatalogOptions<Part>,
  ) {}

  /** Records an announced version in the caller's transaction (the inbox's); an event recorded before records nothing. */
  async record(manager: EntityManager, dataset: DatasetReady, eventId: string): Promise<boolean> {
    const parts = Object.fromEntries(this.options.parts.flatMap((part) => (dataset.parts[part] ? [[part, dataset.parts[part]]] : [])));
    const inserted = (await manager.query(
      `INSERT INTO ${this.options.schema}.datasets (event_id, dataset_id, version, manifest, parts, lineage) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      [storableText(eventId), storableText(dataset.datasetId), dataset.version, JSON.stringify(dataset.manifest), JSON.stringify(parts), JSON.stringify(storableValue(dataset.lineage))],
    )) as unknown[];
    return inserted.length > 0;
  }

  async get(eventId: string): Promise<KnownDataset<Part> | undefined> {
    const [row] = (await this.dataSource.query(`SELECT event_id, dataset_id, version, manifest, parts, lineage FROM ${this.options.schema}.datasets WHERE event_id = $1`, [eventId])) as DatasetRow<Part>[];
    return row && { eventId: row.event_id, datasetId: row.dataset_id, version: row.version, manifest: row.manifest, parts: row.parts, lineage: row.lineage };
  }

  /**
   * The version a job reads — recorded under `eventId` — with every part the jobs read:
   * DatasetNotRecordedError (naming the checkpoint and the events it names) when it is not recorded,
   * DatasetPartMissingError naming what the job would do with the parts (`purpose`) when one is missing.
   */
  async forJob(eventId: string | null, checkpoint: { readonly checkpointId: string; readonly eventIds: readonly string[] }, purpose: string): Promise<KnownDataset<Part>> {
    const dataset = eventId ? await this.get(eventId) : undefined;
    if (!dataset) throw new DatasetNotRecordedError(checkpoint.checkpointId, checkpoint.eventIds);
    const missing = this.options.parts.filter((part) => !dataset.parts[part]);
    if (missing.length) throw new DatasetPartMissingError(dataset.datasetId, dataset.version, missing, Object.keys(dataset.parts), purpose);
    return dataset;
  }
}
