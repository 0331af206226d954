import { type CheckpointBf16, storableText, storableValue } from '@distillery/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { InvalidRequestError, ModelNotFoundError } from '../errors/serving.errors.js';

/** One announced version of a model. */
export interface ModelVersion {
  readonly modelId: string;
  readonly checkpointId: string;
  readonly checkpoint: CheckpointBf16;
  /** Why no replica serves it (its artifacts did not verify, the engine refused it); null: servable. */
  readonly refused: string | null;
  readonly createdAt: Date;
}

/** What a model should be served as now: the pinned version, else the newest servable one. */
export interface DesiredVersion {
  readonly version: ModelVersion;
  readonly pinned: boolean;
}

interface VersionRow {
  model_id: string;
  checkpoint_id: string;
  checkpoint: CheckpointBf16;
  refused: string | null;
  created_at: Date;
}

const toVersion = (row: VersionRow): ModelVersion => ({ modelId: row.model_id, checkpointId: row.checkpoint_id, checkpoint: row.checkpoint, refused: row.refused, createdAt: new Date(row.created_at) });

/** `<model id>@<checkpoint id>`: how a version is named in requests, answers, traces and metrics. */
export function versionName(modelId: string, checkpointId: string): string {
  return `${modelId}@${checkpointId}`;
}

/**
 * The serving schema's record of versions and pins, shared by every replica: the checkpoints.bf16
 * consumer records versions (in the inbox's transaction), replicas mark the ones they cannot load
 * refused, operators pin and roll back; each replica serves `desired()` of every model.
 */
export class ModelCatalog {
  constructor(private readonly dataSource: DataSource) {}

  /** Records an announced version; one announced twice keeps its first row. */
  async record(manager: EntityManager, checkpoint: CheckpointBf16, eventId: string): Promise<boolean> {
    const inserted = (await manager.query(
      `INSERT INTO serving.versions (model_id, checkpoint_id, event_id, checkpoint) VALUES ($1, $2, $3, $4)
       ON CONFLICT (model_id, checkpoint_id) DO NOTHING RETURNING checkpoint_id`,
      [storableText(checkpoint.modelId), storableText(checkpoint.checkpointId), storableText(eventId), JSON.stringify(storableValue(checkpoint))],
    )) as unknown[];
    return inserted.length > 0;
  }

  async refuse(modelId: string, checkpointId: string, reason: string): Promise<void> {
    await this.dataSource.query('UPDATE serving.versions SET refused = $3 WHERE model_id = $1 AND checkpoint_id = $2', [modelId, checkpointId, storableText(reason.slice(0, 2_000))]);
  }

  /** Every version of every model, newest first. */
  async versions(modelId?: string): Promise<ModelVersion[]> {
    const rows = (await this.dataSource.query(
      `SELECT model_id, checkpoint_id, checkpoint, refused, created_at FROM serving.versions WHERE $1::text IS NULL OR model_id = $1 ORDER BY model_id, seq DESC`,
      [modelId ?? null],
    )) as VersionRow[];
    return rows.map(toVersion);
  }

  /** What every model with versions should be served as now. */
  async desired(): Promise<DesiredVersion[]> {
    const rows = (await this.dataSource.query(
      `SELECT DISTINCT ON (v.model_id) v.model_id, v.checkpoint_id, v.checkpoint, v.refused, v.created_at, p.checkpoint_id IS NOT NULL AS pinned
       FROM serving.versions v LEFT JOIN serving.pins p ON p.model_id = v.model_id
       WHERE v.refused IS NULL AND (p.checkpoint_id IS NULL OR p.checkpoint_id = v.checkpoint_id)
       ORDER BY v.model_id, v.seq DESC`,
    )) as Array<VersionRow & { pinned: boolean }>;
    return rows.map((row) => ({ version: toVersion(row), pinned: row.pinned }));
  }

  async pinned(modelId: string): Promise<string | undefined> {
    const rows = (await this.dataSource.query('SELECT checkpoint_id FROM serving.pins WHERE model_id = $1', [modelId])) as Array<{ checkpoint_id: string }>;
    return rows[0]?.checkpoint_id;
  }

  /** Serves `checkpointId` for the model until unpinned, whatever is announced later. */
  async pin(modelId: string, checkpointId: string, reason: string): Promise<ModelVersion> {
    const version = (await this.versions(modelId)).find((candidate) => candidate.checkpointId === checkpointId);
    if (!version) throw await this.notFound(modelId, checkpointId);
    if (version.refused) throw new InvalidRequestError('checkpointId', `${versionName(modelId, checkpointId)} was refused: ${version.refused}`);
    await this.dataSource.query(
      `INSERT INTO serving.pins (model_id, checkpoint_id, reason) VALUES ($1, $2, $3)
       ON CONFLICT (model_id) DO UPDATE SET checkpoint_id = EXCLUDED.checkpoint_id, reason = EXCLUDED.reason, pinned_at = now()`,
      [modelId, checkpointId, storableText(reason)],
    );
    return version;
  }

  /** Follows the newest version again. */
  async unpin(modelId: string): Promise<void> {
    if (!(await this.versions(modelId)).length) throw await this.notFound(modelId);
    await this.dataSource.query('DELETE FROM serving.pins WHERE model_id = $1', [modelId]);
  }

  /** Pins the servable version announced before the one served now: one call undoes a bad checkpoint. */
  async rollback(modelId: string): Promise<ModelVersion> {
    const versions = (await this.versions(modelId)).filter((version) => !version.refused);
    const current = (await this.desired()).find((desired) => desired.version.modelId === modelId);
    if (!current) throw await this.notFound(modelId);
    const previous = versions[versions.findIndex((version) => version.checkpointId === current.version.checkpointId) + 1];
    if (!previous) throw new InvalidRequestError('model', `${modelId} has no version before ${current.version.checkpointId} to roll back to`);
    return this.pin(modelId, previous.checkpointId, `rollback from ${current.version.checkpointId}`);
  }

  private async notFound(modelId: string, checkpointId?: string): Promise<ModelNotFoundError> {
    const known = [...new Set((await this.versions()).map((version) => (checkpointId ? versionName(version.modelId, version.checkpointId) : version.modelId)))];
    return new ModelNotFoundError(checkpointId ? versionName(modelId, checkpointId) : modelId, known);
  }
}
