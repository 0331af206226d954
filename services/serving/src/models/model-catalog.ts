import { type CheckpointBf16, type CheckpointFp8, type DrafterReady, storableText, storableValue } from '@distillery/contracts';
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
  /** The drafter it is served with: its newest one not refused (null: none announced, or all refused). */
  readonly drafter: DrafterReady | null;
  /** Its newest FP8 version not refused (null: none announced, or all refused): served instead with DISTILLERY_SERVING_PRECISION=fp8. */
  readonly fp8: Fp8Version | null;
}

/** An FP8 version of a version, as the catalog serves it. */
export interface Fp8Version {
  /** Names the quantization (fp8IdOf). */
  readonly fp8Id: string;
  readonly fp8: CheckpointFp8;
  /** Why its FP8 drafter is not loaded with it (null: it has none, or it is servable). */
  readonly drafterRefused: string | null;
}

/** One FP8 version announced for a version. */
export interface VersionFp8 extends Fp8Version {
  /** Why it is not served (its figures fail the gate, its artifacts did not verify, the engine refused it); null: servable. */
  readonly refused: string | null;
  readonly createdAt: Date;
}

/** One drafter announced for a version. */
export interface VersionDrafter {
  readonly drafter: DrafterReady;
  /** Why it is not served with its version (its artifacts did not verify, the engine refused it); null: servable. */
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
  drafter: DrafterReady | null;
  fp8: { fp8Id: string; fp8: CheckpointFp8; drafterRefused: string | null } | null;
}

const toVersion = (row: VersionRow): ModelVersion => ({
  modelId: row.model_id,
  checkpointId: row.checkpoint_id,
  checkpoint: row.checkpoint,
  refused: row.refused,
  createdAt: new Date(row.created_at),
  drafter: row.drafter ?? null,
  fp8: row.fp8 ?? null,
});

/** A version's newest drafter not refused, as a column of a query over `serving.versions v`. */
const SERVABLE_DRAFTER = `(SELECT d.drafter FROM serving.drafters d WHERE d.model_id = v.model_id AND d.checkpoint_id = v.checkpoint_id AND d.refused IS NULL ORDER BY d.seq DESC LIMIT 1) AS drafter`;

/** A version's newest FP8 version not refused, as a column of a query over `serving.versions v`. */
const SERVABLE_FP8 = `(SELECT jsonb_build_object('fp8Id', f.fp8_id, 'fp8', f.fp8, 'drafterRefused', f.drafter_refused) FROM serving.fp8 f
  WHERE f.model_id = v.model_id AND f.checkpoint_id = v.checkpoint_id AND f.refused IS NULL ORDER BY f.seq DESC LIMIT 1) AS fp8`;

/** `fp8_<12 hex>`: an FP8 version's id, from its quantizer manifest's hash (one quantization, one id). */
export function fp8IdOf(fp8: Pick<CheckpointFp8, 'manifest'>): string {
  return `fp8_${fp8.manifest.sha256.slice(0, 12)}`;
}

/** `<model id>@<checkpoint id>`: how a version is named in requests, answers, traces and metrics. */
export function versionName(modelId: string, checkpointId: string): string {
  return `${modelId}@${checkpointId}`;
}

