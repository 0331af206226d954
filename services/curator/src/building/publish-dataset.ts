import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArtifactStore } from '@distillery/artifacts';
import type { ArtifactRef, DatasetReady } from '@distillery/contracts';
import type { BuiltDataset } from '../dataset/build-dataset.js';
import type { DatasetPart } from '../dataset/dataset-rows.js';
import { DatasetIntegrityError } from '../errors/dataset-integrity.error.js';

/** A dataset in the artifact store: its manifest and each part, by ref. */
export interface PublishedDataset {
  readonly manifest: ArtifactRef;
  readonly parts: Readonly<Record<DatasetPart, ArtifactRef>>;
}

/**
 * Puts every part into the artifact store (each written to a temporary file and streamed from it),
 * checks each stored sha256 against the built one, then the manifest with the parts' refs. Storing
 * the same dataset twice stores nothing new (content addressing).
 */
export async function publishDataset(store: ArtifactStore, built: BuiltDataset, createdAt: string = new Date().toISOString()): Promise<PublishedDataset> {
  const directory = await mkdtemp(join(tmpdir(), 'distillery-curator-'));
  try {
    const parts = {} as Record<DatasetPart, ArtifactRef>;
    for (const file of Object.values(built.files)) {
      const path = join(directory, file.name);
      await writeFile(path, file.text, 'utf8');
      const ref = await store.put({ path }, { kind: `dataset-${file.part}` });
      if (ref.sha256 !== file.sha256) throw new DatasetIntegrityError(file.name, file.sha256, ref.sha256);
      parts[file.part] = ref;
    }
    const files = Object.fromEntries(Object.values(built.files).map((file) => [file.name, parts[file.part]]));
    const manifest = await store.putManifest({ ...built.manifest, files, createdAt });
    return { manifest, parts };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** The datasets.ready message of a published dataset. */
export function datasetReadyOf(built: BuiltDataset, published: PublishedDataset, lineage: { campaignId?: string; parentEventIds?: readonly string[] }): DatasetReady {
  return {
    datasetId: built.datasetId,
    version: built.version,
    manifest: published.manifest,
    parts: published.parts,
    counts: built.counts,
    lineage: { ...(lineage.campaignId ? { campaignId: lineage.campaignId } : {}), datasetId: built.datasetId, parentEventIds: [...(lineage.parentEventIds ?? [])] },
  };
}
