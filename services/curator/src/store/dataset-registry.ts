import { type ArtifactRef, storableText, storableValue } from '@distillery/contracts';
import type { DataSource, EntityManager } from 'typeorm';

/** One dataset version the curator built. */
export interface DatasetVersion {
  readonly datasetId: string;
  readonly version: number;
  readonly campaignId: string | null;
  readonly manifestUri: string;
  readonly manifestSha256: string;
  readonly counts: Record<string, number>;
  readonly createdAt: Date;
}

/** The dataset versions built: numbered from one sequence, recorded in the same transaction as their datasets.ready event. */
export class DatasetRegistry {
  constructor(private readonly dataSource: DataSource) {}

  /** The next version number; a build that fails leaves a gap, never a reuse. */
  async nextVersion(): Promise<number> {
    const [row] = (await this.dataSource.query(`SELECT nextval('curator.dataset_versions')::int AS version`)) as Array<{ version: number }>;
    return row!.version;
  }

  /** Records a version in the caller's transaction; a campaign id from an event is stored with NUL and lone surrogates as U+FFFD. */
  async record(manager: EntityManager, entry: { datasetId: string; version: number; campaignId?: string; manifest: ArtifactRef; counts: Record<string, number> }): Promise<void> {
    await manager.query(`INSERT INTO curator.datasets (dataset_id, version, campaign_id, manifest_uri, manifest_sha256, counts) VALUES ($1, $2, $3, $4, $5, $6)`, [
      storableText(entry.datasetId),
      entry.version,
      entry.campaignId === undefined ? null : storableText(entry.campaignId),
      entry.manifest.uri,
      entry.manifest.sha256,
      JSON.stringify(storableValue(entry.counts)),
    ]);
  }

  async list(): Promise<DatasetVersion[]> {
    return (await this.dataSource.query(
      `SELECT dataset_id AS "datasetId", version, campaign_id AS "campaignId", manifest_uri AS "manifestUri", manifest_sha256 AS "manifestSha256", counts, created_at AS "createdAt"
         FROM curator.datasets ORDER BY created_at, dataset_id, version`,
    )) as DatasetVersion[];
  }
}
