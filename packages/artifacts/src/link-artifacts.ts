import { mkdir, rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactRef } from '@distillery/contracts';
import type { ArtifactStore } from './artifact-store.port.js';
import { UnsafeFileNameError } from './unsafe-file-name.error.js';

/**
 * Lays stored artifacts out as a directory a non-Node job reads (a checkpoint or drafter dir for
 * the Python compute plane): each is re-hashed against its sha256 and linked into `dir` under its
 * name — the store's blobs are immutable, so a link is as good as a copy. The dir appears whole or
 * not at all (built beside it, then renamed over whatever was there). Throws ArtifactIntegrityError,
 * ArtifactNotFoundError, UnsafeFileNameError. file:// stores only (`pathOf`).
 */
export async function linkArtifacts(store: ArtifactStore, files: Readonly<Record<string, ArtifactRef>>, dir: string): Promise<string> {
  const staging = `${dir}.staging-${process.pid}`;
  try {
    for (const name of Object.keys(files)) if (name.includes('/') || name.includes('\\') || name.startsWith('.') || name.includes('\0')) throw new UnsafeFileNameError(name);
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    for (const [name, ref] of Object.entries(files)) {
      await store.verify(ref);
      await symlink(store.pathOf(ref), join(staging, name));
    }
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
    return dir;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
