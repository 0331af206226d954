/**
 * Thrown when an artifact or manifest is asked for (by ref, uri or sha256) and this store holds no such blob,
 * or when a uri names a path that is not a blob of this store.
 */
export class ArtifactNotFoundError extends Error {
  override readonly name = 'ArtifactNotFoundError';
  constructor(
    /** The ref's uri, the uri or the sha256 that was asked for. */
    readonly wanted: string,
    detail?: string,
  ) {
    super(`artifact ${wanted} not found${detail ? `: ${detail}` : ''}`);
  }
}
