import { join } from 'node:path';
import { ArtifactIntegrityError, ArtifactNotFoundError, type ArtifactStore, linkArtifacts, UnsafeFileNameError } from '@distillery/artifacts';
import type { ArtifactRef, CheckpointBf16, DrafterReady } from '@distillery/contracts';
import { safeSegment } from './checkpoint-materializer.js';
import { checkOwnManifest } from './own-manifest.js';

/** The EAGLE-3 drafter layout the engine (and vLLM, SGLang) loads: exactly these files. */
export const DRAFTER_FILES = ['config.json', 'model.safetensors', 'manifest.json'] as const;

/** A drafter that cannot be served with its version: artifacts missing or not the announced bytes, trained for other weights, or refused by the engine. */
export class DrafterRefusedError extends Error {
  override readonly name = 'DrafterRefusedError';
}

/**
 * Brings an announced drafter into `<root>/<model id>/<checkpoint id>~drafters/<drafter id>/` for
 * the engine of its version: the drafter manifest is read and verified, its config.json,
 * model.safetensors and manifest.json are re-hashed and linked (linkArtifacts); the weights must
 * be the announced ones, the drafter's own manifest.json must list the same bytes, and the student
 * it was trained for must be this version's weights. Throws DrafterRefusedError.
 */
export async function materializeDrafter(store: ArtifactStore, drafter: DrafterReady, checkpoint: CheckpointBf16, root: string): Promise<string> {
  const dir = join(root, safeSegment(drafter.modelId), `${safeSegment(drafter.checkpointId)}~drafters`, safeSegment(drafter.drafterId));
  try {
    const manifest = await store.getManifest(drafter.manifest);
    const files: Record<string, ArtifactRef> = {};
    for (const name of DRAFTER_FILES) {
      const ref = manifest.files[name];
      if (!ref) throw new DrafterRefusedError(`the drafter manifest lists no ${name} (it lists ${Object.keys(manifest.files).join(', ') || 'nothing'})`);
      files[name] = ref;
    }
    if (files['model.safetensors']!.sha256 !== drafter.weights.sha256) {
      throw new DrafterRefusedError(`the manifest's model.safetensors (${files['model.safetensors']!.sha256}) is not the announced weights ${drafter.weights.sha256}`);
    }
    const listed = await checkOwnManifest(store, files, ['config.json', 'model.safetensors'], (message) => new DrafterRefusedError(message), 'the drafter');
    const target = (listed.target as { weights_sha256?: unknown } | undefined)?.weights_sha256;
    if (typeof target === 'string' && target !== checkpoint.weights.sha256) {
      throw new DrafterRefusedError(`trained for the student weights ${target}, not ${checkpoint.modelId}@${checkpoint.checkpointId}'s ${checkpoint.weights.sha256}`);
    }
    return await linkArtifacts(store, files, dir);
  } catch (error) {
    if (error instanceof ArtifactIntegrityError || error instanceof ArtifactNotFoundError || error instanceof UnsafeFileNameError || error instanceof SyntaxError) throw new DrafterRefusedError(error.message);
    throw error;
  }
}
