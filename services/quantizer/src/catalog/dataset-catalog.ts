import { type ArtifactRef, type DatasetReady, type Lineage, storableText, storableValue } from '@distillery/contracts';
import type { DataSource, EntityManager } from 'typeorm';

/** The parts of a dataset version the quantize job reads: the calibration texts and the held-out rows. */
export const QUANTIZER_PARTS = ['calibration', 'eval'] as const;
export type QuantizerPart = (typeof QUANTIZER_PARTS)[number];

/** A dataset version as the quantizer keeps it: where its manifest and its calibration and eval parts are. */
export interface KnownDataset {
  readonly eventId: string;
  readonly datasetId: string;
  readonly version: number;
  readonly manifest: ArtifactRef;
  readonly parts: Partial<Record<QuantizerPart, ArtifactRef>>;
  readonly lineage: Lineage;
}

interface DatasetRow {
  event_id: string;
  dataset_id: string;
  version: number;
  manifest: ArtifactRef;
  parts: Partial<Record<QuantizerPart, ArtifactRef>>;
  lineage: Lineage;
}

/**
 * The dataset versions announced on datasets.ready, by event id: a checkpoint names the event of
 * the version it was trained on in its lineage, and its quantize jobs read that version's parts.
 */
export class DatasetCatalog {
  constructor(private readonly dataSource: DataSource) {}

  /** Records an announced version in the caller's transaction (the inbox's); an event recorded before records nothing. */
  async record(manager: EntityManager, dataset: DatasetReady, eventId: string): Promise<boolean> {
    const parts = Object.fromEntries(QUANTIZER_PARTS.flatMap((part) => (dataset.parts[part] ? [[part, dataset.parts[part]]] : [])));
    const inserted = (await manager.query(
      `INSERT INTO quantizer.datasets (event_id, dataset_id, version, manifest, parts, lineage) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      [storableText(eventId), storableText(dataset.datasetId), dataset.version, JSON.stringify(dataset.manifest), JSON.stringify(parts), JSON.stringify(storableValue(dataset.lineage))],
    )) as unknown[];
    return inserted.length > 0;
  }

  async get(eventId: string): Promise<KnownDataset | undefined> {
    const [row] = (await this.dataSource.query('SELECT event_id, dataset_id, version, manifest, parts, lineage FROM quantizer.datasets WHERE event_id = $1', [eventId])) as DatasetRow[];
    return row && { eventId: row.event_id, datasetId: row.dataset_id, version: row.version, manifest: row.manifest, parts: row.parts, lineage: row.lineage };
  }
}
