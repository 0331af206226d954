import { mkdir, rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ArtifactIntegrityError, ArtifactNotFoundError, type ArtifactStore } from '@distillery/artifacts';
import type { CheckpointBf16 } from '@distillery/contracts';

/** A checkpoint whose artifacts cannot be served: missing, or not the bytes the announcement names. */
export class CheckpointRefusedError extends Error {
  override readonly name = 'CheckpointRefusedError';
}

/**
 * Brings an announced checkpoint into `<root>/<model id>/<checkpoint id>/` for the engine: the
 * manifest is read and verified, every file it lists is re-hashed against its sha256 and linked
 * into the dir under its name (the store's blobs are immutable, so a link is as good as a copy);
 * the weights must be the ones the announcement names. The dir appears whole or not at all.
 */
export async function materializeCheckpoint(store: ArtifactStore, checkpoint: CheckpointBf16, root: string): Promise<string> {
  const dir = join(root, safeSegment(checkpoint.modelId), safeSegment(checkpoint.checkpointId));
  const staging = `${dir}.staging-${process.pid}`;
  try {
    const manifest = await store.getManifest(checkpoint.manifest);
    const weights = manifest.files['model.safetensors'];
    if (!weights || weights.sha256 !== checkpoint.weights.sha256) {
      throw new CheckpointRefusedError(`the manifest's model.safetensors (${weights?.sha256 ?? 'absent'}) is not the announced weights ${checkpoint.weights.sha256}`);
    }
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    for (const [name, ref] of Object.entries(manifest.files)) {
      if (name.includes('/') || name.startsWith('.')) throw new CheckpointRefusedError(`the manifest lists a file named ${JSON.stringify(name)}`);
      await store.verify(ref);
      await symlink(store.pathOf(ref), join(staging, name));
    }
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
    return dir;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (error instanceof ArtifactIntegrityError || error instanceof ArtifactNotFoundError) throw new CheckpointRefusedError(error.message);
    throw error;
  }
}

/** A path segment from an id (ids are announced by other services). */
function safeSegment(id: string): string {
  return id.replace(/[^A-Za-z0-9._@+-]/g, '_').replace(/^\.+/, '_').slice(0, 120);
}
