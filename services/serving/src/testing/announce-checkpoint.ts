import { chmod, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { storeDatasetRows } from '@distillery/artifacts';
import type { ArtifactRef } from '@distillery/contracts';
import { type CheckpointBf16, checkpointBf16Contract, encodeEvent } from '@distillery/contracts';
import type { EvalRow } from '@distillery/evaluation';
import type { RunningApp } from '@distillery/service-kit';

/**
 * Announces a checkpoint dir on checkpoints.bf16 the way the trainer does: every file into the
 * artifact store, a checkpoint manifest listing them, the event published on the app's bus.
 * `extra` adds files of its own to this version (a tamper test corrupts one of them); with
 * `evalRows`, the checkpoint names a dataset holding them as its held-out part, as the trainer's
 * do, so the deploy gate measures it.
 */
export async function announceCheckpoint(
  app: RunningApp,
  dir: string,
  ids: { readonly modelId: string; readonly checkpointId: string },
  extra: Readonly<Record<string, string>> = {},
  evalRows?: readonly EvalRow[],
): Promise<{ checkpoint: CheckpointBf16; files: Record<string, ArtifactRef> }> {
  const store = app.platform.artifacts;
  const files: Record<string, ArtifactRef> = {};
  for (const name of (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => entry.name)) {
    files[name] = await store.put({ path: join(dir, name) }, { kind: name === 'model.safetensors' ? 'safetensors' : 'checkpoint-file' });
  }
  for (const [name, text] of Object.entries(extra)) files[name] = await store.put(text, { kind: 'checkpoint-file' });
  const datasetId = `ds_${ids.checkpointId}`;
  const dataset = evalRows ? (await storeDatasetRows(store, { eval: evalRows }, { id: datasetId, createdBy: 'serving-test' })).manifest : undefined;
  const manifest = await store.putManifest({
    id: ids.checkpointId,
    kind: 'checkpoint',
    createdAt: new Date().toISOString(),
    createdBy: 'serving-test',
    files,
    parents: [],
    metrics: {},
    attributes: { modelId: ids.modelId, ...(dataset ? { dataset: { datasetId, version: 1, manifest: dataset } } : {}) },
  });
  const checkpoint: CheckpointBf16 = {
    modelId: ids.modelId,
    checkpointId: ids.checkpointId,
    manifest,
    weights: files['model.safetensors']!,
    stages: [{ stage: 'sft', metrics: { heldOutLoss: 0.5 } }],
    lineage: { checkpointId: ids.checkpointId, ...(dataset ? { datasetId } : {}), parentEventIds: [] },
  };
  await app.platform.bus.publish(checkpointBf16Contract.topic, [encodeEvent(checkpointBf16Contract, checkpoint, { source: 'serving-test' })]);
  return { checkpoint, files };
}

/** Overwrites a stored blob with other bytes (what a damaged disk or a hand edit does). */
export async function tamper(app: RunningApp, ref: ArtifactRef): Promise<void> {
  const path = app.platform.artifacts.pathOf(ref);
  await chmod(path, 0o644);
  await writeFile(path, 'tampered');
}
