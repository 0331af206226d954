import { join } from 'node:path';
import { ArtifactIntegrityError, ArtifactNotFoundError, type ArtifactStore, linkArtifacts, UnsafeFileNameError } from '@distillery/artifacts';
import type { CheckpointBf16 } from '@distillery/contracts';

/** A checkpoint whose artifacts cannot be served: missing, or not the bytes the announcement names. */
export class CheckpointRefusedError extends Error {
  override readonly name = 'CheckpointRefusedError';
}

/**
 * Brings an announced checkpoint into `<root>/<model id>/<checkpoint id>/` for the engine: the
 * manifest is read and verified, every file it lists is re-hashed against its sha256 and linked
 * into the dir under its name (linkArtifacts); the weights must be the ones the announcement
 * names. The dir appears whole or not at all.
 */
export async function materializeCheckpoint(store: ArtifactStore, checkpoint: CheckpointBf16, root: string): Promise<string> {
  const dir = versionDir(root, checkpoint.modelId, checkpoint.checkpointId);
  try {
    const manifest = await store.getManifest(checkpoint.manifest);
    const weights = manifest.files['model.safetensors'];
    if (!weights || weights.sha256 !== checkpoint.weights.sha256) {
      throw new CheckpointRefusedError(`the manifest's model.safetensors (${weights?.sha256 ?? 'absent'}) is not the announced weights ${checkpoint.weights.sha256}`);
    }
    return await linkArtifacts(store, manifest.files, dir);
  } catch (error) {
    if (error instanceof ArtifactIntegrityError || error instanceof ArtifactNotFoundError || error instanceof UnsafeFileNameError) throw new CheckpointRefusedError(error.message);
    throw error;
  }
}

/** `<root>/<model id>/<checkpoint id>`: where a version's files are linked. */
export function versionDir(root: string, modelId: string, checkpointId: string): string {
  return join(root, safeSegment(modelId), safeSegment(checkpointId));
}

/** A path segment from an id (ids are announced by other services). */
export function safeSegment(id: string): string {
  return id.replace(/[^A-Za-z0-9._@+-]/g, '_').replace(/^\.+/, '_').slice(0, 120);
}
