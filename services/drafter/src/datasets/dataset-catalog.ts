import { type ArtifactRef, type DatasetReady, type Lineage, storableText, storableValue } from '@distillery/contracts';
import type { DataSource, EntityManager } from 'typeorm';

/** The parts of a dataset version the drafter job reads: the EAGLE prompts and the held-out prompts. */
export const DRAFTER_PARTS = ['eagle', 'eval'] as const;
export type DrafterPart = (typeof DRAFTER_PARTS)[number];

/** A dataset version as the drafter keeps it: where its manifest and its eagle and eval parts are. */
export interface KnownDataset {
  readonly eventId: string;
  readonly datasetId: string;
  readonly version: number;
  readonly manifest: ArtifactRef;
  readonly parts: Partial<Record<DrafterPart, ArtifactRef>>;
  readonly lineage: Lineage;
}

interface DatasetRow {
  event_id: string;
  dataset_id: string;
  version: number;
  manifest: ArtifactRef;
  parts: Partial<Record<DrafterPart, ArtifactRef>>;
  lineage: Lineage;
}

/**
 * The dataset versions announced on datasets.ready, by event id: a checkpoint names the event of
 * the version it was trained on in its lineage, and its drafter job reads that version's parts.
 */
export class DatasetCatalog {
  constructor(private readonly dataSource: DataSource) {}

  /** Records an announced version in the caller's transaction (the inbox's); an event recorded before records nothing. */
  async record(manager: EntityManager, dataset: DatasetReady, eventId: string): Promise<boolean> {
    const parts = Object.fromEntries(DRAFTER_PARTS.flatMap((part) => (dataset.parts[part] ? [[part, dataset.parts[part]]] : [])));
    const inserted = (await manager.query(
      `INSERT INTO drafter.datasets (event_id, dataset_id, version, manifest, parts, lineage) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      [storableText(eventId), storableText(dataset.datasetId), dataset.version, JSON.stringify(dataset.manifest), JSON.stringify(parts), JSON.stringify(storableValue(dataset.lineage))],
    )) as unknown[];
    return inserted.length > 0;
  }

  async get(eventId: string): Promise<KnownDataset | undefined> {
    const [row] = (await this.dataSource.query('SELECT event_id, dataset_id, version, manifest, parts, lineage FROM drafter.datasets WHERE event_id = $1', [eventId])) as DatasetRow[];
    return row && { eventId: row.event_id, datasetId: row.dataset_id, version: row.version, manifest: row.manifest, parts: row.parts, lineage: row.lineage };
  }
}
