import type { ArtifactStore } from './artifact-store.port.js';
import { FileArtifactStore } from './file-artifact-store.js';
import { UnsupportedArtifactUriError } from './unsupported-artifact-uri.error.js';

/**
 * The store for a root uri (e.g. from DISTILLERY_ARTIFACT_ROOT): `file:///abs/dir` → FileArtifactStore
 * (the directory is created). `s3://` is not implemented yet; it and every other scheme throw
 * UnsupportedArtifactUriError.
 */
export function openArtifactStore(uri: string): ArtifactStore {
  if (uri.startsWith('file://')) return new FileArtifactStore(uri);
  if (uri.startsWith('s3://')) {
    throw new UnsupportedArtifactUriError(uri, 'the S3 artifact store is not implemented yet; use a file:// root (e.g. a mounted volume)');
  }
  throw new UnsupportedArtifactUriError(uri, 'expected a file:// uri (s3:// is planned but not implemented yet)');
}