/**
 * The serving schema's record of versions, their drafters, their FP8 versions and pins, shared by
 * every replica: the checkpoints.bf16, drafters.ready and checkpoints.fp8 consumers record them (in
 * the inbox's transaction), replicas mark the ones they cannot load refused, operators pin and roll
 * back; each replica serves `desired()` of every model, with its drafter or as its FP8 version.
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

  /** Records an announced drafter of a version (announced or not yet); one announced twice keeps its first row. */
  async recordDrafter(manager: EntityManager, drafter: DrafterReady, eventId: string): Promise<boolean> {
    const inserted = (await manager.query(
      `INSERT INTO serving.drafters (model_id, checkpoint_id, drafter_id, event_id, drafter) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (model_id, checkpoint_id, drafter_id) DO NOTHING RETURNING drafter_id`,
      [storableText(drafter.modelId), storableText(drafter.checkpointId), storableText(drafter.drafterId), storableText(eventId), JSON.stringify(storableValue(drafter))],
    )) as unknown[];
    return inserted.length > 0;
  }

  /** The version is served without this drafter from now on (on every replica). */
  async refuseDrafter(drafter: Pick<DrafterReady, 'modelId' | 'checkpointId' | 'drafterId'>, reason: string): Promise<void> {
    await this.dataSource.query('UPDATE serving.drafters SET refused = $4 WHERE model_id = $1 AND checkpoint_id = $2 AND drafter_id = $3', [
      drafter.modelId,
      drafter.checkpointId,
      drafter.drafterId,
      storableText(reason.slice(0, 2_000)),
    ]);
  }

  /** Every drafter announced, by version, newest first. */
  async drafters(modelId?: string): Promise<VersionDrafter[]> {
    const rows = (await this.dataSource.query(
      `SELECT drafter, refused, created_at FROM serving.drafters WHERE $1::text IS NULL OR model_id = $1 ORDER BY model_id, checkpoint_id, seq DESC`,
      [modelId ?? null],
    )) as Array<{ drafter: DrafterReady; refused: string | null; created_at: Date }>;
    return rows.map((row) => ({ drafter: row.drafter, refused: row.refused, createdAt: new Date(row.created_at) }));
  }

  /** Records an FP8 version the quantizer announced for a version (announced or not yet); one announced twice keeps its first row. */
  async recordFp8(manager: EntityManager, fp8: CheckpointFp8, eventId: string): Promise<boolean> {
    const inserted = (await manager.query(
      `INSERT INTO serving.fp8 (model_id, checkpoint_id, fp8_id, event_id, fp8) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (model_id, checkpoint_id, fp8_id) DO NOTHING RETURNING fp8_id`,
      [storableText(fp8.modelId), storableText(fp8.checkpointId), fp8IdOf(fp8), storableText(eventId), JSON.stringify(storableValue(fp8))],
    )) as unknown[];
    return inserted.length > 0;
  }

  /** The version is served in BF16 again, not as this FP8 version (on every replica). */
  async refuseFp8(version: { readonly modelId: string; readonly checkpointId: string; readonly fp8Id: string }, reason: string): Promise<void> {
    await this.dataSource.query('UPDATE serving.fp8 SET refused = $4 WHERE model_id = $1 AND checkpoint_id = $2 AND fp8_id = $3', [
      version.modelId,
      version.checkpointId,
      version.fp8Id,
      storableText(reason.slice(0, 2_000)),
    ]);
  }

  /** The FP8 version is served without its FP8 drafter from now on (on every replica). */
  async refuseFp8Drafter(version: { readonly modelId: string; readonly checkpointId: string; readonly fp8Id: string }, reason: string): Promise<void> {
    await this.dataSource.query('UPDATE serving.fp8 SET drafter_refused = $4 WHERE model_id = $1 AND checkpoint_id = $2 AND fp8_id = $3', [
      version.modelId,
      version.checkpointId,
      version.fp8Id,
      storableText(reason.slice(0, 2_000)),
    ]);
  }

  /** Every FP8 version announced, by version, newest first. */
  async fp8Versions(modelId?: string): Promise<VersionFp8[]> {
    const rows = (await this.dataSource.query(
      `SELECT fp8_id, fp8, refused, drafter_refused, created_at FROM serving.fp8 WHERE $1::text IS NULL OR model_id = $1 ORDER BY model_id, checkpoint_id, seq DESC`,
      [modelId ?? null],
    )) as Array<{ fp8_id: string; fp8: CheckpointFp8; refused: string | null; drafter_refused: string | null; created_at: Date }>;
    return rows.map((row) => ({ fp8Id: row.fp8_id, fp8: row.fp8, refused: row.refused, drafterRefused: row.drafter_refused, createdAt: new Date(row.created_at) }));
  }

  async refuse(modelId: string, checkpointId: string, reason: string): Promise<void> {
    await this.dataSource.query('UPDATE serving.versions SET refused = $3 WHERE model_id = $1 AND checkpoint_id = $2', [modelId, checkpointId, storableText(reason.slice(0, 2_000))]);
  }

  /** Every version of every model, newest first. */
  async versions(modelId?: string): Promise<ModelVersion[]> {
    const rows = (await this.dataSource.query(
      `SELECT v.model_id, v.checkpoint_id, v.checkpoint, v.refused, v.created_at, ${SERVABLE_DRAFTER}, ${SERVABLE_FP8}
       FROM serving.versions v WHERE $1::text IS NULL OR v.model_id = $1 ORDER BY v.model_id, v.seq DESC`,
      [modelId ?? null],
    )) as VersionRow[];
    return rows.map(toVersion);
  }

  /** What every model with versions should be served as now, each with the drafter to serve it with. */
  async desired(): Promise<DesiredVersion[]> {
    const rows = (await this.dataSource.query(
      `SELECT DISTINCT ON (v.model_id) v.model_id, v.checkpoint_id, v.checkpoint, v.refused, v.created_at, ${SERVABLE_DRAFTER}, ${SERVABLE_FP8}, p.checkpoint_id IS NOT NULL AS pinned
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
