import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArtifactRef, CheckpointBf16 } from '@distillery/contracts';
import type { ArtifactStore } from '../artifact-store.port.js';
import type { ManifestParent } from '../manifest.js';

/**
 * Stores each part's rows as `<part>.jsonl` and a dataset manifest listing them, the way a curator
 * does: the fixtures of the services that read datasets, without a curator. `parents` is written
 * only where given.
 */
export async function storeDatasetRows(
  store: ArtifactStore,
  rows: Readonly<Record<string, ReadonlyArray<object>>>,
  manifest: { readonly id: string; readonly createdBy: string; readonly parents?: ManifestParent[] },
): Promise<{ manifest: ArtifactRef; parts: Record<string, ArtifactRef> }> {
  const directory = await mkdtemp(join(tmpdir(), `distillery-${manifest.createdBy}-`));
  try {
    const parts: Record<string, ArtifactRef> = {};
    for (const [part, list] of Object.entries(rows)) {
      const path = join(directory, `${part}.jsonl`);
      await writeFile(path, list.map((row) => `${JSON.stringify(row)}\n`).join(''), 'utf8');
      parts[part] = await store.put({ path }, { kind: `dataset-${part}` });
    }
    const ref = await store.putManifest({
      id: manifest.id,
      kind: 'dataset',
      createdAt: new Date().toISOString(),
      createdBy: manifest.createdBy,
      files: Object.fromEntries(Object.entries(parts).map(([part, partRef]) => [`${part}.jsonl`, partRef])),
      ...(manifest.parents ? { parents: manifest.parents } : {}),
    });
    return { manifest: ref, parts };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** Puts every file of a dir (a student's, a drafter's) into the store under a manifest of `kind`, the way the service that made it does; `parents` only where given. */
export async function storeDir(
  store: ArtifactStore,
  dir: string,
  manifest: { readonly id: string; readonly kind: 'checkpoint' | 'drafter'; readonly createdBy: string; readonly attributes: Record<string, unknown>; readonly parents?: ManifestParent[] },
): Promise<{ manifest: ArtifactRef; files: Record<string, ArtifactRef> }> {
  const files: Record<string, ArtifactRef> = {};
  for (const name of (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => entry.name).sort()) {
    files[name] = await store.put({ path: join(dir, name) }, { kind: name === 'model.safetensors' ? 'safetensors' : `${manifest.kind}-file` });
  }
  return { manifest: await store.putManifest({ ...manifest, createdAt: new Date().toISOString(), files }), files };
}

/**
 * Stores a student dir (writeMicroCheckpoint's, or the trainer's) the way the trainer does — every
 * file, a checkpoint manifest listing them — and returns the checkpoints.bf16 message naming the
 * dataset version it was trained on (`datasetEventId`: that version's datasets.ready event; `datasetManifest`,
 * when given, becomes the manifest's parent as the trainer links it).
 */
export async function storeCheckpointDir(
  store: ArtifactStore,
  dir: string,
  ids: { readonly modelId: string; readonly checkpointId: string; readonly datasetId: string; readonly datasetEventId: string; readonly createdBy: string; readonly datasetManifest?: ManifestParent },
): Promise<CheckpointBf16> {
  const parents = ids.datasetManifest ? { parents: [ids.datasetManifest] } : {};
  const { manifest, files } = await storeDir(store, dir, { id: ids.checkpointId, kind: 'checkpoint', createdBy: ids.createdBy, attributes: { modelId: ids.modelId }, ...parents });
  return {
    modelId: ids.modelId,
    checkpointId: ids.checkpointId,
    manifest,
    weights: files['model.safetensors']!,
    stages: [{ stage: 'sft', metrics: { heldOutLoss: 1 } }],
    lineage: { datasetId: ids.datasetId, checkpointId: ids.checkpointId, parentEventIds: [ids.datasetEventId] },
  };
}
